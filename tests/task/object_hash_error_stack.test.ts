// An Error is hashed and stored without its stack (`includeStack: false` in the object-hash
// options): the same error, made by the same helper, has one hash whoever called the helper and
// on every runtime. dreadnode stores an exception as its repr (class and message, no traceback).
// The inline copy on the span is the default serialization and keeps the stack, as before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes } from "../../mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { loadObjectValue, ObjectStore } from "../../src/task/objects.ts";

function failure(message: string): Error {
  return new Error(message, { cause: new TypeError("socket closed") });
}
function callerA(): Error {
  return failure("rate limited");
}
function callerB(): Error {
  return failure("rate limited");
}

describe("object hashes of errors", () => {
  it("one error made at two call sites has one hash, without its stack", () => {
    const a = objectHashes(callerA());
    const b = objectHashes(callerB());
    assert.equal(a.objectHash, b.objectHash);
    assert.deepEqual(a.serialized.value, {
      name: "Error",
      message: "rate limited",
      cause: { name: "TypeError", message: "socket closed" },
    });
  });

  it("hashes the same on every runtime (a fixed hash)", () => {
    assert.equal(objectHashes(new Error("rate limited")).objectHash, "f5deaa75b5e61988");
  });

  it("a caller may still hash the stack (includeStack: true)", () => {
    const a = objectHashes(callerA(), { includeStack: true });
    assert.equal(typeof (a.serialized.value as { stack?: unknown }).stack, "string");
    assert.notEqual(a.objectHash, objectHashes(callerB(), { includeStack: true }).objectHash);
  });

  it("different errors still hash differently", () => {
    assert.notEqual(
      objectHashes(new Error("rate limited")).objectHash,
      objectHashes(new Error("quota exceeded")).objectHash,
    );
    assert.notEqual(
      objectHashes(new Error("rate limited")).objectHash,
      objectHashes(new TypeError("rate limited")).objectHash,
    );
  });
});

describe("task objects of errors", () => {
  it("stores one error logged from two call sites once; the inline copy keeps the stack", () => {
    const store = new ObjectStore(undefined);
    const a = store.log(callerA(), "error");
    const b = store.log(callerB(), "error");
    assert.equal(a, b);
    assert.equal(store.size, 1);
    const record = store.get(a)!;
    assert.equal(record.type, "val");
    const inline = (record as { value: { stack?: unknown } }).value;
    assert.equal(typeof inline.stack, "string", "the span copy keeps the stack");
  });

  it("writes the blob of a large error without its stack", async () => {
    const storage = new MemoryStorage();
    const store = new ObjectStore(storage);
    const error = Object.assign(callerA(), { body: "b".repeat(11 * 1024) });
    const hash = store.log(error, "error");
    await store.settled();
    const record = store.get(hash)!;
    assert.equal(record.type, "uri");
    const value = await loadObjectValue(storage, record) as Record<string, unknown>;
    assert.equal(value.stack, undefined);
    assert.equal(value.message, "rate limited");
  });
});
