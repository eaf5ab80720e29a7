// The batch processor's export chain and its timer outlive the call that made them: made in the
// context of the span that ended (or of the caller of forceFlush), they kept that context, and
// the task tree and logged values it reaches, alive while the process idled (with Node's
// AsyncLocalStorage each promise and timer holds the store it was made in: a finished run of 200
// MB stayed in memory until the next drain). They are made in the root context now. Checked with
// a forced garbage collection (Deno, Node, Bun; not workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { Tracer } from "../src/tracer.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { SimpleSpanProcessor } from "../src/processor/simple.ts";
import { TailSamplingProcessor } from "../src/processor/tail_sampling.ts";
import type { SpanExporter } from "../src/processor/types.ts";
import type { SpanProcessor } from "../src/processor/types.ts";
import { AsyncLocalStorageContextManager } from "../src/context/als_manager.ts";
import { Context, createContextKey } from "../src/context/context.ts";
import { getContextManager, setContextManager } from "../src/context/manager.ts";
import { runDetached } from "../src/context/run_detached.ts";
import { SyncContextManager } from "../src/context/sync_manager.ts";
import { forcedGc } from "./_support/forced_gc.ts";

const gc = forcedGc();
const noGc = gc === undefined && "cannot force a garbage collection here";

const empty = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };
const sink: SpanExporter = {
  export: (spans) =>
    Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
};

/** A context value standing for a finished run's task tree. */
const RUN_KEY = createContextKey<{ readonly values: Uint8Array }>("test.run");

/**
 * Runs `fn` in a context holding a large value (a run's logged data), with an AsyncLocalStorage
 * context manager, and watches the value for collection; returns whether it is still alive.
 */
async function inRunContext(fn: () => unknown): Promise<() => boolean> {
  let alive = true;
  const registry = new FinalizationRegistry<string>(() => alive = false);
  await (async () => {
    const values = { values: new Uint8Array(1 << 20) };
    registry.register(values, "run");
    await getContextManager().with(Context.ROOT.set(RUN_KEY, values), async () => {
      await fn();
    });
  })();
  return () => alive;
}

/** Collects garbage until `alive()` is false (at most ~2 s); returns its last answer. */
async function collected(alive: () => boolean): Promise<boolean> {
  for (let i = 0; i < 40 && alive(); i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !alive();
}

async function withAls<T>(fn: () => Promise<T>): Promise<T> {
  const previous = setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
  try {
    return await fn();
  } finally {
    setContextManager(previous);
  }
}

describe("a finished run's context is not kept by an idle processor", { skip: noGc }, () => {
  it("batch: the export timer armed when a span ends in it", () =>
    withAls(async () => {
      const batch = new BatchSpanProcessor(sink, { scheduledDelayMillis: 60_000 });
      const tracer = new Tracer({ processors: [batch] });
      const alive = await inRunContext(() => tracer.startSpan("step").end());
      assert.equal(batch.queueLength, 1); // the timer waits, armed
      assert.equal(await collected(alive), true);
      await batch.shutdown();
    }));

  it("batch: the export chain after a flush in it", () =>
    withAls(async () => {
      const batch = new BatchSpanProcessor(sink, { scheduledDelayMillis: 60_000 });
      const tracer = new Tracer({ processors: [batch] });
      const alive = await inRunContext(async () => {
        tracer.startSpan("step").end();
        const report = await tracer.forceFlush();
        assert.equal(report.exported, 1);
      });
      assert.equal(await collected(alive), true);
      await batch.shutdown();
    }));

  it("batch: an export triggered by a full batch, and the timer re-armed after it", () =>
    withAls(async () => {
      let exported = 0;
      const batch = new BatchSpanProcessor({
        export: (spans) => {
          exported += spans.length;
          return sink.export(spans);
        },
      }, { scheduledDelayMillis: 60_000, maxExportBatchSize: 2, exportTriggerSize: 2 });
      const tracer = new Tracer({ processors: [batch] });
      const alive = await inRunContext(async () => {
        for (let i = 0; i < 3; i++) tracer.startSpan("step").end();
        await new Promise((resolve) => setTimeout(resolve, 10));
      });
      assert.equal(exported, 2);
      assert.equal(batch.queueLength, 1); // the timer re-armed after the export waits
      assert.equal(await collected(alive), true);
      await batch.shutdown();
    }));

  // Each processor's shutdown hangs: its exporter's (or its inner processor's) never settles.
  const hang = () => new Promise<never>(() => {});
  const hangingShutdown: [string, () => Required<Pick<SpanProcessor, "shutdown">>][] = [
    ["batch", () => new BatchSpanProcessor({ ...sink, shutdown: hang })],
    ["simple", () => new SimpleSpanProcessor({ ...sink, shutdown: hang })],
    ["tail sampling", () =>
      new TailSamplingProcessor({
        onSpanEnd: () => {},
        forceFlush: () => Promise.resolve({ ...empty }),
        shutdown: hang,
      })],
  ];
  for (const [name, make] of hangingShutdown) {
    it(`${name}: its memoized shutdown`, () =>
      withAls(async () => {
        const processor = make();
        const alive = await inRunContext(() => void processor.shutdown());
        assert.equal(await collected(alive), true);
      }));
  }
});

describe("runDetached", () => {
  it("runs in the root context and returns what the function returned", () => {
    const key = createContextKey<string>("test.key");
    const manager = new SyncContextManager();
    const previous = setContextManager(manager);
    try {
      manager.with(Context.ROOT.set(key, "caller"), () => {
        assert.equal(runDetached(() => getContextManager().active()), Context.ROOT);
        assert.equal(getContextManager().active().get(key), "caller");
        assert.equal(runDetached(() => 42), 42);
        assert.throws(() =>
          runDetached(() => {
            throw new RangeError("own");
          }), RangeError);
      });
    } finally {
      setContextManager(previous);
    }
  });
});
