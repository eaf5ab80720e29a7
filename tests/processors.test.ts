import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, SimpleSpanProcessor, Tracer } from "../mod.ts";
import type { SpanProcessor } from "../mod.ts";
import { captureDiagnostics, CollectingProcessor, MemoryExporter } from "./_support/collect.ts";

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
      maxBatchSize: 3,
      scheduleDelayMs: 60_000,
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

  it("batch processor exports on its schedule without keeping the process alive", async () => {
    const exporter = new MemoryExporter();
    const tracer = new Tracer({
      processors: [new BatchSpanProcessor(exporter, { scheduleDelayMs: 10 })],
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
      maxBatchSize: 4,
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
        maxBatchSize: bad,
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

  it("drop-oldest policy keeps the newest spans", async () => {
    const exporter = new MemoryExporter();
    const tracer = new Tracer({
      processors: [
        new BatchSpanProcessor(exporter, {
          maxQueueSize: 2,
          maxBatchSize: 10,
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
});
