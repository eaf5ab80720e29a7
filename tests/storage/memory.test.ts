import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { TracerError } from "../../src/errors.ts";
import { type Diagnostic, resetReportedOnce, setDiagnosticsHook } from "../../src/diagnostics.ts";
import { storageConformance } from "../_conformance/storage.ts";

storageConformance(
  "memory",
  (options) =>
    Promise.resolve({ storage: new MemoryStorage(options), cleanup: () => Promise.resolve() }),
);

/** Runs `fn` with diagnostics captured (once-only keys reset), returning their codes. */
async function capture(fn: () => Promise<void>): Promise<string[]> {
  const seen: Diagnostic[] = [];
  resetReportedOnce();
  const previous = setDiagnosticsHook((d) => void seen.push(d));
  try {
    await fn();
  } finally {
    setDiagnosticsHook(previous);
  }
  return seen.map((d) => d.code);
}

describe("MemoryStorage bounds", () => {
  it("drops the oldest appends of any log beyond maxLineBytes and counts them", async () => {
    const storage = new MemoryStorage({ maxLineBytes: 20 });
    await storage.appendLines(["a"], ["12345", "12345"]); // 12 bytes with newlines
    await storage.appendLines(["b"], ["\u00e9\u00e9\u00e9"]); // 7 bytes: fits (19)
    const codes = await capture(() => storage.appendLines(["a"], ["xyz"])); // 23 > 20: first goes
    assert.deepEqual(codes, ["storage_bound"]);
    assert.deepEqual(await storage.readLines(["a"]), ["xyz"]);
    assert.deepEqual(await storage.readLines(["b"]), ["\u00e9\u00e9\u00e9"]);
    await storage.appendLines(["c"], ["x".repeat(30)]); // larger than the bound: not stored
    assert.deepEqual(await storage.readLines(["c"]), []);
    assert.deepEqual(storage.stats(), {
      lineBytes: 11,
      blobBytes: 0,
      droppedLines: 3,
      droppedBlobs: 0,
    });
  });

  it("lets evicted log lines go: memory stays near maxLineBytes however many appends it evicts", async (t) => {
    const usage = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } })
      .process?.memoryUsage;
    if (typeof usage !== "function") return t.skip("no process.memoryUsage() in this runtime");
    // Evicted chunks stayed referenced until 1024 of them had piled up: 512 appends of 1 MiB
    // under a 4 MiB bound held ~512 MiB.
    const storage = new MemoryStorage({ maxLineBytes: 4 * 1024 * 1024 });
    const before = usage().heapUsed;
    let peak = 0;
    for (let i = 0; i < 512; i++) {
      await storage.appendLines(["log"], [String(i).padEnd(1024 * 1024 - 1, "x")]);
      if (i % 32 === 31) peak = Math.max(peak, usage().heapUsed - before);
    }
    assert.ok(storage.stats().lineBytes <= 4 * 1024 * 1024);
    assert.ok(peak < 256 * 1024 * 1024, `heap grew by ${Math.round(peak / 1048576)} MiB`);
  });

  it("refuses a blob that does not fit maxBlobBytes: putBlob rejects, stored blobs are kept", async () => {
    // putBlob resolved for a blob it dropped, and evicted older blobs to make room: task objects
    // then exported references to blobs that did not exist, artifacts returned records with no bytes.
    const storage = new MemoryStorage({ maxBlobBytes: 10 });
    await storage.putBlob("one", new Uint8Array(6));
    await storage.putBlob("two", new Uint8Array(4));
    const errors: unknown[] = [];
    const codes = await capture(async () => {
      await storage.putBlob("three", new Uint8Array(3)).catch((e) => void errors.push(e));
      await storage.putBlob("huge", new Uint8Array(11)).catch((e) => void errors.push(e));
    });
    assert.deepEqual(codes, ["storage_bound"]);
    assert.equal(errors.length, 2);
    for (const error of errors) {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /maxBlobBytes \(10, 10 in use\)/);
    }
    assert.deepEqual(
      await Promise.all(["one", "two", "three", "huge"].map((k) => storage.hasBlob(k))),
      [true, true, false, false],
    );
    await storage.putBlob("one", new Uint8Array(6)); // already stored: write-once, resolves
    assert.equal(storage.stats().droppedBlobs, 2);
    assert.equal(storage.stats().blobBytes, 10);
  });

  it("rejects invalid bounds with INVALID_CONFIG", () => {
    for (
      const options of [
        { maxLineBytes: 0 },
        { outboxMaxBytes: -1 },
        { outboxMaxEntries: 1.5 },
        { outboxMaxAgeMillis: 0 },
        { outboxMaxAgeMillis: NaN },
        { outboxMaxAgeMillis: Infinity },
      ]
    ) {
      assert.throws(
        () => new MemoryStorage(options),
        (e) => e instanceof TracerError && e.code === "INVALID_CONFIG",
      );
    }
    // deno-lint-ignore no-explicit-any
    assert.throws(() => new MemoryStorage({ outboxDropPolicy: "drop-random" as any }), TracerError);
  });
});
