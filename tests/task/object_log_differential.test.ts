import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { hashSerialized, objectSerializeOptions } from "../../src/hash/object_hash.ts";
import { sha1Hex } from "../../src/hash/sha1.ts";
import { setRedactionPolicy } from "../../src/redact/global.ts";
import { jsonStringBytes } from "../../src/serialize/_json_length.ts";
import { serialize } from "../../src/serialize/serialize.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { ObjectStore } from "../../src/task/objects.ts";
import { redactStored, serializedForSpan } from "../../src/task/_redact.ts";
import { objectLogValues } from "./_object_log_values.ts";
import { EXPECTED_OBJECT_LOG_DIGESTS } from "./_object_log_expected.ts";

/** The name value `i` is logged under: a few under a sensitive name. */
function nameOf(i: number): string {
  return i % 7 === 3 ? "password" : "input";
}

/** Lone surrogates → U+FFFD, the way TextEncoder writes them. */
function wellFormedReference(text: string): string {
  return new TextDecoder().decode(new TextEncoder().encode(text));
}

/** What one log leaves: the hash, the inline record, the record once settled, schemas, blob. */
async function logged(value: unknown, name: string) {
  const storage = new MemoryStorage();
  const store = new ObjectStore(storage);
  const hash = store.log(value, name);
  const inline = store.get(hash)!;
  await store.settled();
  const record = store.get(hash)!;
  const blob = record.type === "uri"
    ? await storage.getBlob(record.uri.slice("storage:objects/".length))
    : undefined;
  return { hash, inline, record, schemas: store.schemasJson(), blob };
}

/** One digest of everything a log leaves, as saved by the code before the fast paths. */
async function digest(value: unknown, name: string): Promise<string> {
  const r = await logged(value, name);
  return sha1Hex(
    [
      r.hash,
      JSON.stringify(r.inline),
      JSON.stringify(r.record),
      JSON.stringify(r.schemas),
      r.blob === undefined ? "-" : sha1Hex(r.blob),
    ].join("\n"),
  ).slice(0, 16);
}

describe("ObjectStore.log differential", () => {
  const values = objectLogValues(300);

  it("every value logs to the same hash, records, schemas and blob as the code before the fast paths", async () => {
    assert.equal(values.length, EXPECTED_OBJECT_LOG_DIGESTS.length);
    for (let i = 0; i < values.length; i++) {
      assert.equal(
        await digest(values[i], nameOf(i)),
        EXPECTED_OBJECT_LOG_DIGESTS[i],
        `value ${i}`,
      );
    }
  });

  // Every value three times over (about 20 s on Bun on a busy 2-core machine: past the runner's
  // 20 s default per test).
  it("every value matches the two-walk reference (hashed form, then the span form walked again)", {
    timeout: 120_000,
  }, async () => {
    for (const policy of [undefined, { enabled: false }, { maxStringLength: 50 }]) {
      const previous = setRedactionPolicy(policy);
      try {
        for (let i = 0; i < values.length; i++) {
          const name = nameOf(i);
          const serialized = serialize(values[i], objectSerializeOptions());
          const hashes = hashSerialized({
            ...serialized,
            value: redactStored(serialized.value, name),
          });
          const span = serializedForSpan(values[i], name);
          const r = await logged(values[i], name);
          assert.equal(r.hash, hashes.objectHash, `hash of value ${i}`);
          assert.deepEqual(
            r.inline,
            {
              hash: hashes.objectHash,
              schema_hash: hashes.schemaHash,
              value: typeof span === "string" ? wellFormedReference(span) : span,
              type: "val",
            },
            `span copy of value ${i}`,
          );
          if (r.blob !== undefined) assert.deepEqual(r.blob, hashes.bytes, `blob of value ${i}`);
        }
      } finally {
        setRedactionPolicy(previous);
      }
    }
  });

  it("reads each getter once when the span copy is the hashed one", () => {
    let reads = 0;
    const value = {
      get x() {
        reads++;
        return { n: reads };
      },
    };
    const store = new ObjectStore(undefined);
    const hash = store.log(value, "input");
    assert.equal(reads, 1);
    assert.deepEqual(store.get(hash), { ...store.get(hash)!, value: { x: { n: 1 } } });
  });
});

describe("jsonStringBytes", () => {
  /** The per-code-unit count, as written before the plain-ASCII test. */
  function reference(text: string, python: boolean, max?: number): number {
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let n: number;
      if (c < 0x20) n = c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
      else if (c === 0x22 || c === 0x5c) n = 2;
      else if (c < 0x7f) n = 1;
      else if (python) n = 6;
      else if (c < 0x80) n = 1;
      else if (c < 0x800) n = 2;
      else n = c >= 0xd800 && c <= 0xdfff ? 2 : 3;
      bytes += n;
      if (max !== undefined && bytes > max) return i;
    }
    return max === undefined ? bytes : text.length;
  }

  it("counts long plain strings, and the code units that fit, as the per-character count", () => {
    const texts = ["", "a".repeat(63), "a".repeat(64), "b".repeat(1000)];
    for (const odd of ['"', "\\", "\n", "\u007f", "é", "\ud800", "\u001f", "~", " "]) {
      texts.push(
        "a".repeat(100) + odd,
        odd + "a".repeat(100),
        "a".repeat(50) + odd + "a".repeat(50),
      );
    }
    for (const text of texts) {
      for (const python of [false, true]) {
        assert.equal(jsonStringBytes(text, python), reference(text, python), JSON.stringify(text));
        for (const max of [-1, 0, 1, 2.5, 63, 64, 99, 100, 101, 102, 1e9, NaN, Infinity]) {
          assert.equal(
            jsonStringBytes(text, python, max),
            reference(text, python, max),
            `${JSON.stringify(text)} ${python} ${max}`,
          );
        }
      }
    }
  });
});
