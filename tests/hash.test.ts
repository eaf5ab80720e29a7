import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as nodeCrypto from "node:crypto";
import {
  EMPTY_HASH,
  hashSerialized,
  objectHashes,
  pythonJson,
  pythonStr,
  serialize,
  sha1,
  sha1Hex,
} from "../mod.ts";

type CreateHash = (algorithm: string) => {
  update(data: Uint8Array | string): { digest(encoding: "hex"): string };
};
const createHash = (nodeCrypto as { createHash?: CreateHash }).createHash;
const hasNodeSha1 = (() => {
  try {
    return createHash?.("sha1").update("abc").digest("hex") ===
      "a9993e364706816aba3e25717850c26c9cd0d89d";
  } catch {
    return false;
  }
})();

function nodeSha1(data: Uint8Array | string): string {
  return createHash!("sha1").update(data).digest("hex");
}

describe("sha1Hex", () => {
  it("matches the FIPS 180 and well-known test vectors", () => {
    assert.equal(sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert.equal(sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert.equal(
      sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    );
    assert.equal(
      sha1Hex("The quick brown fox jumps over the lazy dog"),
      "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    );
    assert.equal(sha1Hex("a".repeat(1_000_000)), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  });

  it("hashes strings as UTF-8 and accepts bytes", () => {
    const text = "héllo wörld 🎉";
    assert.equal(sha1Hex(text), sha1Hex(new TextEncoder().encode(text)));
    assert.equal(sha1Hex("hello"), "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    const digest = sha1("abc");
    assert.equal(digest.length, 20);
    assert.equal(digest[0], 0xa9);
    assert.equal(digest[19], 0x9d);
  });

  it("hashes subarray views by their own bytes only", () => {
    const buffer = new TextEncoder().encode("xxabcxx");
    assert.equal(sha1Hex(buffer.subarray(2, 5)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  });

  it("agrees with node:crypto on every length around the block boundaries", {
    skip: !hasNodeSha1,
  }, () => {
    const bytes = new Uint8Array(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 13) & 0xff;
    for (let n = 0; n <= bytes.length; n++) {
      const view = bytes.subarray(0, n);
      assert.equal(sha1Hex(view), nodeSha1(view), `length ${n}`);
    }
    const text = "ünïcödé 🎉 ".repeat(500);
    assert.equal(sha1Hex(text), nodeSha1(text));
  });
});

describe("pythonStr and pythonJson", () => {
  it("write scalars as Python str() does", () => {
    assert.equal(pythonStr(true), "True");
    assert.equal(pythonStr(false), "False");
    assert.equal(pythonStr(1), "1");
    assert.equal(pythonStr(1.0), "1", "an integer-valued number is written like a Python int");
    assert.equal(pythonStr(-0), "0");
    assert.equal(pythonStr(1.5), "1.5");
    assert.equal(pythonStr(0.1 + 0.2), "0.30000000000000004");
    assert.equal(pythonStr(0.0001), "0.0001");
    assert.equal(pythonStr(0.00001), "1e-05");
    assert.equal(pythonStr(1.5e-7), "1.5e-07");
    assert.equal(pythonStr(5e-324), "5e-324");
    assert.equal(pythonStr(1e21), "1000000000000000000000");
    assert.equal(pythonStr(2 ** 53 + 2), "9007199254740994");
    assert.equal(pythonStr(NaN), "nan");
    assert.equal(pythonStr(-Infinity), "-inf");
    assert.equal(pythonStr("héllo"), "héllo");
  });

  it("writes compact JSON with ensure_ascii escaping and insertion key order", () => {
    assert.equal(pythonJson({ b: 1, a: [true, null, "x"] }), '{"b":1,"a":[true,null,"x"]}');
    assert.equal(
      pythonJson(["é", "🎉", "\u007f", "\u0001", '"\\/', "\n\r\t\b\f"]),
      '["\\u00e9","\\ud83c\\udf89","\\u007f","\\u0001","\\"\\\\/","\\n\\r\\t\\b\\f"]',
    );
    assert.equal(pythonJson({ "ключ": 1e-5 }), '{"\\u043a\\u043b\\u044e\\u0447":1e-05}');
    assert.equal(pythonJson([]), "[]");
    assert.equal(pythonJson({}), "{}");
  });
});

// Expected values computed with CPython 3 running dreadnode's serialization rules
// (`str(value).encode()` for scalars, `json.dumps(value, separators=(",", ":"))` otherwise,
// hashlib.sha1, first 16 hex digits).
const PYTHON_VECTORS: [string, unknown, string, string, string][] = [
  ['"hello"', "hello", "aaf4c61ddcc5e8a2", "0000000000000000", "e2034718d810a44a"],
  ['""', "", "da39a3ee5e6b4b0d", "0000000000000000", "9df76887bf070bc5"],
  ["42", 42, "92cfceb39d57d914", "0000000000000000", "2e164e172f76d6dd"],
  ["-7", -7, "565e8bd101bd6025", "0000000000000000", "74140a692d292d2a"],
  ["1.5", 1.5, "aa8f289ebe6d4db1", "0000000000000000", "e2fbcdb7bd9d649b"],
  ["1e-05", 1e-05, "9115e342ed653a64", "0000000000000000", "1e92c7cfe3dc17bd"],
  ["0.1 + 0.2", 0.1 + 0.2, "5ddf737e31f8c30e", "0000000000000000", "4c4f940d0efcbb36"],
  ["true", true, "88b33e4e12f75ac8", "0000000000000000", "bdd8f06f94eb026d"],
  ["false", false, "97cdbdc7feff827e", "0000000000000000", "5a371a1ab0c3f1db"],
  ["null", null, "0000000000000000", "0000000000000000", "f342cc22e40f6e6f"],
  [
    '"h\u00e9llo \ud83c\udf89"',
    "héllo 🎉",
    "c58ad3bf279680e8",
    "0000000000000000",
    "f965328228b4a59c",
  ],
  ["[1, 2, 3]", [1, 2, 3], "9ef50cc82ae47427", "c771e1726fbd8e27", "bc9a83787a4c8808"],
  ['["a", "b"]', ["a", "b"], "d12e223825a919e0", "168110fffa5b1102", "626b799c16ab9767"],
  ['[1, "a"]', [1, "a"], "c566b0f481060011", "7c658fd1d7b34eb3", "44333fb91c76d37c"],
  ["[]", [], "97d170e1550eee4a", "7c658fd1d7b34eb3", "b16f0a79293d5309"],
  ["{}", {}, "bf21a9e8fbc5a384", "fe90370d99c36e53", "d76db54b74b118ef"],
  [
    "{ a: 1, b: [1, 2] }",
    { a: 1, b: [1, 2] },
    "bcf221bfadd4155f",
    "7f60dc8f388482e9",
    "7318be354d043c69",
  ],
  [
    '{ name: "x", nested: { k: [1.5, 2.5] } }',
    { name: "x", nested: { k: [1.5, 2.5] } },
    "72cad926fa7fe7fe",
    "0cad3e56d0487bec",
    "1cc4438a37868372",
  ],
  [
    "[{ a: 1 }, { a: 2 }]",
    [{ a: 1 }, { a: 2 }],
    "2c97b86765a3811c",
    "f856e552b39f3ad7",
    "cbebff407614ed34",
  ],
  [
    '[{ a: [1] }, { b: "x" }]',
    [{ a: [1] }, { b: "x" }],
    "5bb9df8e5663d025",
    "dcb63ff6a12cc649",
    "b28e35533cde30ac",
  ],
  [
    '{ text: "na\u00efve \u2014 ok", list: [true, false] }',
    { text: "naïve — ok", list: [true, false] },
    "a5f192b2d12ff13d",
    "4c5eaa84c46f0b87",
    "69bc36f951c7a063",
  ],
  ["[null, null]", [null, null], "68567fedebf6955c", "a753000b1e753670", "507edda560422f18"],
  // Python floats nan / inf: `str()` alone, `NaN` / `Infinity` inside JSON, the empty schema.
  ["NaN", NaN, "11e623a37e87cf79", "0000000000000000", "1c00a8b2db7ec27e"],
  ["Infinity", Infinity, "aa3dfef42e0c22b5", "0000000000000000", "ae49e68316679f1c"],
  ["-Infinity", -Infinity, "388f36165bc88736", "0000000000000000", "11c6eb75df7c5725"],
  ["{ x: NaN }", { x: NaN }, "28f046715843ee30", "fe90370d99c36e53", "403dc1244086c713"],
  [
    "[1.5, NaN, -Infinity]",
    [1.5, NaN, -Infinity],
    "48954a564fe34358",
    "f1e13a9229fd5236",
    "9a50f6f063e08955",
  ],
  // Dates as Python's isoformat() of a UTC datetime.
  [
    "a Date with milliseconds",
    new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 123)),
    "fa5d3e96bbc8d9f2",
    "c824b4e5d2c56ad5",
    "0392920b443b894f",
  ],
  [
    "a Date on a whole second",
    new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    "eb90dd030b12099a",
    "c824b4e5d2c56ad5",
    "f9494ff4a05e8a9b",
  ],
  [
    "{ when: new Date(0) }",
    { when: new Date(0) },
    "fc8c6178b8e3f779",
    "7e5c289c57af2b28",
    "fc80d024808ee696",
  ],
  // Item schemas compared as Python compares dicts: key order does not matter.
  [
    "[{ a: [1], b: [2] }, { b: [2], a: [1] }]",
    [{ a: [1], b: [2] }, { b: [2], a: [1] }],
    "752af1b3970533fe",
    "fbc51c22ff1bdb37",
    "0e74793c782c641b",
  ],
  [
    '[{ p: { x: [1], y: ["s"] } }, { p: { y: ["t"], x: [2] } }]',
    [{ p: { x: [1], y: ["s"] } }, { p: { y: ["t"], x: [2] } }],
    "1d6bc5bd4a456a54",
    "22850ca89d16628d",
    "8dd17f260a587670",
  ],
];

describe("objectHashes", () => {
  for (const [label, value, dataHash, schemaHash, objectHash] of PYTHON_VECTORS) {
    it(`matches dreadnode's Python hashes for ${label}`, () => {
      const hashes = objectHashes(value);
      assert.deepEqual(
        [hashes.dataHash, hashes.schemaHash, hashes.objectHash],
        [dataHash, schemaHash, objectHash],
      );
    });
  }

  it("hashes the documented byte strings", () => {
    const hello = objectHashes("hello");
    assert.equal(hello.dataHash, sha1Hex("hello").slice(0, 16));
    assert.equal(hello.schemaHash, EMPTY_HASH);
    assert.equal(hello.objectHash, sha1Hex(`${hello.dataHash}:${EMPTY_HASH}`).slice(0, 16));
    assert.deepEqual([...hello.bytes!], [...new TextEncoder().encode("hello")]);

    assert.equal(objectHashes(true).dataHash, sha1Hex("True").slice(0, 16));
    assert.equal(objectHashes(3).dataHash, sha1Hex("3").slice(0, 16));

    const obj = objectHashes({ b: "é", a: 1 });
    assert.equal(new TextDecoder().decode(obj.bytes), '{"b":"\\u00e9","a":1}');
    assert.equal(obj.dataHash, sha1Hex('{"b":"\\u00e9","a":1}').slice(0, 16));
    assert.equal(obj.schemaHash, sha1Hex('{"type":"object"}').slice(0, 16));
  });

  it("gives null and undefined no bytes and the zero data hash", () => {
    for (const value of [null, undefined]) {
      const h = objectHashes(value);
      assert.equal(h.dataHash, EMPTY_HASH);
      assert.equal(h.schemaHash, EMPTY_HASH);
      assert.equal(h.bytes, undefined);
      assert.equal(h.objectHash, sha1Hex(`${EMPTY_HASH}:${EMPTY_HASH}`).slice(0, 16));
    }
  });

  it("is content-addressed: equal content, equal id; different content or schema, different id", () => {
    assert.equal(objectHashes({ a: [1, 2] }).objectHash, objectHashes({ a: [1, 2] }).objectHash);
    assert.notEqual(objectHashes({ a: [1, 2] }).objectHash, objectHashes({ a: [1, 3] }).objectHash);
    // Same data bytes ("1"), different schemas: a number and a BigInt.
    const n = objectHashes(1);
    const big = objectHashes(1n);
    assert.equal(n.dataHash, big.dataHash);
    assert.notEqual(n.schemaHash, big.schemaHash);
    assert.notEqual(n.objectHash, big.objectHash);
  });

  it("hashes JavaScript-only types through the serializer", () => {
    const h = objectHashes(new Map([["k", new Date(0)]]));
    assert.deepEqual(h.serialized.value, { k: "1970-01-01T00:00:00+00:00" });
    assert.equal(
      h.schemaHash,
      sha1Hex(
        '{"type":"object","title":"Map","properties":{"k":{"type":"string","format":"date-time"}}}',
      )
        .slice(0, 16),
    );
  });

  it("hashes the bytes Python hashes for NaN and Dates", () => {
    assert.equal(new TextDecoder().decode(objectHashes(NaN).bytes), "nan");
    assert.equal(new TextDecoder().decode(objectHashes([NaN, Infinity]).bytes), "[NaN,Infinity]");
    assert.equal(
      new TextDecoder().decode(objectHashes(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 7))).bytes),
      "2026-01-02T03:04:05.007000+00:00",
    );
    // Opting out gives the serializer's JavaScript forms.
    const js = objectHashes({ n: NaN, d: new Date(0) }, { pythonCompatible: false });
    assert.deepEqual(js.serialized.value, { n: "NaN", d: "1970-01-01T00:00:00.000Z" });
  });

  it("hashSerialized gives the same result as objectHashes", () => {
    const value = { q: "what?", n: [1, 2.5] };
    const a = objectHashes(value);
    const b = hashSerialized(serialize(value));
    assert.deepEqual([a.dataHash, a.schemaHash, a.objectHash], [
      b.dataHash,
      b.schemaHash,
      b.objectHash,
    ]);
  });
});
