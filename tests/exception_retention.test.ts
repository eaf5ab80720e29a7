// An ended span waits in export queues (the batch processor's, tail sampling's buffer): it must
// not keep the thrown error alive. An HTTP client error holds its request, response and socket;
// 2,048 queued failed spans whose errors each held 1 MiB kept 2 GB alive behind a stuck exporter,
// far past the queue's 16 MiB byte bound, which counts only the span's strings. The span keeps
// plain data (`exception`); a task keeps the thrown value on itself (`exception`,
// `raiseIfFailed()`), never on the span it queues. The collection checks run where a garbage
// collection can be forced (Deno, Node, Bun; not workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { Tracer } from "../src/tracer.ts";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { TailSamplingProcessor } from "../src/processor/tail_sampling.ts";
import type { SpanExporter } from "../src/processor/types.ts";
import { AsyncLocalStorageContextManager } from "../src/context/als_manager.ts";
import { setContextManager } from "../src/context/manager.ts";
import { peekConfig, setConfig } from "../src/config_state.ts";
import { setDiagnosticsHook } from "../src/diagnostics.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { run, taskSpan } from "../src/task/spans.ts";
import { task } from "../src/task/task_fn.ts";
import type { TaskSpan } from "../src/task/task_span.ts";
import { forcedGc } from "./_support/forced_gc.ts";

const gc = forcedGc();
const noGc = gc === undefined && "cannot force a garbage collection here";

/** An exporter stuck on a slow collector: its exports never settle. */
const stuck: SpanExporter = { export: () => new Promise<never>(() => {}) };

/** An HTTP client error: it references a large response. */
class HttpError extends Error {
  readonly response = { status: 502, body: new Uint8Array(1 << 20) };
}

/** Watches objects for collection. */
function watcher(): { watch(value: object, name: string): void; alive: Set<string> } {
  const alive = new Set<string>();
  const registry = new FinalizationRegistry<string>((name) => alive.delete(name));
  return {
    alive,
    watch(value, name) {
      alive.add(name);
      registry.register(value, name);
    },
  };
}

/** Collects garbage until nothing watched is alive (at most ~2 s); returns what still is. */
async function collect(alive: Set<string>): Promise<string[]> {
  for (let i = 0; i < 40 && alive.size > 0; i++) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...alive];
}

describe("Span.exception: plain data, never the thrown value", () => {
  it("holds the exception event's attributes", () => {
    const tracer = new Tracer();
    const span = tracer.startSpan("s");
    const error = new HttpError("upstream failed");
    span.recordException(error);
    assert.equal(span.failed, true);
    assert.notEqual(span.exception, error);
    assert.deepEqual(span.exception, {
      "exception.type": "Error",
      "exception.message": "upstream failed",
      "exception.stacktrace": error.stack,
    });
    assert.deepEqual(span.events[0].attributes, span.exception);
    const thrownNull = tracer.startSpan("n");
    thrownNull.recordException(null);
    assert.equal(thrownNull.failed, true);
    assert.deepEqual(thrownNull.exception, {
      "exception.type": "object",
      "exception.message": "null",
    });
    span.end();
    thrownNull.end();
  });

  it("is cut to the attribute value length limit, as on the event", () => {
    const tracer = new Tracer({ limits: { attributeValueLengthLimit: 8 } });
    const span = tracer.startSpan("s");
    span.recordException(new Error("a long message"));
    assert.equal(span.exception?.["exception.message"], "a long m");
    assert.equal((span.exception?.["exception.stacktrace"] as string).length, 8);
    span.end();
  });
});

describe("queued failed spans do not keep their errors alive", { skip: noGc }, () => {
  it("in the batch queue behind a stuck exporter", async () => {
    const batch = new BatchSpanProcessor(stuck, { timers: false });
    const tracer = new Tracer({ processors: [batch] });
    const { watch, alive } = watcher();
    for (let i = 0; i < 3; i++) {
      try {
        tracer.withSpan("call", () => {
          const error = new HttpError(`upstream failed ${i}`);
          watch(error, `error ${i}`);
          throw error;
        });
      } catch {
        // The host handles the error and lets it go.
      }
    }
    assert.equal(batch.queueLength, 3);
    assert.deepEqual(await collect(alive), []);
    assert.equal(batch.queueLength, 3);
  });

  it("in tail sampling's buffer while the trace's root runs", async () => {
    const tail = new TailSamplingProcessor(new BatchSpanProcessor(stuck, { timers: false }));
    const tracer = new Tracer({ processors: [tail] });
    const { watch, alive } = watcher();
    const root = tracer.startSpan("agent-run");
    for (let i = 0; i < 3; i++) {
      try {
        tracer.withSpan("tool", { parent: root }, () => {
          const error = new HttpError("tool failed");
          watch(error, `error ${i}`);
          throw error;
        });
      } catch {
        // Handled.
      }
    }
    assert.equal(tail.stats.bufferedSpans, 3);
    assert.deepEqual(await collect(alive), []);
    root.end();
  });

  it("of tasks: the task keeps the error, the span it queues keeps neither", async () => {
    const batch = new BatchSpanProcessor(stuck, { timers: false });
    const tracer = new Tracer({ processors: [batch] });
    const storage = new MemoryStorage();
    const previousConfig = peekConfig();
    const previousManager = setContextManager(
      new AsyncLocalStorageContextManager(AsyncLocalStorage),
    );
    const previousHook = setDiagnosticsHook(() => {});
    setConfig({
      tracer,
      storage,
      project: "default",
      files: undefined,
      env: () => undefined,
      forceFlush: (deadline?: number) => tracer.forceFlush(deadline),
    });
    const { watch, alive } = watcher();
    try {
      await (async () => {
        let failed: TaskSpan | undefined;
        await run("r", {}, async (r) => {
          const call = task(function callUpstream() {
            const error = new HttpError("upstream failed");
            watch(error, "error");
            throw error;
          });
          assert.throws(() => call(), HttpError);
          await taskSpan("recorded", {}, (t) => {
            const error = new HttpError("recorded");
            watch(error, "recorded error");
            t.recordException(error);
          });
          [failed] = r.tasks;
          watch(r, "run task");
        });
        // The task itself keeps the thrown value, as thrown.
        assert.ok(failed!.exception instanceof HttpError);
        assert.throws(() => failed!.raiseIfFailed(), (e: unknown) => e === failed!.exception);
        assert.equal(failed!.span.exception?.["exception.message"], "upstream failed");
        watch(failed!, "failed task");
      })();
      assert.ok(batch.queueLength >= 3, `queued ${batch.queueLength}`);
      // Once the tasks are let go, the queued spans keep neither them nor their errors.
      assert.deepEqual(await collect(alive), []);
    } finally {
      setConfig(previousConfig);
      setContextManager(previousManager);
      setDiagnosticsHook(previousHook);
    }
  });
});
