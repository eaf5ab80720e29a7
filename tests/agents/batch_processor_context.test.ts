// The BatchTraceProcessor's timer, its chain of exports and its memoized shutdown are made outside
// the caller's context: once exported, nothing of that context (its spans, a run's values) stays
// reachable while the processor sits idle. On Node a promise or timer made in a context keeps that
// context alive, which kept a whole finished run alive until the next export. Node and Deno, with
// a forced garbage collection (not Bun, see below, nor workerd).
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, it } from "node:test";
import {
  activeContext,
  AsyncLocalStorageContextManager,
  createContextKey,
  getContextManager,
  setContextManager,
  Tracer,
} from "../../mod.ts";
import {
  addTraceProcessor,
  BatchTraceProcessor,
  functionSpan,
  setAgentTracer,
  setTraceProcessors,
  trace,
} from "../../src/agents/mod.ts";
import { isBun } from "../_support/runtime.ts";
import { forcedGc } from "../_support/forced_gc.ts";
import { addCountingTraceProcessor, exportedCount } from "../_support/counting_trace_processor.ts";

// Bun's collector scans the stack conservatively: among the other test files of its one process,
// a stale stack slot can keep the payload reachable, so a collection cannot tell (and Bun's
// promises and timers did not keep the context alive before the fix either).
const gc = isBun ? undefined : forcedGc();
const skip = gc === undefined &&
  (isBun ? "Bun's collection cannot show the payload unreachable" : "cannot force a collection");

/**
 * Whether `ref`'s span is collected within a few collections and turns of the event loop. Each
 * collection runs in a task of its own, before `deref()`: a target read keeps it alive until the
 * task ends.
 */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    gc?.();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

/** A context key for a value only the caller's context holds. */
const PAYLOAD = createContextKey<object>("test payload");

/**
 * Runs `fn` in a context holding a new payload (a large value a span or a run could keep in the
 * context), and returns a weak reference to the payload: nothing else keeps it.
 */
async function withPayload(fn: () => Promise<void>): Promise<WeakRef<object>> {
  const payload = { blob: "z".repeat(100_000) };
  await getContextManager().with(activeContext().set(PAYLOAD, payload), fn);
  return new WeakRef(payload);
}

/** A trace with one span, run in the active context. */
async function runTrace(): Promise<void> {
  await trace("wf").run(async () => {
    await functionSpan("tool").run(async () => {});
  });
}

/** Runs `fn` with an ALS context manager, an agent tracer and no other trace processor. */
async function withAgentLayer(fn: () => Promise<void>): Promise<void> {
  const tracer = new Tracer({ processors: [] });
  const previousTracer = setAgentTracer(tracer);
  const previousManager = setContextManager(
    new AsyncLocalStorageContextManager(AsyncLocalStorage),
  );
  setTraceProcessors([]);
  try {
    await fn();
  } finally {
    setTraceProcessors([]);
    setAgentTracer(previousTracer);
    setContextManager(previousManager);
    await tracer.shutdown();
  }
}

describe("BatchTraceProcessor and the caller's context", { skip }, () => {
  it("keeps nothing of it alive after a flush called inside it", () =>
    withAgentLayer(async () => {
      const counting = addCountingTraceProcessor({ timers: false });
      const ref = await withPayload(async () => {
        await runTrace();
        await counting.processor.forceFlush();
      });
      assert.equal(counting.count, 2); // the trace and its span
      assert.ok(await collected(ref), "the context is still reachable after the flush");
    }));

  it("keeps nothing of it alive after an export on the timer armed inside it", () =>
    withAgentLayer(async () => {
      const counting = addCountingTraceProcessor({ scheduleDelay: 1 });
      const ref = await withPayload(runTrace);
      await exportedCount(counting, 2);
      assert.ok(await collected(ref), "the context is still reachable after the export");
    }));

  it("keeps nothing of it alive after a shutdown called inside it", () =>
    withAgentLayer(async () => {
      const processor = new BatchTraceProcessor({ export: () => {} }, { timers: false });
      addTraceProcessor(processor);
      const ref = await withPayload(async () => {
        await runTrace();
        await processor.shutdown();
      });
      assert.ok(await collected(ref), "the context is still reachable after the shutdown");
    }));
});
