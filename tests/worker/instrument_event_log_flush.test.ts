// The per-invocation flush of the Workers instrument() runs through ctx.waitUntil, so an
// invocation lasts until it is done. It flushed only the tracer's processors: the events layer's
// JSONL event log, which appends to storage on its own, could still be writing when the
// invocation ended (its waitUntil settled after 65 ms with 0 of 4 lines of a run finished without
// awaiting it). It now waits for the event-log lines still being written too (bounded).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  EventTracer,
  finishToolCall,
  finishTraceRun,
  startToolCall,
  startTraceRun,
} from "../../src/events/mod.ts";
import { awaitWrites, setWriteWait } from "../../src/pending_writes.ts";
import type { MemoryStorage } from "../../src/storage/memory.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";
import { slowStorage, stalledStorage } from "../_support/slow_storage.ts";

/** A worker whose fetch runs a traced agent run and finishes it without awaiting it. */
function worker(storage: MemoryStorage, paths: string[], flushes: number[]) {
  const { options } = setup({}, { onFlush: (r) => void flushes.push(r.exported) });
  return traced({
    fetch() {
      const tracer = new EventTracer({ enableConsole: false, spanTracer: false, storage });
      const scope = startTraceRun({ agentName: "a", requestId: "w", tracer })!;
      paths.push(scope.tracePath!);
      const id = startToolCall({ toolName: "t" });
      finishToolCall(id, { toolName: "t" });
      void finishTraceRun(scope, { result: { success: true } }); // e.g. finished in a callback
      return new Response("ok");
    },
  }, options);
}

describe("instrument(): the invocation's flush waits for the event log", () => {
  it("its waitUntil settles once the run's lines are written", () =>
    isolated(async () => {
      const storage = slowStorage(50);
      const paths: string[] = [];
      const flushes: number[] = [];
      const ctx = new RecordingContext();
      const response = await worker(storage, paths, flushes).fetch(
        new Request("https://x.test/"),
        {},
        ctx,
      );
      await response.text();
      await ctx.drain();
      assert.equal(flushes.length, 1, "flushed once");
      const lines = await storage.readLines(paths[0].split("/"));
      assert.equal(lines.length, 4, "start, tool call started and finished, run finished");
    }));

  it("a storage that never answers delays it only up to the bound", () =>
    isolated(async () => {
      const previous = setWriteWait(100);
      const { storage, release } = stalledStorage();
      try {
        const paths: string[] = [];
        const flushes: number[] = [];
        const ctx = new RecordingContext();
        const response = await worker(storage, paths, flushes).fetch(
          new Request("https://x.test/"),
          {},
          ctx,
        );
        await response.text();
        const started = Date.now();
        const { diagnostics } = await captureDiagnostics(() => ctx.drain());
        assert.equal(flushes.length, 1, "flushed once");
        assert.ok(Date.now() - started < 5_000, "bounded");
        assert.deepEqual(diagnostics.map((d) => d.code), ["event_write_timeout"]);
        release();
        await awaitWrites();
        assert.equal((await storage.readLines(paths[0].split("/"))).length, 4, "written later");
      } finally {
        release();
        setWriteWait(previous);
      }
    }));
});
