// A line longer than maxLineBytes by itself is dropped alone: the other lines of the same append
// are kept. One append used to be all or nothing, so one oversized span line (a task at its
// metrics budget on the Workers preset) took its whole flush with it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { type Diagnostic, resetReportedOnce } from "../../src/diagnostics.ts";
import { captureDiagnostics } from "../_support/collect.ts";

/** Runs `fn` with diagnostics captured (once-only keys reset). */
async function capture(fn: () => Promise<void>): Promise<Diagnostic[]> {
  resetReportedOnce();
  return (await captureDiagnostics(fn)).diagnostics;
}

describe("MemoryStorage: a line longer than maxLineBytes", () => {
  it("is dropped alone, counted and reported; the rest of its append is stored", async () => {
    const storage = new MemoryStorage({ maxLineBytes: 20 });
    const seen = await capture(() =>
      storage.appendLines(["log"], ["a", "x".repeat(30), "b", "y".repeat(20), "c"])
    );
    assert.deepEqual(await storage.readLines(["log"]), ["a", "b", "c"]);
    assert.deepEqual(storage.stats(), {
      lineBytes: 6,
      blobBytes: 0,
      droppedLines: 2,
      droppedBlobs: 0,
    });
    assert.deepEqual(seen.map((d) => [d.level, d.code]), [["warn", "storage_bound"]]);
    assert.match(seen[0]!.message, /line of 31 bytes/);
    assert.match(seen[0]!.message, /maxLineBytes \(20\)/);
  });

  it("keeps the older appends that still fit beside the rest", async () => {
    const storage = new MemoryStorage({ maxLineBytes: 20 });
    await storage.appendLines(["old"], ["12345678"]); // 9 bytes
    await capture(() => storage.appendLines(["new"], ["z".repeat(25), "1234"])); // 5 bytes kept
    assert.deepEqual(await storage.readLines(["old"]), ["12345678"]);
    assert.deepEqual(await storage.readLines(["new"]), ["1234"]);
    assert.equal(storage.stats().lineBytes, 14);
    assert.equal(storage.stats().droppedLines, 1);
  });

  it("stores nothing, and stays usable, when every line of the append is too long", async () => {
    const storage = new MemoryStorage({ maxLineBytes: 10 });
    await capture(() => storage.appendLines(["log"], ["x".repeat(10), "\u00e9".repeat(5)]));
    assert.deepEqual(await storage.readLines(["log"]), []);
    assert.equal(storage.stats().droppedLines, 2);
    await storage.appendLines(["log"], ["ok"]);
    assert.deepEqual(await storage.readLines(["log"]), ["ok"]);
    assert.equal(storage.stats().lineBytes, 3);
  });
});

describe("MemoryStorage: an append larger than maxLineBytes in total", () => {
  it("keeps its newest lines that fit, then evicts older appends, as the bound does", async () => {
    const storage = new MemoryStorage({ maxLineBytes: 20 });
    await storage.appendLines(["old"], ["123456789"]); // 10 bytes
    const seen = await capture(() =>
      storage.appendLines(["new"], ["aaaaa", "bbbbb", "ccccc", "ddddd"]) // 6 bytes each
    );
    assert.deepEqual(await storage.readLines(["new"]), ["bbbbb", "ccccc", "ddddd"]);
    assert.deepEqual(await storage.readLines(["old"]), [], "then the oldest append went");
    assert.deepEqual(storage.stats(), {
      lineBytes: 18,
      blobBytes: 0,
      droppedLines: 2,
      droppedBlobs: 0,
    });
    assert.deepEqual(seen.map((d) => d.code), ["storage_bound"]);
  });
});
