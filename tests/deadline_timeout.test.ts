// shutdown() and forceFlush() take an epoch-ms deadline; a number below 10^12 (before September
// 2001) is a timeout in ms from now, as other SDKs' shutdown(timeoutMillis). Before, a caller's
// `shutdown(5000)` was a deadline in 1970: every queued span was dropped at once, silently.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { SimpleSpanProcessor } from "../src/processor/simple.ts";
import { configure } from "../src/portable.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { Tracer } from "../src/tracer.ts";
import type { SpanExporter } from "../src/processor/types.ts";
import type { FlushReport, SpanRecord } from "../src/types.ts";
import { isolated } from "./_support/global_state.ts";

/** An exporter that answers after `ms`, collecting what it exported. */
function slowExporter(ms: number): SpanExporter & { names: string[] } {
  const names: string[] = [];
  return {
    names,
    async export(spans: readonly SpanRecord[]): Promise<FlushReport> {
      await new Promise((resolve) => setTimeout(resolve, ms));
      names.push(...spans.map((span) => span.name));
      return { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
    },
  };
}

describe("a deadline below 10^12 is a timeout in ms", () => {
  it("tracer.shutdown(5000) exports what is queued", async () => {
    const exporter = slowExporter(30);
    const tracer = new Tracer({
      processors: [new BatchSpanProcessor(exporter, { timers: false })],
    });
    tracer.startSpan("queued").end();
    const report = await tracer.shutdown(5000);
    assert.deepEqual(exporter.names, ["queued"]);
    assert.equal(report.exported, 1);
    assert.deepEqual(report.dropped, {});
  });

  it("BatchSpanProcessor.forceFlush(5000) and SimpleSpanProcessor.shutdown(5000) wait for the export", async () => {
    const batched = slowExporter(30);
    const batch = new BatchSpanProcessor(batched, { timers: false });
    const tracer = new Tracer({ processors: [batch] });
    tracer.startSpan("flushed").end();
    assert.equal((await batch.forceFlush(5000)).exported, 1);
    assert.deepEqual(batched.names, ["flushed"]);
    const simpleExporter = slowExporter(30);
    const simple = new SimpleSpanProcessor(simpleExporter);
    new Tracer({ processors: [simple] }).startSpan("simple").end();
    const report = await simple.shutdown(5000);
    assert.deepEqual(simpleExporter.names, ["simple"]);
    assert.deepEqual(report.dropped, {});
  });

  it("SimpleSpanProcessor.forceFlush(5000) hands the exporter an epoch-ms deadline", async () => {
    const deadlines: (number | undefined)[] = [];
    const exporter = {
      ...slowExporter(1),
      forceFlush(options?: { deadline?: number }): Promise<FlushReport> {
        deadlines.push(options?.deadline);
        return Promise.resolve({ exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 });
      },
    };
    const before = Date.now();
    await new SimpleSpanProcessor(exporter).forceFlush(5000);
    assert.equal(deadlines.length, 1);
    assert.ok(
      deadlines[0]! >= before + 5000 && deadlines[0]! <= Date.now() + 5000,
      `${deadlines[0]}`,
    );
  });

  it("configure().shutdown(5000) exports what is queued", () =>
    isolated(async () => {
      const exporter = slowExporter(30);
      const tracing = configure({
        storage: new MemoryStorage(),
        processors: [new BatchSpanProcessor(exporter, { timers: false })],
      });
      tracing.tracer.startSpan("configured").end();
      const report = await tracing.shutdown(5000);
      assert.ok(exporter.names.includes("configured"));
      assert.deepEqual(report.dropped, {});
    }));
});
