// A flush or shutdown deadline while an export started earlier (by a full batch or the timer,
// with its own exportTimeoutMillis) is still running: the processors settle soon after the deadline
// and count every span once. Fake exporters only, so this runs in workerd too; the same against
// a real stalled receiver is in tests/otlp/exporter_deadlines.test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, SimpleSpanProcessor, Tracer } from "../mod.ts";
import type { ExportOptions, FlushReport, SpanExporter, SpanRecord } from "../mod.ts";
import { captureDiagnostics } from "./_support/collect.ts";
import { makeSpanBatch } from "./_support/span_records.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const report = (fields: Partial<FlushReport>): FlushReport => ({
  exported: 0,
  retried: 0,
  persisted: 0,
  dropped: {},
  failed: 0,
  ...fields,
});

/** Every span a report accounts for. */
const counted = (r: FlushReport) =>
  r.exported + r.persisted + r.failed + Object.values(r.dropped).reduce((a, b) => a + b, 0);

/**
 * Records the delays of the timers set while `fn` runs and which of them are still pending when
 * it ends (neither fired nor cleared).
 */
async function deadlineTimers(
  fn: () => Promise<void>,
): Promise<{ delays: number[]; pending: number[] }> {
  const g = globalThis as unknown as Record<"setTimeout" | "clearTimeout", unknown>;
  const set = globalThis.setTimeout;
  const clear = globalThis.clearTimeout;
  const delays: number[] = [];
  const pending = new Map<unknown, number>();
  g.setTimeout = (callback: (...args: unknown[]) => void, ms = 0, ...args: unknown[]) => {
    delays.push(ms);
    const handle = set(
      (...a: unknown[]) => {
        pending.delete(handle);
        callback(...a);
      },
      ms,
      ...args,
    );
    pending.set(handle, ms);
    return handle;
  };
  g.clearTimeout = (handle: ReturnType<typeof setTimeout>) => {
    pending.delete(handle);
    clear(handle);
  };
  try {
    await fn();
  } finally {
    g.setTimeout = set;
    g.clearTimeout = clear;
  }
  return { delays, pending: [...pending.values()] };
}

/**
 * An exporter whose requests hang (an endpoint that never answers) until `ms` pass, or until the
 * export's signal aborts: then it drops the batch under the signal's reason, as the OTLP
 * exporter does. `obeys: false` ignores the signal (a custom exporter that does not keep it).
 */
class HangingExporter implements SpanExporter {
  readonly calls: { spans: number; deadline?: number; at: number; aborted?: boolean }[] = [];
  readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** `export(n)` and `shutdown`, in the order they were called. */
  readonly log: string[] = [];
  constructor(readonly ms: number, readonly obeys = true) {}
  export(spans: readonly SpanRecord[], options: ExportOptions = {}): Promise<FlushReport> {
    const { signal } = options;
    this.calls.push({
      spans: spans.length,
      deadline: options.deadline,
      at: Date.now(),
      aborted: signal?.aborted,
    });
    this.log.push(`export(${spans.length})`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(report({ exported: spans.length })), this.ms);
      this.timers.add(timer);
      const stop = () => {
        clearTimeout(timer);
        resolve(report({ dropped: { [String(signal!.reason)]: spans.length } }));
      };
      if (!this.obeys) return;
      if (signal?.aborted) stop();
      else signal?.addEventListener("abort", stop);
    });
  }
  shutdown(): Promise<void> {
    this.log.push("shutdown");
    return Promise.resolve();
  }
  /** Clears the pending timers (the test's end). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
  }
}

describe("processor deadlines behind an export already running", () => {
  it("batch shutdown(deadline) settles soon after it and counts every span, not behind a running export", async () => {
    const exporter = new HangingExporter(20_000);
    const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2 });
    const tracer = new Tracer({ processors: [processor] });
    try {
      for (const span of makeSpanBatch(6)) processor.onSpanEnd(span); // a full batch: exporting
      await delay(50);
      assert.equal(exporter.calls.length, 1, "the size-triggered export is running");
      const { result, diagnostics } = await captureDiagnostics(async () => {
        const started = Date.now();
        const result = await tracer.shutdown(Date.now() + 300);
        assert.ok(Date.now() - started < 1200, `settled after ${Date.now() - started} ms`);
        return result;
      });
      assert.deepEqual(diagnostics.filter((d) => d.code === "processor_failed"), []);
      assert.equal(counted(result), 6, JSON.stringify(result));
      assert.deepEqual(result.dropped, { deadline: 6 });
      assert.equal(processor.queueLength, 0);
    } finally {
      exporter.close();
    }
  });

  it("batch forceFlush(deadline) returns soon after it; the running export is counted in the next report", async () => {
    const exporter = new HangingExporter(1500);
    const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2, timers: false });
    try {
      for (const span of makeSpanBatch(2)) processor.onSpanEnd(span); // exporting, for 1.5 s
      await delay(20);
      const started = Date.now();
      const first = await processor.forceFlush(Date.now() + 200);
      const took = Date.now() - started;
      assert.ok(took < 1000, `flush took ${took} ms`);
      assert.equal(counted(first), 0, "the export still runs: not counted yet");
      await delay(1600);
      const next = await processor.forceFlush();
      assert.equal(next.exported, 2, "counted once, in the next report");
      assert.equal(counted(await processor.shutdown()), 0, "and never again");
    } finally {
      exporter.close();
    }
  });

  it("simple processor shutdown(deadline) aborts the exports in flight and counts each span once", async () => {
    const exporter = new HangingExporter(20_000);
    const processor = new SimpleSpanProcessor(exporter);
    try {
      for (const span of makeSpanBatch(6)) processor.onSpanEnd(span);
      const started = Date.now();
      const result = await processor.shutdown(Date.now() + 300);
      assert.ok(Date.now() - started < 1200, `settled after ${Date.now() - started} ms`);
      assert.deepEqual(result.dropped, { deadline: 6 });
      assert.equal(counted(result), 6);
    } finally {
      exporter.close();
    }
  });

  it("simple processor shutdown(deadline) counts a span whose exporter ignores the signal as dropped, once", async () => {
    const exporter = new HangingExporter(1200, false);
    const processor = new SimpleSpanProcessor(exporter);
    try {
      for (const span of makeSpanBatch(3)) processor.onSpanEnd(span);
      const started = Date.now();
      const result = await processor.shutdown(Date.now() + 100);
      assert.ok(Date.now() - started < 1000, `settled after ${Date.now() - started} ms`);
      assert.deepEqual(result.dropped, { deadline: 3 });
      await delay(1300); // the exporter reports them exported now: not counted a second time
      assert.equal(counted(await processor.forceFlush()), 0);
    } finally {
      exporter.close();
    }
  });

  it("simple processor forceFlush(deadline) returns soon after it under exports that do not end", async () => {
    const exporter = new HangingExporter(1500);
    const processor = new SimpleSpanProcessor(exporter);
    try {
      for (const span of makeSpanBatch(2)) processor.onSpanEnd(span);
      const started = Date.now();
      const first = await processor.forceFlush(Date.now() + 200);
      assert.ok(Date.now() - started < 1000, `flush took ${Date.now() - started} ms`);
      assert.equal(counted(first), 0);
      assert.equal((await processor.forceFlush()).exported, 2, "counted in the next report");
    } finally {
      exporter.close();
    }
  });
  it("batch shutdown(deadline) counts every span once and exports none with a live signal after it", async () => {
    const exporter = new HangingExporter(3000); // keeps the signal
    const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2 });
    try {
      const [a, b, c] = makeSpanBatch(3);
      processor.onSpanEnd(a);
      processor.onSpanEnd(b); // a full batch: exporting
      await delay(20);
      processor.onSpanEnd(c); // queued for the timer
      const deadline = Date.now() + 200;
      const result = await processor.shutdown(deadline);
      assert.deepEqual(result.dropped, { deadline: 3 }, JSON.stringify(result));
      assert.equal(counted(result), 3);
      for (const call of exporter.calls.filter((call) => call.at >= deadline)) {
        assert.equal(
          call.aborted,
          true,
          "an export started after the deadline gets an aborted signal",
        );
      }
      assert.equal(counted(await processor.forceFlush()), 0, "and nothing is counted again");
    } finally {
      exporter.close();
    }
  });

  it("batch shutdown(deadline) counts every span when the exporter ignores the signal, and exports none after the exporter's shutdown", async () => {
    const exporter = new HangingExporter(1500, false);
    const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2 });
    try {
      for (const span of makeSpanBatch(6)) processor.onSpanEnd(span); // exporting, 2 at a time
      await delay(50);
      const started = Date.now();
      const result = await processor.shutdown(Date.now() + 100);
      assert.ok(Date.now() - started < 1300, `settled after ${Date.now() - started} ms`);
      assert.deepEqual(result.dropped, { deadline: 6 }, JSON.stringify(result));
      assert.equal(counted(result), 6);
      assert.equal(processor.queueLength, 0);
      await delay(1700); // the running export ends, reporting its 2 spans exported
      assert.deepEqual(exporter.log.slice(exporter.log.indexOf("shutdown")), ["shutdown"]);
      assert.equal(
        counted(await processor.forceFlush()),
        0,
        "its late outcome is not counted again",
      );
    } finally {
      exporter.close();
    }
  });

  it("batch shutdown(deadline) leaves no timer behind to fire later (in another request, on workerd)", async () => {
    const processor = new BatchSpanProcessor({
      export: (spans) => Promise.resolve(report({ exported: spans.length })),
    });
    let result: FlushReport | undefined;
    const timers = await deadlineTimers(async () => {
      for (const span of makeSpanBatch(3)) processor.onSpanEnd(span);
      result = await processor.shutdown(Date.now() + 60_000);
    });
    assert.equal(result?.exported, 3);
    assert.deepEqual(timers.pending, []);
  });

  it("batch shutdown(deadline) with a deadline already past sets no timer with a negative delay", async () => {
    const processor = new BatchSpanProcessor({
      export: (spans) => Promise.resolve(report({ exported: spans.length })),
    });
    let result: FlushReport | undefined;
    const timers = await deadlineTimers(async () => {
      for (const span of makeSpanBatch(3)) processor.onSpanEnd(span);
      result = await processor.shutdown(Date.now() - 5000);
    });
    assert.equal(result?.exported, 3);
    assert.deepEqual(timers.delays.filter((ms) => !(ms >= 0)), []);
  });

  for (const kind of ["batch", "simple"] as const) {
    it(`${kind} forceFlush(deadline) next to a shutdown with a later deadline neither aborts nor drops its spans`, async () => {
      for (const flushFirst of [true, false]) {
        const exporter = new HangingExporter(1000); // delivers after 1 s; keeps the signal
        const processor = kind === "batch"
          ? new BatchSpanProcessor(exporter, { maxExportBatchSize: 3 })
          : new SimpleSpanProcessor(exporter);
        try {
          for (const span of makeSpanBatch(3)) processor.onSpanEnd(span);
          const flushed = flushFirst ? processor.forceFlush(Date.now() + 100) : undefined;
          await delay(20);
          const shut = processor.shutdown(Date.now() + 5000);
          const reports = await Promise.all([
            flushed ?? processor.forceFlush(Date.now() + 100),
            shut,
          ]);
          const all = reports.map((r) => JSON.stringify(r)).join(" ");
          assert.equal(reports[0].exported + reports[1].exported, 3, all);
          assert.equal(reports.reduce((n, r) => n + counted(r), 0), 3, all);
        } finally {
          exporter.close();
        }
      }
    });
  }
});

describe("a tracer deadline already past", () => {
  it("still reports the spans a batch processor gives up on (dropped as deadline)", async () => {
    const hanging: SpanExporter = { export: () => new Promise<FlushReport>(() => {}) };
    const tracer = new Tracer({ processors: [new BatchSpanProcessor(hanging)] });
    tracer.startSpan("a").end();
    tracer.startSpan("b").end();
    const { result, diagnostics } = await captureDiagnostics(() =>
      tracer.shutdown(Date.now() - 5_000)
    );
    assert.deepEqual(result.dropped, { deadline: 2 });
    assert.equal(counted(result), 2);
    assert.deepEqual(diagnostics.filter((d) => d.code === "processor_failed"), []);
  });
});

describe("processor deadlines after a shutdown began", () => {
  /** Waits for `promise` at most `ms`; "pending" when it has not settled by then. */
  const within = <T>(promise: Promise<T>, ms: number): Promise<T | "pending"> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      promise,
      new Promise<"pending">((resolve) => timer = setTimeout(resolve, ms, "pending")),
    ]).finally(() => clearTimeout(timer));
  };

  it("batch exports a flush's spans still queued when a shutdown begins with the shutdown's deadline, not the flush's past one", async () => {
    for (const shutdownDeadline of [undefined, 5000]) {
      // The first export takes 400 ms; an export whose deadline has passed drops its spans
      // (`deadline`) as the OTLP exporter does.
      const seen: number[] = [];
      const exporter: SpanExporter = {
        export: (spans, options = {}) => {
          const late = (options.deadline ?? Infinity) <= Date.now();
          seen.push(spans.length);
          return delay(seen.length == 1 ? 400 : 0).then(() =>
            late
              ? report({ dropped: { deadline: spans.length } })
              : report({ exported: spans.length })
          );
        },
      };
      const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2 });
      const [a, b, c] = makeSpanBatch(3);
      processor.onSpanEnd(a);
      processor.onSpanEnd(b); // a full batch: exporting for 400 ms
      await delay(20);
      processor.onSpanEnd(c);
      const flushed = processor.forceFlush(Date.now() + 100); // its drain waits behind the export
      await delay(10);
      const shut = processor.shutdown(
        shutdownDeadline === undefined ? undefined : Date.now() + shutdownDeadline,
      );
      const reports = await Promise.all([flushed, shut]);
      const all = reports.map((r) => JSON.stringify(r)).join(" ");
      assert.equal(reports[0].exported + reports[1].exported, 3, all);
      assert.equal(reports.reduce((n, r) => n + counted(r), 0), 3, all);
    }
  });

  it("batch forceFlush() without a deadline settles after a shutdown gave up on an export that never ends", async () => {
    const never: SpanExporter = { export: () => new Promise<FlushReport>(() => {}) };
    const processor = new BatchSpanProcessor(never, { maxExportBatchSize: 2 });
    const tracer = new Tracer({ processors: [processor] });
    for (const span of makeSpanBatch(3)) processor.onSpanEnd(span);
    const shut = processor.shutdown(Date.now() + 100);
    // A flush made while the shutdown runs waits no longer than it.
    const during = processor.forceFlush();
    assert.deepEqual((await shut).dropped, { deadline: 3 });
    const late = await within(during, 2000);
    assert.notEqual(late, "pending", "a forceFlush() made during the shutdown settles");
    for (const flush of [processor.forceFlush(), tracer.forceFlush()]) {
      const got = await within(flush, 2000);
      assert.notEqual(got, "pending", "a forceFlush() after the shutdown settles");
      assert.equal(counted(got as FlushReport), 0);
    }
  });

  it("simple forceFlush() without a deadline settles under a steady stream of spans", async () => {
    const exporter: SpanExporter = {
      export: (spans) => delay(30).then(() => report({ exported: spans.length })),
    };
    const processor = new SimpleSpanProcessor(exporter);
    const spans = makeSpanBatch(400);
    let next = 0;
    const stream = setInterval(() => processor.onSpanEnd(spans[next++ % 400]), 5);
    try {
      await delay(50);
      const got = await within(processor.forceFlush(), 2000);
      assert.notEqual(got, "pending", "forceFlush() settles while spans keep ending");
      assert.ok((got as FlushReport).exported > 0);
    } finally {
      clearInterval(stream);
    }
    const last = await processor.shutdown();
    assert.equal(last.failed, 0);
  });

  for (const Processor of [SimpleSpanProcessor, BatchSpanProcessor]) {
    for (const order of ["before", "after"]) {
      it(`${Processor.name}: a forceFlush() without a deadline made ${order} a shutdown(deadline) settles once the shutdown gave up on an export that never ends`, async () => {
        const never: SpanExporter = { export: () => new Promise<FlushReport>(() => {}) };
        const processor = new Processor(never);
        processor.onSpanEnd(makeSpanBatch(1)[0]);
        const started = Date.now();
        let flush: Promise<FlushReport>, shut: Promise<FlushReport>;
        if (order === "before") {
          flush = processor.forceFlush();
          shut = processor.shutdown(Date.now() + 100);
        } else {
          shut = processor.shutdown(Date.now() + 100);
          flush = processor.forceFlush();
        }
        assert.deepEqual((await shut).dropped, { deadline: 1 });
        const got = await within(flush, 2000);
        assert.notEqual(got, "pending", "the flush settles soon after the shutdown gave up");
        assert.equal(counted(got as FlushReport), 0, "the given-up span is counted once");
        assert.ok(Date.now() - started < 2500);
      });
    }
  }

  it("SimpleSpanProcessor: shutdown(deadline) settles and counts when aborting an export throws (another request's, in workerd)", async () => {
    // workerd throws "Cannot perform I/O on behalf of a different request" when a request aborts
    // an AbortController another request made; the shutdown rejected and skipped its report,
    // the exporter's shutdown and the wake-up of waiting flushes.
    const Original = globalThis.AbortController;
    class ForeignController extends Original {
      override abort(): void {
        throw new Error("Cannot perform I/O on behalf of a different request.");
      }
    }
    globalThis.AbortController = ForeignController;
    try {
      let exporterShutdown = false;
      const never: SpanExporter = {
        export: () => new Promise<FlushReport>(() => {}),
        shutdown: () => {
          exporterShutdown = true;
          return Promise.resolve();
        },
      };
      const processor = new SimpleSpanProcessor(never);
      processor.onSpanEnd(makeSpanBatch(1)[0]);
      const flush = processor.forceFlush();
      const shut = await within(processor.shutdown(Date.now() + 100), 2000);
      assert.notEqual(shut, "pending");
      assert.deepEqual((shut as FlushReport).dropped, { deadline: 1 });
      assert.ok(exporterShutdown, "the exporter is shut down");
      assert.notEqual(await within(flush, 2000), "pending", "the waiting flush settles");
    } finally {
      globalThis.AbortController = Original;
    }
  });
});
