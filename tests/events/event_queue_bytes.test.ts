// The JSONL event sink's queue is bounded in bytes as well as in lines: behind a stalled storage,
// large events (retrieved documents, tool results) are dropped and reported once the lines waiting
// hold `maxPendingBytes` (default 16 MiB), instead of growing memory without bound.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { eventLine, JsonlEventSink } from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { stalledStorage } from "../_support/slow_storage.ts";

/** An event whose line has about `bytes` bytes (strings of 2 KiB at most, as documents are). */
function eventOf(bytes: number): TraceEvent {
  const parts = Array.from({ length: Math.ceil(bytes / 2048) }, () => "y".repeat(2048));
  parts[parts.length - 1] = "y".repeat(bytes - 2048 * (parts.length - 1));
  return { event_type: "ToolResultObserved", attributes: { parts } } as unknown as TraceEvent;
}

/** Lets the sink start its first append (it waits a microtask to batch a burst). */
async function appendStarted(): Promise<void> {
  await Promise.resolve();
  await Promise.resolve();
}

describe("the JSONL event sink's byte bound", () => {
  it("drops events past maxPendingBytes, reports once, and writes what it queued", async () => {
    const { storage, release } = stalledStorage({ maxLineBytes: 64 << 20 });
    const event = eventOf(300);
    const size = eventLine(event).length + 1;
    const sink = new JsonlEventSink(storage, ["t.jsonl"], { maxPendingBytes: 10 * size });
    const { diagnostics } = await captureDiagnostics(async () => {
      sink.emit(event); // being written (stalled): not counted
      await appendStarted();
      for (let i = 0; i < 25; i++) sink.emit(event); // 10 queue, 15 are dropped
      release();
      await sink.flush();
    });
    assert.equal(sink.dropped, 15);
    const full = diagnostics.filter((d) => d.code === "event_queue_full");
    assert.equal(full.length, 1);
    assert.match(full[0].message, /bytes/);
    assert.equal((await storage.readLines(["t.jsonl"])).length, 11);
  });

  it("holds 16 MiB of waiting lines by default", async () => {
    const { storage, release } = stalledStorage({ maxLineBytes: 64 << 20 });
    const sink = new JsonlEventSink(storage, ["t.jsonl"]);
    const event = eventOf(1 << 20); // 1 MiB lines: 20 MiB offered
    await captureDiagnostics(async () => {
      sink.emit(event);
      await appendStarted();
      for (let i = 0; i < 20; i++) sink.emit(event);
    });
    assert.equal(sink.dropped, 5); // 15 lines of 1 MiB and a bit fit in 16 MiB
    release();
    await sink.flush();
    assert.equal((await storage.readLines(["t.jsonl"])).length, 16);
  });

  it("drops a line larger than the bound even with nothing waiting", async () => {
    const storage = new MemoryStorage();
    const sink = new JsonlEventSink(storage, ["t.jsonl"], { maxPendingBytes: 100 });
    await captureDiagnostics(() => {
      sink.emit(eventOf(200));
      sink.emit(eventOf(10));
    });
    await sink.flush();
    assert.equal(sink.dropped, 1);
    assert.equal((await storage.readLines(["t.jsonl"])).length, 1);
  });

  it("keeps the default for a maxPendingBytes of NaN, Infinity, 0 or a string", async () => {
    for (const maxPendingBytes of [NaN, Infinity, 0, "10" as unknown as number]) {
      const sink = new JsonlEventSink(new MemoryStorage(), ["t.jsonl"], { maxPendingBytes });
      await captureDiagnostics(() => sink.emit(eventOf(1000)));
      assert.equal(sink.dropped, 0, String(maxPendingBytes));
      await sink.flush();
    }
  });
});
