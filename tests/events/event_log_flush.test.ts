// The configuration's shutdown(), forceFlush() and exit flush wait for the events layer's JSONL
// event logs still being written, so a process that exits right after `await tracing.shutdown()`
// (Deno.exit, process.exit) keeps its trace file; a storage that never answers delays them only up
// to a bound (30 s; shortened here), reported as `event_write_timeout`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configureWith } from "../../src/configure.ts";
import type { Diagnostic } from "../../src/diagnostics.ts";
import { finishToolCall, finishTraceRun, startToolCall } from "../../src/events/mod.ts";
import { awaitWrites, setWriteWait } from "../../src/pending_writes.ts";
import { portableParts } from "../../src/portable.ts";
import type { FlushReport } from "../../src/types.ts";
import { logLength, runWithCalls } from "../_support/event_runs.ts";
import { isolated } from "../_support/global_state.ts";
import { slowStorage, stalledStorage } from "../_support/slow_storage.ts";
import { settles } from "../_support/settles.ts";

describe("flushing a configuration writes the event logs", () => {
  it("shutdown() waits for the lines of a run whose finish was not awaited", () =>
    isolated(async () => {
      const storage = slowStorage(20);
      const tracing = configureWith(portableParts, { storage });
      const scope = runWithCalls(100);
      void finishTraceRun(scope, { result: { success: true } }); // not awaited
      await tracing.shutdown();
      assert.equal(await logLength(storage, scope), 202);
    }));

  it("forceFlush() waits for the lines of a run still open", () =>
    isolated(async () => {
      const storage = slowStorage(20);
      const tracing = configureWith(portableParts, { storage });
      const scope = runWithCalls(10);
      await tracing.forceFlush();
      assert.equal(await logLength(storage, scope), 21);
      await finishTraceRun(scope);
      assert.equal(await logLength(storage, scope), 22);
    }));

  it("a steady stream of events does not keep forceFlush() waiting", () =>
    isolated(async () => {
      const storage = slowStorage(5);
      const tracing = configureWith(portableParts, { storage });
      const scope = runWithCalls(1);
      // Every append finds new lines queued: the queue is never empty while the stream runs.
      const call = { toolName: "t" };
      const stream = setInterval(() => finishToolCall(startToolCall(call), call), 1);
      try {
        assert.equal(await settles(tracing.forceFlush(), 3_000), true);
      } finally {
        clearInterval(stream);
      }
      await finishTraceRun(scope);
    }));

  it("the exit flush waits for them too", () =>
    isolated(async () => {
      const storage = slowStorage(20);
      let exitFlush: (() => Promise<FlushReport>) | undefined;
      configureWith({
        ...portableParts,
        onExit: (flush) => {
          exitFlush = flush;
          return () => {};
        },
      }, { storage });
      const scope = runWithCalls(10);
      void finishTraceRun(scope);
      await exitFlush!();
      assert.equal(await logLength(storage, scope), 22);
    }));

  it("a storage that never answers delays shutdown() only up to the bound, once reported", () =>
    isolated(async () => {
      const previous = setWriteWait(100);
      try {
        const { storage, release } = stalledStorage();
        const codes: string[] = [];
        const diagnostics = (d: Diagnostic) => void codes.push(d.code);
        const tracing = configureWith(portableParts, { storage, diagnostics });
        const scope = runWithCalls(3);
        assert.equal(await settles(finishTraceRun(scope)), true, "finishTraceRun() settles");
        assert.equal(await settles(tracing.forceFlush()), true, "forceFlush() settles");
        assert.equal(await settles(tracing.shutdown()), true, "shutdown() settles");
        assert.deepEqual(codes.filter((c) => c === "event_write_timeout"), [
          "event_write_timeout",
        ], "one report per stall");
        assert.equal(await logLength(storage, scope), 0);
        release(); // the lines stayed queued: written once the storage answers
        await awaitWrites();
        assert.equal(await logLength(storage, scope), 8);
      } finally {
        setWriteWait(previous);
      }
    }));

  it("shutdown(deadline) waits at most a second past the deadline", () =>
    isolated(async () => {
      const { storage, release } = stalledStorage();
      const codes: string[] = [];
      const diagnostics = (d: Diagnostic) => void codes.push(d.code);
      const tracing = configureWith(portableParts, { storage, diagnostics });
      const scope = runWithCalls(1);
      const started = Date.now();
      await tracing.shutdown(started + 100); // not the 30 s of a shutdown without a deadline
      const took = Date.now() - started;
      assert.ok(took >= 900 && took < 3_000, `took ${took} ms`);
      assert.ok(codes.includes("event_write_timeout"));
      release();
      await awaitWrites();
      assert.equal(await logLength(storage, scope), 3);
      await finishTraceRun(scope);
    }));
});
