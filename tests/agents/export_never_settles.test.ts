// An export that never settles must not stall the OpenAI export path: a custom fetch that ignores
// its AbortSignal (the attempt is given up after attemptTimeoutMillis, as a timeout, and retried), and
// a TracingExporter whose export never settles (BatchTraceProcessor stops waiting for it, so later
// batches are still exported). Injected fetch and exporters only: runs in workerd too.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackendSpanExporter, BatchTraceProcessor } from "../../src/agents/mod.ts";
import type { BackendFetch, SpanView, TracingExporter } from "../../src/agents/mod.ts";
import { settlesWithin } from "../../src/settles_within.ts";
import { delay, withDiagnostics } from "../_support/otlp_helpers.ts";

const KEY = "sk-test-never-settles-0123456789";

/** A span-like item whose backend record is a span with `id`. */
function item(id: string): SpanView {
  return { export: () => ({ object: "trace.span", id }), toJSON: () => ({ id }) } as never;
}

/**
 * A fetch whose first call never settles and ignores its signal; later calls answer 200 and keep
 * the record ids they posted.
 */
function hangsOnce(): { fetch: BackendFetch; posted: string[]; calls: () => number } {
  let calls = 0;
  const posted: string[] = [];
  const fetch: BackendFetch = (_url, init) => {
    if (++calls === 1) return new Promise<Response>(() => {});
    const body = JSON.parse(String(init.body)) as { data: { id: string }[] };
    posted.push(...body.data.map((record) => record.id));
    return Promise.resolve(new Response("{}", { status: 200 }));
  };
  return { fetch, posted, calls: () => calls };
}

/** An exporter with a short attempt time limit and back-off, posting through `fetch`. */
function exporterWith(fetch: BackendFetch, maxRetries: number): BackendSpanExporter {
  return new BackendSpanExporter({
    apiKey: KEY,
    env: () => undefined,
    fetch,
    maxRetries,
    baseDelay: 5,
    attemptTimeoutMillis: 100,
  });
}

describe("BackendSpanExporter with a fetch that never settles", () => {
  it("gives the attempt up after attemptTimeoutMillis and retries it", () =>
    withDiagnostics(async (diagnostics) => {
      const backend = hangsOnce();
      const exporter = exporterWith(backend.fetch, 2);
      assert.equal(
        await settlesWithin(exporter.export([item("a")]), 5000),
        true,
        "export() settles",
      );
      assert.equal(backend.calls(), 2, "the attempt with no answer was retried");
      assert.deepEqual(backend.posted, ["a"]);
      await exporter.export([item("b")]);
      assert.deepEqual(backend.posted, ["a", "b"], "later items are exported");
      assert.deepEqual(diagnostics.map((d) => d.code), []);
    }));

  it("with one attempt, reports the items not sent and exports later ones", () =>
    withDiagnostics(async (diagnostics) => {
      const backend = hangsOnce();
      const exporter = exporterWith(backend.fetch, 1);
      assert.equal(
        await settlesWithin(exporter.export([item("a")]), 5000),
        true,
        "export() settles",
      );
      assert.deepEqual(diagnostics.map((d) => d.code), ["openai_export_failed"]);
      assert.match(diagnostics[0].message, /no answer within 100 ms after 1 attempts/);
      await exporter.export([item("b")]);
      assert.deepEqual(backend.posted, ["b"]);
    }));

  it("does not stall a BatchTraceProcessor: the next flush exports the items queued since", () =>
    withDiagnostics(async (diagnostics) => {
      const backend = hangsOnce();
      const processor = new BatchTraceProcessor(exporterWith(backend.fetch, 1), {
        timers: false,
        exportTimeoutMillis: 300,
      });
      processor.onSpanEnd(item("a"));
      await processor.forceFlush(); // its request never answers: given up after 100 ms
      processor.onSpanEnd(item("b"));
      await processor.forceFlush();
      assert.deepEqual(backend.posted, ["b"]);
      assert.equal(processor.queueLength, 0);
      const codes = diagnostics.map((d) => d.code);
      assert.deepEqual(codes, ["openai_export_failed"], "no flush ran into its timeout");
      await processor.shutdown();
    }));
});

describe("BatchTraceProcessor with an exporter whose export never settles", () => {
  it("stops waiting for it, so later batches still reach the exporter without a flush", () =>
    withDiagnostics(async (diagnostics) => {
      const calls: string[][] = [];
      const signals: AbortSignal[] = [];
      const exporter: TracingExporter = {
        export(items, signal) {
          calls.push(items.map((i) => (i.toJSON() as { id: string }).id));
          signals.push(signal!);
          return calls.length === 1 ? new Promise<void>(() => {}) : undefined;
        },
      };
      // Every item triggers an export (no timers, no flush).
      const processor = new BatchTraceProcessor(exporter, {
        maxQueueSize: 2,
        maxBatchSize: 1,
        exportTriggerRatio: 0.5,
        timers: false,
        exportTimeoutMillis: 200,
      });
      processor.onSpanEnd(item("a")); // exported at once; never settles
      await delay(10);
      for (const id of ["b", "c"]) processor.onSpanEnd(item(id));
      const started = Date.now();
      while (calls.length < 2 && Date.now() - started < 5000) await delay(20);
      assert.deepEqual(calls, [["a"], ["b"], ["c"]].slice(0, calls.length));
      assert.ok(calls.length >= 2, `later batches reached the exporter: ${JSON.stringify(calls)}`);
      while (calls.length < 3 && Date.now() - started < 5000) await delay(20);
      assert.deepEqual(calls, [["a"], ["b"], ["c"]]);
      processor.onSpanEnd(item("d")); // the queue is not stuck full
      await processor.forceFlush();
      assert.deepEqual(calls.at(-1), ["d"]);
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_export_timeout"]);
      assert.match(diagnostics[0].message, /its 1 traces and spans may still be delivered/);
      // The export given up on still gets its signal aborted by the shutdown.
      assert.equal(signals[0].aborted, false);
      await processor.shutdown(50);
      assert.equal(signals[0].aborted, true);
    }));

  it("a flush behind it exports what was queued once it is no longer waited for", () =>
    withDiagnostics(async (diagnostics) => {
      const exported: string[] = [];
      let calls = 0;
      const processor = new BatchTraceProcessor({
        export(items) {
          if (++calls === 1) return new Promise<void>(() => {});
          exported.push(...items.map((i) => (i.toJSON() as { id: string }).id));
        },
      }, { timers: false, exportTimeoutMillis: 200 });
      processor.onSpanEnd(item("a"));
      await processor.forceFlush(); // runs into its 200 ms: the export never settles
      processor.onSpanEnd(item("b"));
      const started = Date.now();
      while (!exported.includes("b") && Date.now() - started < 5000) await processor.forceFlush();
      assert.deepEqual(exported, ["b"]);
      assert.ok(diagnostics.some((d) => d.code === "agent_export_timeout"));
      await processor.shutdown(50);
    }));
});
