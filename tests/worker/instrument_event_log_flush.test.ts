// The per-invocation flush of the Workers instrument() runs through ctx.waitUntil, so an
// invocation lasts until it is done. It flushed only the tracer's processors: the events layer's
// JSONL event log, which appends to storage on its own, could still be writing when the
// invocation ended (its waitUntil settled after 65 ms with 0 of 4 lines of a run finished without
// awaiting it). It now waits for the event-log lines still being written too (bounded).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { finishTraceRun } from "../../src/events/mod.ts";
import type { TraceScope } from "../../src/events/mod.ts";
import { awaitWrites, setWriteWait } from "../../src/pending_writes.ts";
import type { MemoryStorage } from "../../src/storage/memory.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { logLength, runWithCalls } from "../_support/event_runs.ts";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";
import { slowStorage, stalledStorage } from "../_support/slow_storage.ts";

/**
 * One request to a worker whose fetch runs an agent run with one tool call and finishes it
 * without awaiting it; returns the invocation's context (not drained), the run and the exported
 * count of each flush.
 */
async function invoke(storage: MemoryStorage) {
  const flushes: number[] = [];
  const { options } = setup({}, { onFlush: (r) => void flushes.push(r.exported) });
  const runs: TraceScope[] = [];
  const worker = traced({
    fetch() {
      const scope = runWithCalls(1, { storage, requestId: "w" });
      runs.push(scope);
      void finishTraceRun(scope, { result: { success: true } }); // e.g. finished in a callback
      return new Response("ok");
    },
  }, options);
  const ctx = new RecordingContext();
  const response = await worker.fetch(new Request("https://x.test/"), {}, ctx);
  await response.text();
  return { ctx, run: runs[0], flushes };
}

describe("instrument(): the invocation's flush waits for the event log", () => {
  it("its waitUntil settles once the run's lines are written", () =>
    isolated(async () => {
      const storage = slowStorage(50);
      const { ctx, run, flushes } = await invoke(storage);
      await ctx.drain();
      assert.equal(flushes.length, 1, "flushed once");
      const lines = await logLength(storage, run);
      assert.equal(lines, 4, "start, tool call started and finished, run finished");
    }));

  it("a storage that never answers delays it only up to the bound", () =>
    isolated(async () => {
      const previous = setWriteWait(100);
      const { storage, release } = stalledStorage();
      try {
        const { ctx, run, flushes } = await invoke(storage);
        const started = Date.now();
        const { diagnostics } = await captureDiagnostics(() => ctx.drain());
        assert.equal(flushes.length, 1, "flushed once");
        assert.ok(Date.now() - started < 5_000, "bounded");
        assert.deepEqual(diagnostics.map((d) => d.code), ["event_write_timeout"]);
        release();
        await awaitWrites();
        assert.equal(await logLength(storage, run), 4, "written later");
      } finally {
        release();
        setWriteWait(previous);
      }
    }));
});
