// runDetached runs its function outside the flow-local stores too (the current trace and span of
// the agent layer's start(true), the current run of the events layer's startTraceRun), not only
// in the root context: a processor's export chain or timer made while such a span ended held that
// store, and the finished span with its data stayed in memory while the process idled (102 MB
// through BatchTraceProcessor's chain, the same through the core BatchSpanProcessor's timer). The
// collection checks need a forced garbage collection (Deno, Node, Bun; not workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { Tracer } from "../src/tracer.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import type { SpanExporter } from "../src/processor/types.ts";
import { AsyncLocalStorageContextManager } from "../src/context/als_manager.ts";
import { flowLocal } from "../src/context/flow_local.ts";
import { setContextManager } from "../src/context/manager.ts";
import { runDetached } from "../src/context/run_detached.ts";
import {
  customSpan,
  functionSpan,
  getTraceProcessors,
  setAgentTracer,
  setTraceProcessors,
  trace,
} from "../src/agents/mod.ts";
import { EventTracer, finishTraceRun, startTraceRun } from "../src/events/mod.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { isWorkerd } from "./_support/runtime.ts";
import { forcedGc } from "./_support/forced_gc.ts";
import { addCountingTraceProcessor, exportedCount } from "./_support/counting_trace_processor.ts";

const gc = forcedGc();
const noGc = gc === undefined && "cannot force a garbage collection here";

const sink: SpanExporter = {
  export: (spans) =>
    Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
};

/** An exporter that counts what it exports. */
function counting(): SpanExporter & { count: number } {
  const exporter = {
    count: 0,
    export: (spans: Parameters<SpanExporter["export"]>[0]) => {
      exporter.count += spans.length;
      return sink.export(spans);
    },
  };
  return exporter;
}

/**
 * Runs `fn` in an async flow of its own (as a request handler runs), and returns whether any
 * object it passed to `watch` is still alive.
 */
async function inOwnFlow(
  fn: (watch: (target: object) => void) => Promise<void>,
): Promise<() => boolean> {
  let alive = 0;
  const registry = new FinalizationRegistry<string>(() => alive--);
  const watch = (target: object) => {
    alive++;
    registry.register(target, "watched");
  };
  await new Promise<void>((resolve, reject) => {
    setTimeout(() => fn(watch).then(resolve, reject), 0);
  });
  return () => alive > 0;
}

/** Collects garbage until `alive()` is false (at most ~2 s); returns whether it became false. */
async function collected(alive: () => boolean): Promise<boolean> {
  for (let i = 0; i < 40 && alive(); i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !alive();
}

/** Runs `fn` with an ALS context manager, `tracer` as the agent tracer, no trace processor. */
async function withLayers<T>(tracer: Tracer, fn: () => Promise<T>): Promise<T> {
  const previousManager = setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
  const previousTracer = setAgentTracer(tracer);
  const previousProcessors = getTraceProcessors();
  setTraceProcessors([]);
  try {
    return await fn();
  } finally {
    setTraceProcessors(previousProcessors);
    setAgentTracer(previousTracer);
    setContextManager(previousManager);
    await tracer.shutdown();
  }
}

/** An agent trace with a span holding 1 MiB of data and a tool span, all with start(true). */
async function imperativeRun(watch: (target: object) => void): Promise<void> {
  const t = trace("wf").start(true);
  const big = customSpan("big", { data: { values: new Uint8Array(1 << 20) } }).start(true);
  watch(big);
  const tool = functionSpan("tool").start(true);
  await new Promise((resolve) => setTimeout(resolve, 1));
  tool.finish(true);
  big.finish(true);
  t.finish(true);
}

describe("a finished flow-local span is not kept by an idle processor", { skip: noGc }, () => {
  it("core batch: the timer armed when an agent span of start(true) ends, its export", async () => {
    const exporter = counting();
    const batch = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1 });
    await withLayers(new Tracer({ processors: [batch] }), async () => {
      const alive = await inOwnFlow(imperativeRun);
      await exportedCount(exporter, 3); // the trace's and the two spans' tracelet spans
      assert.equal(await collected(alive), true);
    });
  });

  it("core batch: the export timer armed when a span of startTraceRun ends", async () => {
    const batch = new BatchSpanProcessor(sink, { scheduledDelayMillis: 60_000 });
    const tracer = new Tracer({ processors: [batch] });
    await withLayers(tracer, async () => {
      const events = new EventTracer({
        storage: new MemoryStorage(),
        spanTracer: tracer,
        consoleStream: { write: () => {} },
      });
      const alive = await inOwnFlow(async (watch) => {
        const scope = startTraceRun({ agentName: "a", requestId: "r1", tracer: events });
        assert.ok(scope !== undefined);
        watch(scope);
        const nested = startTraceRun({ agentName: "b", requestId: "r1", tracer: events });
        await new Promise((resolve) => setTimeout(resolve, 1));
        await finishTraceRun(nested, { result: { success: true } });
        await finishTraceRun(scope, { result: { success: true } });
      });
      assert.equal(batch.queueLength, 2); // the timer waits, armed
      assert.equal(await collected(alive), true);
    });
  });

  it("agents BatchTraceProcessor: its export chain after the spans of start(true) ended", () =>
    withLayers(new Tracer({ processors: [] }), async () => {
      const counting = addCountingTraceProcessor({ scheduleDelay: 1 });
      const alive = await inOwnFlow(imperativeRun);
      await exportedCount(counting, 3); // the trace and its two spans
      assert.equal(await collected(alive), true);
      await counting.processor.shutdown();
    }));
});

describe("runDetached and flow-local stores", () => {
  it("runs outside them, and the caller's flow keeps its value", {
    skip: isWorkerd && "one shared slot there (enterWith throws)",
  }, async () => {
    const previous = setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
    try {
      const store = flowLocal<string>("test.flowLocalDetached");
      const seen = await new Promise<(string | undefined)[]>((resolve, reject) => {
        setTimeout(() => {
          store.set("caller");
          const inside = runDetached(() => store.get());
          const later = runDetached(() => Promise.resolve().then(() => store.get()));
          const after = store.get();
          later.then((value) => resolve([inside, value, after]), reject);
        }, 0);
      });
      assert.deepEqual(seen, [undefined, undefined, "caller"]);
      // Nothing set in this flow: the function runs as it is, and returns what it returned.
      assert.equal(runDetached(() => 42), 42);
    } finally {
      setContextManager(previous);
    }
  });
});
