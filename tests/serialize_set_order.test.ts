// A Set has no order of its own, so equal sets must be stored as one value with one content hash
// ("same value → one object"). tracelet serialized a Set in insertion order: `new Set(["b", "a"])`
// and `new Set(["a", "b"])` became two objects with two hashes. dreadnode sorts a set's items when
// Python can (strings, numbers); so does tracelet now, and it orders other sets by each item's JSON.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { objectHashes, serialize } from "../mod.ts";

describe("Set order in stored values and hashes", () => {
  it("stores strings sorted by code point, hashed as dreadnode hashes the sorted list", () => {
    const a = objectHashes(new Set(["b", "a"]));
    const b = objectHashes(new Set(["a", "b"]));
    assert.deepEqual(a.serialized.value, ["a", "b"]);
    assert.equal(a.dataHash, b.dataHash);
    assert.equal(a.objectHash, b.objectHash);
    // Python: sha1(json.dumps(sorted({"b", "a"}), separators=(",", ":")))[:16]
    assert.equal(a.dataHash, "d12e223825a919e0");
    // Code point order, as Python's: U+1F600 sorts after U+FFFD (UTF-16 order would put it first).
    assert.deepEqual(serialize(new Set(["\u{1F600}", "\uFFFD"])).value, ["\uFFFD", "\u{1F600}"]);
  });

  it("stores numbers, booleans and BigInts numerically", () => {
    assert.equal(objectHashes(new Set([3, 1, 2])).dataHash, "9ef50cc82ae47427"); // sha1("[1,2,3]")
    assert.equal(
      objectHashes(new Set([3, 1, 2])).dataHash,
      objectHashes(new Set([2, 3, 1])).dataHash,
    );
    assert.deepEqual(serialize(new Set([10, -1, 2.5, true, 0])).value, [-1, 0, true, 2.5, 10]);
    assert.deepEqual((serialize(new Set([NaN, 2, 1])).value as number[]).slice(0, 2), [1, 2]);
    assert.deepEqual(serialize(new Set([3n, 1, 2n])).value, [1, "2", "3"]);
  });

  it("gives equal sets of objects and mixed items one value and one hash", () => {
    const one = objectHashes(new Set([{ id: 2 }, "x", 1, [true]]));
    const two = objectHashes(new Set([1, [true], "x", { id: 2 }]));
    assert.deepEqual(one.serialized.value, two.serialized.value);
    assert.equal(one.objectHash, two.objectHash);
    // Nested sets too.
    const nested = (order: number[]) => objectHashes({ tags: new Set(order.map((n) => `t${n}`)) });
    assert.equal(nested([1, 2, 3]).objectHash, nested([3, 2, 1]).objectHash);
  });

  it("keeps arrays in their order", () => {
    assert.deepEqual(serialize(["b", "a"]).value, ["b", "a"]);
    assert.notEqual(objectHashes(["b", "a"]).dataHash, objectHashes(["a", "b"]).dataHash);
  });
});
