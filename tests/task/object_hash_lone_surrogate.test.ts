// A string is hashed as its UTF-8, in which a lone surrogate (half an emoji, from a stream cut
// mid-character or `text.slice(0, n)`) is U+FFFD: different strings shared one hash while the
// stored value was the first one's. The stored value is now the hashed text too (lone
// surrogates replaced with U+FFFD), so equal hashes mean equal stored values.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes } from "../../mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { loadObjectValue, ObjectStore } from "../../src/task/objects.ts";

const cutA = "ok 😀".slice(0, 4); // "ok \ud83d"
const cutB = "ok 🎉".slice(0, 4); // "ok \ud83c"

describe("lone surrogates in hashed strings", () => {
  it("the serialized value of a hashed string is the text whose bytes are hashed", () => {
    const h = objectHashes(cutA);
    assert.equal(h.serialized.value, "ok \ufffd");
    assert.equal(new TextDecoder().decode(h.bytes), h.serialized.value);
    assert.equal(h.objectHash, objectHashes("ok \ufffd").objectHash);
  });

  it("keeps well-formed strings, surrogate pairs included", () => {
    const h = objectHashes("ok 😀");
    assert.equal(h.serialized.value, "ok 😀");
    assert.equal(objectHashes("\ud83d\ude00").serialized.value, "\ud83d\ude00");
  });

  it("replaces each lone surrogate, leading or trailing, high or low", () => {
    const text = (value: string) => objectHashes(value).serialized.value;
    assert.equal(text("\ude00x\ud83d"), "\ufffdx\ufffd");
    assert.equal(text("\ud800\ud800\udc00"), "\ufffd\ud800\udc00");
    assert.equal(text("\udc00\udc00"), "\ufffd\ufffd");
    assert.equal(text(""), "");
  });

  it("strings nested in objects keep their lone surrogates and distinct hashes (escaped JSON)", () => {
    const x = objectHashes({ text: cutA });
    const y = objectHashes({ text: cutB });
    assert.notEqual(x.objectHash, y.objectHash);
    assert.deepEqual(x.serialized.value, { text: cutA });
  });
});

describe("task objects of strings with lone surrogates", () => {
  it("two strings that share a hash export the same value: the hashed text", () => {
    const store = new ObjectStore(undefined);
    const ha = store.log(cutA, "first");
    const hb = store.log(cutB, "second");
    assert.equal(ha, hb);
    const record = store.get(ha)!;
    assert.equal(record.type, "val");
    assert.equal((record as { value: unknown }).value, "ok \ufffd");
  });

  it("a large one's blob holds the hashed text", async () => {
    const storage = new MemoryStorage();
    const store = new ObjectStore(storage);
    const hash = store.log("x".repeat(11 * 1024) + cutA, "long");
    await store.settled();
    const record = store.get(hash)!;
    assert.equal(record.type, "uri");
    assert.equal(await loadObjectValue(storage, record), "x".repeat(11 * 1024) + "ok \ufffd");
  });
});
