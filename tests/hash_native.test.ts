// The Node, Deno and Bun presets register node:crypto's createHash for large SHA-1 inputs (object
// hashes of large values were ~230× slower than node:crypto in the portable JavaScript). The
// runtime's SHA-1 and the portable one must give the same digest for every input, or a value
// would get another id on another runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { isBun, isDeno, isNode } from "./_support/runtime.ts";
import { objectHashes } from "../mod.ts";
import { portableSha1, sha1, sha1Hex, toHex } from "../src/hash/sha1.ts";
import {
  type CreateHash,
  NATIVE_SHA1_MIN_BYTES,
  nativeSha1Digest,
  registerCreateHash,
} from "../src/hash/native_digest.ts";

// The preset of this runtime (Deno's registers the same createHash as Node's).
await (isDeno ? import("../src/runtime/deno.ts") : import("../src/runtime/node.ts"));

/** A deterministic xorshift32 stream of bytes. */
function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

/** A deterministic string of ASCII, BMP, astral (pairs) and lone-surrogate code units. */
function randomText(length: number, seed: number): string {
  const bytes = randomBytes(length * 2, seed);
  let text = "";
  for (let i = 0; i < length; i++) {
    const r = bytes[2 * i], s = bytes[2 * i + 1];
    switch (r % 6) {
      case 0:
      case 1:
        text += String.fromCharCode(0x20 + (s % 95));
        break;
      case 2:
        text += String.fromCharCode(0xa0 + s * 40);
        break;
      case 3:
        text += String.fromCodePoint(0x1f300 + s);
        break;
      case 4:
        text += String.fromCharCode(0xd800 + s); // lone high surrogate (unless a low one follows)
        break;
      default:
        text += String.fromCharCode(0xdc00 + s); // lone low surrogate (unless after a high one)
    }
  }
  return text;
}

const runtimeHasher = (bytes: Uint8Array) => createHash("sha1").update(bytes).digest("hex");

describe("the runtime's SHA-1 (preset) and the portable SHA-1", () => {
  it("the Node, Deno and Bun presets register node:crypto for large inputs", {
    skip: !(isNode || isDeno || isBun),
  }, () => {
    const large = randomBytes(NATIVE_SHA1_MIN_BYTES, 1);
    const digest = nativeSha1Digest(large);
    assert.ok(digest !== undefined, "a large input goes to the runtime's SHA-1");
    assert.equal(toHex(digest), runtimeHasher(large));
    assert.equal(nativeSha1Digest(large.subarray(1)), undefined, "a short one does not");
  });

  it("give identical digests for random bytes of every length up to 5000, at any offset", () => {
    const pool = randomBytes(5100, 7);
    for (let n = 0; n <= 5000; n += n < 300 ? 1 : 37) {
      const view = pool.subarray(n % 61, (n % 61) + n);
      const expected = toHex(portableSha1(view));
      assert.equal(sha1Hex(view), expected, `${n} bytes`);
      assert.equal(toHex(sha1(view)), expected, `${n} bytes`);
      assert.equal(runtimeHasher(view), expected, `${n} bytes (node:crypto)`);
    }
  });

  it("give identical digests for large inputs (multi-block, odd lengths)", () => {
    for (const n of [65_536, 65_599, (1 << 20) + 3, 3 * (1 << 20) + 55]) {
      const bytes = randomBytes(n, n);
      assert.equal(sha1Hex(bytes), toHex(portableSha1(bytes)), `${n} bytes`);
      assert.equal(runtimeHasher(bytes), toHex(portableSha1(bytes)), `${n} bytes (node:crypto)`);
    }
  });

  it("give identical digests for strings with surrogate pairs and lone surrogates", () => {
    for (let n = 0; n < 3000; n += n < 100 ? 1 : 53) {
      const text = randomText(n, n + 11);
      const expected = toHex(portableSha1(text));
      assert.equal(sha1Hex(text), expected, `${n} code units`);
      // A string is hashed as its UTF-8, lone surrogates as U+FFFD (TextEncoder's bytes).
      assert.equal(sha1Hex(new TextEncoder().encode(text)), expected, `${n} code units`);
    }
    const ascii = randomText(4000, 3).replace(/[^\x20-\x7e]/g, "a");
    for (const n of [0, 1, 1023, 1024, 1025, 4000]) {
      const text = ascii.slice(0, n);
      assert.equal(sha1Hex(text), toHex(portableSha1(text)), `${n} ASCII characters`);
      assert.equal(sha1Hex(text), runtimeHasher(new TextEncoder().encode(text)));
    }
  });

  it("object hashes of large values are those of the portable SHA-1", () => {
    const value = { text: randomText(20_000, 5), bytes: randomBytes(30_000, 9) };
    const h = objectHashes(value);
    assert.equal(h.dataHash, toHex(portableSha1(h.bytes!)).slice(0, 16));
    assert.equal(
      h.objectHash,
      toHex(portableSha1(`${h.dataHash}:${h.schemaHash}`)).slice(0, 16),
    );
  });

  it("hashes large inputs with a registered createHash and falls back when it fails", () => {
    const seen: number[] = [];
    let fail = false;
    const spy: CreateHash = (algorithm) => ({
      update(data) {
        seen.push(data.length);
        if (fail && data.length > 3) throw new Error("digest unavailable");
        return { digest: () => createHash(algorithm).update(data).digest() };
      },
    });
    try {
      assert.equal(registerCreateHash(spy), true);
      const large = objectHashes("x".repeat(100_000));
      assert.ok(seen.includes(100_000), "the 100 kB value went to the registered hash");
      const short = seen.filter((n) => n < NATIVE_SHA1_MIN_BYTES);
      assert.deepEqual(
        short,
        [3],
        "short inputs (the object id's 33 bytes) did not, but its check",
      );
      fail = true;
      const bytes = randomBytes(10_000, 3);
      assert.equal(sha1Hex(bytes), toHex(portableSha1(bytes)), "a failing hash falls back");
      assert.deepEqual(objectHashes("x".repeat(100_000)), large);
    } finally {
      registerCreateHash(createHash as CreateHash);
    }
  });

  it("does not register a createHash that throws or gives a wrong digest", () => {
    try {
      assert.equal(
        registerCreateHash(() => {
          throw new Error("Digest method not supported");
        }),
        false,
      );
      const wrong: CreateHash = () => ({
        update: () => ({ digest: () => new Uint8Array(20) }),
      });
      assert.equal(registerCreateHash(wrong), false);
      const bytes = randomBytes(10_000, 4);
      assert.equal(sha1Hex(bytes), toHex(portableSha1(bytes)));
    } finally {
      registerCreateHash(createHash as CreateHash);
    }
  });
});
