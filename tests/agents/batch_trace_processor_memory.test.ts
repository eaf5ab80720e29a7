// The BatchTraceProcessor's byte bound (`maxQueueBytes`): large items are dropped once the
// estimated bytes would pass it (reported as for the count bound), small ones are unaffected, a
// tracelet agent span counts the tracelet span it holds, and hostile span data cannot make the
// estimate throw or run long.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addTraceProcessor,
  BatchTraceProcessor,
  generationSpan,
  trace,
} from "../../src/agents/mod.ts";
import type { SpanView, TraceView, TracingExporter } from "../../src/agents/mod.ts";
import { estimateSpanBytes } from "../../src/processor/span_bytes.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";
import { agentSetup } from "./_helpers.ts";

/** An exporter that keeps the ids of what it got. */
class Recorder implements TracingExporter {
  readonly ids: unknown[] = [];
  export(items: (TraceView | SpanView)[]): void {
    for (const item of items) this.ids.push((item.toJSON() as { id: unknown }).id);
  }
}

/** A fake span-like item carrying `spanData`. */
function item(id: string, spanData: unknown = { type: "custom" }): SpanView {
  return { spanData, toJSON: () => ({ id }) } as unknown as SpanView;
}

const LARGE = "x".repeat(100_000);

describe("BatchTraceProcessor byte bound", () => {
  it("keeps large items under maxQueueBytes, dropping the newest and reporting once", () =>
    withDiagnostics(async (diagnostics) => {
      const exporter = new Recorder();
      const processor = new BatchTraceProcessor(exporter, {
        maxQueueBytes: 1_000_000,
        exportTriggerRatio: 1,
        timers: false,
      });
      for (let i = 0; i < 50; i++) {
        processor.onSpanEnd(item(`s${i}`, { type: "generation", input: [{ content: LARGE }] }));
        assert.ok(processor.queueBytes <= 1_000_000, `${processor.queueBytes} bytes queued`);
      }
      const kept = processor.queueLength;
      assert.ok(kept >= 5 && kept < 10, `${kept} items kept`);
      await processor.forceFlush();
      assert.deepEqual(exporter.ids, Array.from({ length: kept }, (_, i) => `s${i}`));
      assert.equal(50 - exporter.ids.length, 50 - kept); // the rest was dropped
      assert.equal(processor.queueBytes, 0);
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_queue_full"]);
      // Drained, it takes large items again.
      processor.onSpanEnd(item("after", { input: LARGE }));
      assert.equal(processor.queueLength, 1);
    }));

  it("leaves small items to the count bound", () =>
    withDiagnostics(async (diagnostics) => {
      const exporter = new Recorder();
      const processor = new BatchTraceProcessor(exporter, { timers: false });
      for (let i = 0; i < 5000; i++) {
        processor.onSpanEnd(item(`s${i}`, { type: "function", name: "f", input: "{}" }));
      }
      assert.equal(processor.queueLength, 5000);
      assert.ok(processor.queueBytes > 0 && processor.queueBytes < 2 ** 25);
      await processor.forceFlush();
      assert.equal(exporter.ids.length, 5000);
      assert.deepEqual(diagnostics, []);
    }));

  it("exports as soon as the trigger share of the bytes is queued", async () => {
    const exporter = new Recorder();
    const processor = new BatchTraceProcessor(exporter, {
      maxQueueBytes: 1_000_000,
      timers: false,
    });
    for (let i = 0; i < 8; i++) processor.onSpanEnd(item(`s${i}`, { input: LARGE }));
    await processor.forceFlush(); // after the triggered export
    assert.equal(exporter.ids.length, 8);
    assert.equal(processor.queueBytes, 0);
  });

  it("counts a tracelet agent span's data and the tracelet span it holds", async () => {
    const { done } = agentSetup();
    try {
      const processor = new BatchTraceProcessor(new Recorder(), { timers: false });
      addTraceProcessor(processor);
      trace("bot").run(() => {
        const before = processor.queueBytes; // the trace header
        const g = generationSpan({ model: "m", input: [{ role: "user", content: LARGE }] });
        g.start().finish();
        const span = processor.queueBytes - before;
        const tracelet = estimateSpanBytes(g.span!);
        assert.ok(span > LARGE.length + tracelet && span < 2 * LARGE.length, `${span} bytes`);
      });
    } finally {
      await done();
    }
  });

  it("estimates hostile span data without throwing, in bounded time", () =>
    withDiagnostics(async (diagnostics) => {
      const processor = new BatchTraceProcessor(new Recorder(), { timers: false });
      const cyclic: Record<string, unknown> = { text: LARGE };
      cyclic.self = cyclic;
      const revoked = Proxy.revocable({}, {});
      revoked.revoke();
      const throwing = {
        a: "a",
        get b(): string {
          throw new Error("no");
        },
      };
      const sparse: unknown[] = [];
      sparse.length = 2 ** 31;
      const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
      const started = Date.now();
      for (const data of [cyclic, revoked.proxy, throwing, sparse, wide, null, 42, LARGE]) {
        processor.onSpanEnd(item("s", data));
      }
      assert.ok(Date.now() - started < 1000);
      assert.equal(processor.queueLength, 8);
      // The cycle is counted once: about one copy of its string.
      assert.ok(processor.queueBytes < 4 * LARGE.length, `${processor.queueBytes} bytes`);
      await processor.shutdown();
      assert.deepEqual(diagnostics, []);
    }));
});
