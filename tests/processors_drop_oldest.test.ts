// The batch processor's "oldest" drop policy with large queues (an exporter that is down while
// spans keep ending): which spans it keeps, how it counts the drops, its byte bound, and that the
// work per dropped span does not grow with the queue. The last is checked by counting the array
// elements that splice, shift and slice move or copy while spans are dropped — a deterministic
// measure (taking the oldest span with `splice(0, 1)` moved the whole queue for each one), not a
// timing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { estimateSpanBytes } from "../src/processor/span_bytes.ts";
import type { FlushReport, SpanExporter, SpanRecord } from "../mod.ts";
import { captureDiagnostics } from "./_support/collect.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

/** An exporter that is down (its exports stay pending) until `recover()`, then exports at once. */
class DownExporter implements SpanExporter {
  readonly batches: string[][] = [];
  #up = false;
  #waiting: (() => void)[] = [];

  async export(spans: readonly SpanRecord[]): Promise<FlushReport> {
    if (!this.#up) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.batches.push(spans.map((span) => span.name));
    return { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
  }

  recover(): void {
    this.#up = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }

  get exported(): string[] {
    return this.batches.flat();
  }
}

const names = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `s${from + i}`);

/** A small deterministic PRNG (mulberry32), so the sizes below are the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Elements that `Array.prototype` splice, shift and slice move or copy while `fn` runs. */
function elementsMoved(fn: () => void): number {
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = { splice: proto.splice, shift: proto.shift, slice: proto.slice };
  let moved = 0;
  proto.splice = function (this: unknown[], ...args: unknown[]) {
    moved += this.length;
    return originals.splice.apply(this, args);
  };
  proto.shift = function (this: unknown[], ...args: unknown[]) {
    moved += this.length;
    return originals.shift.apply(this, args);
  };
  proto.slice = function (this: unknown[], ...args: unknown[]) {
    const copy = originals.slice.apply(this, args) as unknown[];
    moved += copy.length;
    return copy;
  };
  try {
    fn();
  } finally {
    Object.assign(proto, originals);
  }
  return moved;
}

describe("batch processor, drop policy oldest, large queue", () => {
  it("keeps the newest maxQueueSize spans in order and counts every drop as queue_full", async () => {
    await captureDiagnostics(async () => {
      const exporter = new DownExporter();
      const processor = new BatchSpanProcessor(exporter, {
        maxQueueSize: 20_000,
        maxExportBatchSize: 500,
        timers: false,
        dropPolicy: "oldest",
      });
      // Ended in one synchronous run: no drain has taken anything yet, so the queue fills up
      // and each of the last 40 000 spans drops the oldest one.
      for (let i = 0; i < 60_000; i++) processor.onSpanEnd(makeSpanRecord({ name: `s${i}` }));
      assert.equal(processor.queueLength, 20_000);

      // The drain starts now: it takes the oldest batch (s40000…s40499) and waits on the exporter.
      await new Promise((resolve) => setTimeout(resolve, 0));
      assert.equal(processor.queueLength, 19_500);
      // More spans while it waits: 500 fit, the next 1 000 drop s40500…s41499.
      for (let i = 60_000; i < 61_500; i++) {
        processor.onSpanEnd(makeSpanRecord({ name: `s${i}` }));
      }
      assert.equal(processor.queueLength, 20_000);

      exporter.recover();
      const report = await processor.forceFlush();
      assert.deepEqual(report.dropped, { queue_full: 41_000 });
      assert.equal(report.exported, 20_500);
      assert.equal(report.failed, 0);
      assert.deepEqual(exporter.exported, [...names(40_000, 40_500), ...names(41_500, 61_500)]);
      assert.ok(exporter.batches.every((batch) => batch.length <= 500));
      assert.equal(processor.queueLength, 0);

      // The queue is usable again, and a full one drops the oldest again.
      for (let i = 0; i < 20_003; i++) processor.onSpanEnd(makeSpanRecord({ name: `t${i}` }));
      const again = await processor.forceFlush();
      assert.deepEqual(again.dropped, { queue_full: 3 });
      assert.equal(again.exported, 20_000);
      assert.equal(exporter.exported.at(-20_000), "t3");
      assert.equal(exporter.exported.at(-1), "t20002");
      await processor.shutdown();
    });
  });

  it("with the byte bound binding, keeps the same spans as dropping the oldest one at a time", async () => {
    await captureDiagnostics(async () => {
      const maxQueueBytes = 1_000_000;
      const next = random(11);
      const exporter = new DownExporter();
      const processor = new BatchSpanProcessor(exporter, {
        maxQueueSize: 100_000, // never reached: the bytes bind
        maxQueueBytes,
        maxExportBatchSize: 256,
        timers: false,
        dropPolicy: "oldest",
      });
      // The model: a plain list, dropping the oldest span while the new one does not fit.
      let model: { name: string; bytes: number }[] = [];
      let modelBytes = 0;
      const end = (i: number) => {
        const span = makeSpanRecord({
          name: `s${i}`,
          attributes: { blob: "x".repeat(Math.floor(next() ** 3 * 4_000)) },
        });
        const bytes = estimateSpanBytes(span);
        processor.onSpanEnd(span);
        if (bytes > maxQueueBytes) return;
        while (modelBytes + bytes > maxQueueBytes) modelBytes -= model.shift()!.bytes;
        model.push({ name: span.name, bytes });
        modelBytes += bytes;
      };
      let ended = 0;
      for (; ended < 5_000; ended++) end(ended);
      assert.equal(processor.queueLength, model.length);
      assert.ok(model.length > 100 && model.length < 5_000, String(model.length));

      // A drain takes the oldest batch and waits on the exporter; spans keep ending meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const firstBatch = model.slice(0, 256).map((span) => span.name);
      model = model.slice(256);
      modelBytes = model.reduce((sum, span) => sum + span.bytes, 0);
      assert.equal(processor.queueLength, model.length);
      for (; ended < 30_000; ended++) end(ended);
      assert.equal(processor.queueLength, model.length);

      exporter.recover();
      const report = await processor.forceFlush();
      assert.deepEqual(exporter.exported, [...firstBatch, ...model.map((span) => span.name)]);
      assert.equal(report.exported, 256 + model.length);
      assert.deepEqual(report.dropped, { queue_full: 30_000 - 256 - model.length });
      await processor.shutdown();
    });
  });

  it("drops the oldest span with work that does not grow with the queue", async () => {
    await captureDiagnostics(async () => {
      const queueSize = 10_000;
      const exporter = new DownExporter();
      const processor = new BatchSpanProcessor(exporter, {
        maxQueueSize: queueSize,
        exportTriggerSize: queueSize,
        timers: false,
        dropPolicy: "oldest",
      });
      const spans = Array.from(
        { length: 3 * queueSize },
        (_, i) => makeSpanRecord({ name: `s${i}` }),
      );
      for (const span of spans.slice(0, queueSize)) processor.onSpanEnd(span);
      const drops = 2 * queueSize;
      const moved = elementsMoved(() => {
        for (const span of spans.slice(queueSize)) processor.onSpanEnd(span);
      });
      assert.equal(processor.queueLength, queueSize);
      // Taking each oldest span with splice(0, 1) moved both whole arrays: 2 × 10 000 a drop.
      assert.ok(moved / drops <= 32, `${(moved / drops).toFixed(1)} elements moved per drop`);
      exporter.recover();
      const report = await processor.shutdown();
      assert.deepEqual(report.dropped, { queue_full: drops });
      assert.equal(report.exported, queueSize);
    });
  });
});
