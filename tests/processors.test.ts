import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, SimpleSpanProcessor, Tracer } from "../mod.ts";
import type {
  ExportOptions,
  FlushReport,
  SpanExporter,
  SpanProcessor,
  SpanRecord,
} from "../mod.ts";
import { captureDiagnostics, CollectingProcessor, MemoryExporter } from "./_support/collect.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const emptyCounts = (): FlushReport => ({
  exported: 0,
  retried: 0,
  persisted: 0,
  dropped: {},
  failed: 0,
});

/** Settles with `promise`, or with "pending" when it has not settled after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((resolve) => {
    timer = setTimeout(resolve, ms, "pending");
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** An exporter that takes `ms` per call and records every call's options. */
class SlowExporter implements SpanExporter {
  readonly spans: SpanRecord[] = [];
  readonly options: { method: string; deadline?: number }[] = [];
  constructor(readonly ms: number) {}
  async export(spans: readonly SpanRecord[], options: ExportOptions = {}): Promise<FlushReport> {
    this.options.push({ method: "export", deadline: options.deadline });
    await delay(this.ms);
    this.spans.push(...spans);
    return { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
  }
  forceFlush(options: ExportOptions = {}): Promise<FlushReport> {
    this.options.push({ method: "forceFlush", deadline: options.deadline });
    return Promise.resolve({ exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 });
  }
  shutdown(options: ExportOptions = {}): Promise<void> {
    this.options.push({ method: "shutdown", deadline: options.deadline });
    return Promise.resolve();
  }
}

describe("processors", () => {
  it("isolates a throwing or rejecting processor from the others and from the host", async () => {
    const collector = new CollectingProcessor();
    const bad: SpanProcessor = {
      onSpanStart: () => {
        throw new Error("start boom");
      },
      onSpanEnd: () => Promise.reject(new Error("end boom")),
      forceFlush: () => {
        throw new Error("flush boom");
      },
    };
    const { diagnostics } = await captureDiagnostics(async () => {
      const tracer = new Tracer({ processors: [bad, collector] });
      tracer.withSpan("survives", () => {});
      await new Promise((r) => setTimeout(r, 1));
      const report = await tracer.forceFlush();
      assert.equal(report.failed, 0);
    });
    assert.equal(collector.ended.length, 1);
    assert.ok(diagnostics.filter((d) => d.code === "processor_failed").length >= 3);
  });

  it("simple processor exports each span and flush waits for them", async () => {
    const exporter = new MemoryExporter();
    exporter.delayMs = 5;
    const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
    tracer.startSpan("one").end();
    tracer.startSpan("two").end();
    const report = await tracer.forceFlush();
    assert.equal(report.exported, 2);
    assert.deepEqual(exporter.spans.map((s) => s.name), ["one", "two"]);
    await tracer.shutdown();
  });

  it("batch processor exports eagerly at batch size and on flush", async () => {
    const exporter = new MemoryExporter();
    const processor = new BatchSpanProcessor(exporter, {
      maxExportBatchSize: 3,
      scheduledDelayMillis: 60_000,
    });
    const tracer = new Tracer({ processors: [processor] });
    for (let i = 0; i < 7; i++) tracer.startSpan(`s${i}`).end();
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(
      exporter.batches.map((b) => b.length),
      [3, 3],
      "two full batches went out eagerly",
    );
    assert.equal(processor.queueLength, 1);
    const report = await tracer.forceFlush();
    assert.equal(report.exported, 7);
    assert.deepEqual(exporter.batches.map((b) => b.length), [3, 3, 1]);
    await tracer.shutdown();
  });

  it("batch processor: an exportTriggerSize below maxExportBatchSize starts an export without timers", async () => {
    const exporter = new MemoryExporter();
    const processor = new BatchSpanProcessor(exporter, { exportTriggerSize: 10, timers: false });
    const tracer = new Tracer({ processors: [processor] });
    for (let i = 0; i < 9; i++) tracer.startSpan(`s${i}`).end();
    await delay(20);
    assert.equal(exporter.batches.flat().length, 0, "below the trigger nothing is exported");
    tracer.startSpan("s9").end();
    await delay(20);
    assert.equal(exporter.batches.flat().length, 10);
    await tracer.shutdown();
  });

  it("batch processor exports on its schedule without keeping the process alive", async () => {
    const exporter = new MemoryExporter();
    const tracer = new Tracer({
      processors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 10 })],
    });
    tracer.startSpan("timed").end();
    for (let i = 0; i < 100 && exporter.spans.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(exporter.spans.length, 1);
    await tracer.shutdown();
  });

  it("bounds the queue by count and by bytes and reports drops by reason", async () => {
    const exporter = new MemoryExporter();
    const processor = new BatchSpanProcessor(exporter, {
      maxQueueSize: 4,
      maxExportBatchSize: 4,
      exportTriggerSize: 4,
      timers: false,
    });
    const tracer = new Tracer({ processors: [processor] });
    const { diagnostics } = await captureDiagnostics(() => {
      // Fill synchronously: the eager export runs in a microtask, so the 5th and 6th overflow.
      for (let i = 0; i < 6; i++) tracer.startSpan(`q${i}`).end();
    });
    const report = await tracer.forceFlush();
    assert.equal(report.exported, 4);
    assert.deepEqual(report.dropped, { queue_full: 2 });
    assert.deepEqual(
      exporter.spans.map((s) => s.name),
      ["q0", "q1", "q2", "q3"],
      "already accepted spans kept",
    );
    assert.ok(diagnostics.some((d) => d.code === "queue_full"));

    const bytes = new BatchSpanProcessor(new MemoryExporter(), {
      maxQueueBytes: 1000,
      timers: false,
    });
    const t2 = new Tracer({ processors: [bytes] });
    t2.startSpan("big", { attributes: { blob: "x".repeat(2000) } }).end();
    t2.startSpan("small").end();
    const r2 = await t2.forceFlush();
    assert.deepEqual(r2.dropped, { queue_full: 1 });
    assert.equal(r2.exported, 1);
    await t2.shutdown();
    await tracer.shutdown();
  });

  it("a bound below 1, NaN or infinite means the default bound, never an empty or unbounded queue", async () => {
    for (const bad of [0.5, NaN, Infinity, -1]) {
      const exporter = new MemoryExporter();
      const processor = new BatchSpanProcessor(exporter, {
        maxQueueSize: bad,
        maxExportBatchSize: bad,
        exportTriggerSize: bad,
        timers: false,
      });
      const tracer = new Tracer({ processors: [processor] });
      for (let i = 0; i < 3000; i++) tracer.startSpan(`s${i}`).end();
      const report = await tracer.forceFlush();
      // Default queue bound 2048 (the eager export at the default batch size of 512 frees room).
      assert.ok(report.exported >= 2048 && report.exported < 3000, `${bad}: ${report.exported}`);
      assert.equal(report.exported + (report.dropped.queue_full ?? 0), 3000, String(bad));
      await tracer.shutdown();
    }
  });

  it("simple processor: a maxPending of NaN, Infinity or 0.5 means the default 256 exports in flight", async () => {
    for (const bad of [NaN, Infinity, 0.5]) {
      const exporter = new MemoryExporter();
      exporter.delayMs = 5;
      const tracer = new Tracer({
        processors: [new SimpleSpanProcessor(exporter, { maxPending: bad })],
      });
      for (let i = 0; i < 300; i++) tracer.startSpan(`s${i}`).end();
      const report = await tracer.forceFlush();
      assert.equal(report.exported, 256, String(bad));
      assert.deepEqual(report.dropped, { too_many_pending: 44 }, String(bad));
      await tracer.shutdown();
    }
  });

  it('dropPolicy "oldest" keeps the newest spans', async () => {
    const exporter = new MemoryExporter();
    const tracer = new Tracer({
      processors: [
        new BatchSpanProcessor(exporter, {
          maxQueueSize: 2,
          maxExportBatchSize: 10,
          timers: false,
          dropPolicy: "oldest",
        }),
      ],
    });
    for (const name of ["a", "b", "c"]) tracer.startSpan(name).end();
    const report = await tracer.forceFlush();
    assert.deepEqual(exporter.spans.map((s) => s.name), ["b", "c"]);
    assert.deepEqual(report.dropped, { queue_full: 1 });
    await tracer.shutdown();
  });

  it("flush always resolves with a report even when the exporter throws", async () => {
    const exporter = new MemoryExporter();
    exporter.failWith = new Error("collector exploded");
    const tracer = new Tracer({
      processors: [new BatchSpanProcessor(exporter, { timers: false })],
    });
    tracer.startSpan("x").end();
    tracer.startSpan("y").end();
    const { result } = await captureDiagnostics(() => tracer.forceFlush());
    assert.equal(result.failed, 2);
    assert.equal(result.exported, 0);
    await tracer.shutdown();
  });

  it("shutdown is idempotent, flushes, and later spans are counted as dropped", async () => {
    const exporter = new MemoryExporter();
    const processor = new BatchSpanProcessor(exporter, { timers: false });
    const tracer = new Tracer({ processors: [processor] });
    tracer.startSpan("before").end();
    const [a, b] = await Promise.all([processor.shutdown(), processor.shutdown()]);
    assert.equal(a, b);
    assert.equal(a.exported, 1);
    tracer.startSpan("after").end();
    const late = await processor.forceFlush();
    assert.deepEqual(late.dropped, { shutdown: 1 });
    assert.equal(exporter.spans.length, 1);
  });

  it("batch flush ends under a steady stream of spans, having exported what was queued before it", async () => {
    const exporter = new SlowExporter(20);
    const processor = new BatchSpanProcessor(exporter, { exportTimeoutMillis: 200 });
    const tracer = new Tracer({ processors: [processor] });
    const producer = setInterval(() => tracer.startSpan("tick").end(), 5);
    try {
      tracer.startSpan("before").end();
      const report = await within(processor.forceFlush(), 2000);
      assert.notEqual(report, "pending", "the flush must settle");
      assert.ok(exporter.spans.some((s) => s.name === "before"));
    } finally {
      clearInterval(producer);
      await tracer.shutdown();
    }
  });

  it("batch processor under more load than its exporter takes: one export waits at a time, a flush is not stuck behind a backlog", async () => {
    // 100 spans a tick against an exporter that takes 512 spans per 20 ms: the queue stays full.
    // Each tick used to queue one more export behind the running one (a chain growing without
    // bound, ~1 per ms) and a flush waited behind all of them (about 20 s after 1 s of load).
    const exporter = new SlowExporter(20);
    const processor = new BatchSpanProcessor(exporter);
    const tracer = new Tracer({ processors: [processor] });
    let producing = true;
    const producer = (async () => {
      while (producing) {
        for (let i = 0; i < 100; i++) tracer.startSpan("load").end();
        await delay(0);
      }
    })();
    try {
      await delay(1000);
      const exportsBefore = exporter.options.length;
      const started = Date.now();
      const report = await within(processor.forceFlush(), 5000);
      assert.notEqual(report, "pending", "the flush must settle while the load goes on");
      assert.ok(Date.now() - started < 3000, `flush took ${Date.now() - started} ms`);
      // What ran meanwhile: the export that was running, one queued, and the flush's own.
      assert.ok(exporter.options.length - exportsBefore <= 16, "no backlog of queued exports");
    } finally {
      producing = false;
      await producer;
      await tracer.shutdown();
    }
  });

  it("batch flush stops at its time budget; what is left stays queued for the next export", async () => {
    const exporter = new SlowExporter(150);
    const processor = new BatchSpanProcessor(exporter, {
      maxExportBatchSize: 1,
      exportTriggerSize: 100, // no export starts on its own
      exportTimeoutMillis: 250,
      timers: false,
    });
    for (let i = 0; i < 10; i++) processor.onSpanEnd(makeSpanRecord({ name: `s${i}` }));
    const started = Date.now();
    const first = await processor.forceFlush();
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.ok(first.exported >= 1 && first.exported < 10, `exported ${first.exported}`);
    assert.equal(processor.queueLength, 10 - first.exported);
    let total = first.exported;
    while (processor.queueLength > 0) total += (await processor.forceFlush()).exported;
    assert.equal(total, 10);
    assert.deepEqual(
      exporter.spans.map((s) => s.name),
      Array.from({ length: 10 }, (_, i) => `s${i}`),
    );
  });

  it("batch shutdown(deadline) gives the exporter that deadline, not exportTimeoutMillis from now", async () => {
    const exporter = new SlowExporter(0);
    const processor = new BatchSpanProcessor(exporter, { timers: false });
    processor.onSpanEnd(makeSpanRecord());
    const deadline = Date.now() + 500;
    const report = await processor.shutdown(deadline);
    assert.equal(report.exported, 1);
    assert.deepEqual(exporter.options.map((o) => o.method), ["export", "forceFlush", "shutdown"]);
    for (const { method, deadline: given } of exporter.options) {
      assert.equal(given, deadline, method);
    }
  });

  it("batch flush with a deadline that is not a number flushes within exportTimeoutMillis", async () => {
    const exporter = new SlowExporter(0);
    const processor = new BatchSpanProcessor(exporter, {
      exportTimeoutMillis: 1000,
      timers: false,
    });
    processor.onSpanEnd(makeSpanRecord());
    const before = Date.now();
    assert.equal((await processor.forceFlush(NaN)).exported, 1);
    const given = exporter.options[0].deadline!;
    assert.ok(given >= before + 1000 && given <= Date.now() + 1000, String(given));
  });

  it("batch shutdown past its deadline still hands every queued span to the exporter", async () => {
    const exporter = new SlowExporter(0);
    const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 2, timers: false });
    for (let i = 0; i < 5; i++) processor.onSpanEnd(makeSpanRecord());
    const report = await processor.shutdown(Date.now() - 1);
    assert.equal(report.exported, 5);
    assert.equal(processor.queueLength, 0);
  });

  it("the byte bound counts strings in event and link attributes, inside arrays, event names, the status message and tracestate", () => {
    const big = "x".repeat(100_000);
    const records = [
      makeSpanRecord({ attributes: { messages: [big] } }),
      makeSpanRecord({
        events: [{
          name: "gen_ai.prompt",
          time: 0,
          attributes: { content: big },
          droppedAttributesCount: 0,
        }],
      }),
      makeSpanRecord({
        links: [{
          traceId: "1".repeat(32),
          spanId: "2".repeat(16),
          attributes: { note: big },
          droppedAttributesCount: 0,
        }],
      }),
      makeSpanRecord({ status: { code: "ERROR", message: big } }),
      makeSpanRecord({
        events: [{ name: big, time: 0, attributes: {}, droppedAttributesCount: 0 }],
      }),
      makeSpanRecord({ traceState: `k=${big}` }),
    ];
    for (const record of records) {
      const processor = new BatchSpanProcessor(new MemoryExporter(), {
        maxQueueBytes: 1_000_000,
        timers: false,
      });
      for (let i = 0; i < 100; i++) processor.onSpanEnd(record);
      assert.ok(processor.queueLength <= 10, `queued ${processor.queueLength} spans of 100 kB`);
    }
  });

  it("batch scheduledDelayMillis beyond 2^31 - 1 ms waits instead of firing at once", async () => {
    const exporter = new MemoryExporter();
    const processor = new BatchSpanProcessor(exporter, { scheduledDelayMillis: 2 ** 31 + 1000 });
    processor.onSpanEnd(makeSpanRecord());
    await delay(50);
    assert.equal(exporter.spans.length, 0, "exported by an overflowing timer");
    assert.equal((await processor.shutdown()).exported, 1);
  });

  it("tracer shutdown settles soon after its deadline when a processor never settles", async () => {
    const collector = new CollectingProcessor();
    const stuck: SpanProcessor = {
      forceFlush: () => new Promise(() => {}),
      shutdown: () => new Promise(() => {}),
    };
    const exporter = new MemoryExporter();
    const tracer = new Tracer({
      processors: [stuck, collector, new SimpleSpanProcessor(exporter)],
    });
    tracer.startSpan("s").end();
    const { diagnostics } = await captureDiagnostics(async () => {
      const started = Date.now();
      const report = await tracer.shutdown(Date.now() + 200);
      assert.ok(Date.now() - started < 2000, `settled after ${Date.now() - started} ms`);
      assert.equal(report.exported, 1); // the others' reports are kept
    });
    assert.ok(diagnostics.some((d) => d.code === "processor_failed"));
  });

  it("a flush whose processors all settle reports no processor failure", async () => {
    const tracer = new Tracer({ processors: [new CollectingProcessor()] });
    tracer.startSpan("s").end();
    const { diagnostics } = await captureDiagnostics(() => tracer.forceFlush());
    assert.deepEqual(diagnostics.filter((d) => d.code === "processor_failed"), []);
    await tracer.shutdown();
  });

  it("simple processor counts a span as failed when the exporter throws synchronously", async () => {
    const exporter: SpanExporter = {
      export: () => {
        throw new Error("sync boom");
      },
    };
    const processor = new SimpleSpanProcessor(exporter);
    const { result } = await captureDiagnostics(async () => {
      processor.onSpanEnd(makeSpanRecord());
      return await processor.forceFlush();
    });
    assert.equal(result.failed, 1);
  });

  it("simple processor shutdown accounts for a span that ends while it flushes", async () => {
    const exporter = new SlowExporter(100);
    exporter.forceFlush = () =>
      delay(20).then(() => ({
        exported: 0,
        retried: 0,
        persisted: 0,
        dropped: {},
        failed: 0,
      }));
    const processor = new SimpleSpanProcessor(exporter);
    processor.onSpanEnd(makeSpanRecord({ name: "before" }));
    const shutdown = processor.shutdown();
    await delay(110); // the first export is done; the exporter's flush is running
    processor.onSpanEnd(makeSpanRecord({ name: "during" }));
    const report = await shutdown;
    assert.equal(report.exported, 1);
    assert.deepEqual(report.dropped, { shutdown: 1 });
    assert.deepEqual(exporter.spans.map((s) => s.name), ["before"]);
  });
});

describe("reports from exporters and processors", () => {
  const good = (spans: readonly SpanRecord[]): Promise<FlushReport> =>
    Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 });

  it("ignores report counts that are not numbers of at least 0, once reported as invalid_report", async () => {
    const bad = [
      { exported: "1" },
      { exported: Number.NaN, failed: -5 },
      { exported: -5, persisted: Infinity },
      { exported: 1.5, dropped: { x: "2", y: -1, z: 2 } },
    ];
    const { diagnostics } = await captureDiagnostics(async () => {
      for (const got of bad) {
        for (const Processor of [SimpleSpanProcessor, BatchSpanProcessor]) {
          const odd = { export: () => Promise.resolve(got as unknown as FlushReport) };
          const tracer = new Tracer({
            processors: [new Processor(odd), new Processor({ export: good })],
          });
          tracer.startSpan("a").end();
          tracer.startSpan("b").end();
          const r = await tracer.forceFlush();
          // The odd exporter reports once per span (simple) or once per batch (batch).
          const reports = Processor === SimpleSpanProcessor ? 2 : 1;
          const valid = got.exported === 1.5; // 1.5 counts as 1; only z's count is valid
          const message = `${Processor.name} ${JSON.stringify(got)}: ${JSON.stringify(r)}`;
          assert.equal(r.exported, 2 + (valid ? reports : 0), message);
          assert.equal(r.failed, 0, message);
          assert.equal(r.persisted, 0, message);
          assert.deepEqual(r.dropped, valid ? { z: 2 * reports } : {}, message);
        }
      }
    });
    assert.ok(diagnostics.some((d) => d.code === "invalid_report"));
  });

  it("a tracer's report does not change after it is returned, when a processor reports late", async () => {
    const late: SpanProcessor = {
      shutdown: () => delay(1400).then(() => ({ ...emptyCounts(), exported: 5 })),
    };
    const onTime: SpanProcessor = { shutdown: () => ({ ...emptyCounts(), exported: 1 }) };
    const { result: report } = await captureDiagnostics(async () => {
      const tracer = new Tracer({ processors: [late, onTime] });
      const got = await tracer.shutdown(Date.now() + 100);
      assert.equal(got.exported, 1);
      await delay(500); // the late processor reports meanwhile
      return got;
    });
    assert.equal(report.exported, 1, "the returned report stays as it was returned");
  });
});

describe("flush reports when flushes overlap", () => {
  const ok = (n: number): FlushReport => ({
    exported: n,
    retried: 0,
    persisted: 0,
    dropped: {},
    failed: 0,
  });

  it("a BatchSpanProcessor counts an export in the flush that waited for it, not in one already returned", async () => {
    const exporter = new MemoryExporter();
    exporter.delayMs = 50;
    const bsp = new BatchSpanProcessor(exporter, { timers: false, maxExportBatchSize: 100 });
    for (let i = 0; i < 10; i++) bsp.onSpanEnd(makeSpanRecord());
    const first = bsp.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 10)); // its export is in flight
    for (let i = 0; i < 10; i++) bsp.onSpanEnd(makeSpanRecord());
    const second = bsp.forceFlush();
    const r1 = await first;
    const atReturn = r1.exported;
    const r2 = await second;
    assert.equal(exporter.spans.length, 20);
    assert.equal(atReturn, 10);
    assert.equal(r2.exported, 10, "the second flush counts the export it waited for");
    assert.equal(r1.exported, 10, "a returned report does not change afterwards");
  });

  it("a SimpleSpanProcessor counts the exporter's flush in the flush that asked for it", async () => {
    let flushes = 0;
    const exporter = {
      export: () => Promise.resolve(ok(0)),
      forceFlush: () =>
        new Promise<FlushReport>((resolve) => {
          const n = ++flushes;
          setTimeout(() => resolve(ok(n === 1 ? 1 : 2)), n === 1 ? 60 : 10);
        }),
    };
    const simple = new SimpleSpanProcessor(exporter);
    const first = simple.forceFlush();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = simple.forceFlush();
    const r2 = await second;
    const atReturn = r2.exported;
    const r1 = await first;
    assert.equal(atReturn, 2);
    assert.equal(r1.exported, 1, "the first flush counts its own exporter flush");
    assert.equal(r2.exported, 2, "a returned report does not change afterwards");
  });
});
