// The OpenAI-style batch processor: traces queued on start and spans on end (so a trace header
// precedes its spans), batches, trigger size, schedule timer, drop-newest when full, exporter
// errors isolated, forceFlush/shutdown deadlines, and the end-to-end opt-in path to a loopback
// "OpenAI" receiver (skipped in workerd, which has no node:http server).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addTraceProcessor,
  BackendSpanExporter,
  BatchTraceProcessor,
  flushTraces,
  functionSpan,
  generationSpan,
  trace,
} from "../../src/agents/mod.ts";
import type { SpanView, TraceView, TracingExporter } from "../../src/agents/mod.ts";
import { delay, withDiagnostics } from "../_support/otlp_helpers.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { isWorkerd } from "../_support/runtime.ts";
import { agentSetup, spanItem } from "./_helpers.ts";

type Item = TraceView | SpanView;

/** An exporter that records each batch's records. */
class Recorder implements TracingExporter {
  readonly batches: unknown[][] = [];
  export(items: Item[]): void {
    this.batches.push(items.map((item) => item.toJSON()));
  }
  get ids(): unknown[] {
    return this.batches.flat().map((r) => (r as { id: unknown }).id);
  }
}

/** A fake span-like item. */
const item = spanItem;

/** An OpenAI exporter whose every request gets a 500, so it backs off 10 s; `calls` counts them. */
function failingBackend(): { exporter: BackendSpanExporter; calls: () => number } {
  let calls = 0;
  const exporter = new BackendSpanExporter({
    apiKey: "sk-test-key-123456",
    baseDelay: 10_000,
    env: () => undefined,
    fetch: () => (calls++, Promise.resolve(new Response("", { status: 500 }))),
  });
  return { exporter, calls: () => calls };
}

describe("BatchTraceProcessor", () => {
  it("exports a trace on start and spans on end, the trace header first", async () => {
    const { done } = agentSetup();
    try {
      const exporter = new Recorder();
      addTraceProcessor(new BatchTraceProcessor(exporter, { timers: false }));
      const t = trace("bot");
      t.run(() => {
        generationSpan({ model: "m" }).run(() => {
          functionSpan("tool").run(() => {});
        });
      });
      await flushTraces();
      const records = exporter.batches.flat() as { object: string; span_data?: { type: string } }[];
      assert.deepEqual(records.map((r) => r.span_data?.type ?? r.object), [
        "trace",
        "function",
        "generation",
      ]);
      assert.equal((records[0] as unknown as { id: string }).id, t.traceId);
    } finally {
      await done();
    }
  });

  it("exports in batches of maxBatchSize, in queue order", async () => {
    const exporter = new Recorder();
    const processor = new BatchTraceProcessor(exporter, { maxBatchSize: 2, timers: false });
    for (const id of ["a", "b", "c", "d", "e"]) processor.onSpanEnd(item(id));
    await processor.forceFlush();
    assert.deepEqual(exporter.batches.map((b) => b.length), [2, 2, 1]);
    assert.deepEqual(exporter.ids, ["a", "b", "c", "d", "e"]);
    assert.equal(processor.queueLength, 0);
  });

  it("exports a long queue in full batches, in order, while items keep arriving", async () => {
    const exporter = new Recorder();
    const processor = new BatchTraceProcessor(exporter, { maxBatchSize: 64, timers: false });
    for (let i = 0; i < 5000; i++) processor.onSpanEnd(item(`a${i}`));
    const late = Array.from({ length: 10 }, (_, i) => `b${i}`);
    const record = exporter.export.bind(exporter);
    exporter.export = (items) => {
      // Items queued during an export wait for the next drain, behind the rest.
      if (exporter.batches.length % 20 === 0) processor.onSpanEnd(item(late.shift() ?? "x"));
      record(items);
    };
    await processor.forceFlush();
    assert.deepEqual(exporter.batches.map((b) => b.length), [...Array(78).fill(64), 8]);
    assert.deepEqual(exporter.ids, Array.from({ length: 5000 }, (_, i) => `a${i}`));
    assert.equal(processor.queueLength, 4);
    await processor.forceFlush();
    assert.deepEqual(exporter.ids.slice(5000), ["b0", "b1", "b2", "b3"]);
    assert.equal(processor.queueLength, 0);
  });

  it("drops the newest items when the queue is full, reporting once", () =>
    withDiagnostics(async (diagnostics) => {
      const exporter = new Recorder();
      const processor = new BatchTraceProcessor(exporter, {
        maxQueueSize: 3,
        exportTriggerRatio: 1,
        timers: false,
      });
      for (const id of ["a", "b", "c", "d", "e"]) processor.onSpanEnd(item(id));
      assert.equal(processor.queueLength, 3);
      await processor.forceFlush();
      assert.deepEqual(exporter.ids, ["a", "b", "c"]);
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_queue_full"]);
    }));

  it("under more load than its exporter takes, one export waits at a time and a flush is not stuck behind a backlog", async () => {
    // Each tick used to queue one more export behind the running one (a chain growing without
    // bound); a flush after 1 s of load waited about 20 s behind it.
    let exports = 0;
    const exporter: TracingExporter = {
      export: () => (exports++, delay(20)),
    };
    const processor = new BatchTraceProcessor(exporter, {
      maxQueueSize: 1000,
      maxBatchSize: 100,
      exportTriggerRatio: 0.5,
      timers: false,
    });
    let producing = true;
    const producer = (async () => {
      for (let n = 0; producing; n++) {
        for (let i = 0; i < 200; i++) processor.onSpanEnd(item(`${n}.${i}`));
        await delay(0);
      }
    })();
    try {
      await withDiagnostics(async () => {
        await delay(1000);
        const before = exports;
        const started = Date.now();
        const flushed = await Promise.race([processor.forceFlush().then(() => true), delay(5000)]);
        assert.equal(flushed, true, "the flush must settle while the load goes on");
        assert.ok(Date.now() - started < 3000, `flush took ${Date.now() - started} ms`);
        assert.ok(exports - before <= 40, `${exports - before} exports: no backlog`);
      });
    } finally {
      producing = false;
      await producer;
      await processor.shutdown();
    }
  });

  it("exports without a flush when the trigger size is reached (no timers needed)", async () => {
    const exporter = new Recorder();
    const processor = new BatchTraceProcessor(exporter, {
      maxQueueSize: 10,
      exportTriggerRatio: 0.5,
      timers: false,
    });
    for (const id of ["a", "b", "c", "d"]) processor.onSpanEnd(item(id));
    await delay(20);
    assert.deepEqual(exporter.ids, [], "below the trigger size nothing is exported");
    processor.onSpanEnd(item("e"));
    await delay(20);
    assert.deepEqual(exporter.ids, ["a", "b", "c", "d", "e"]);
  });

  it("exports after scheduleDelay on its own", async () => {
    const exporter = new Recorder();
    const processor = new BatchTraceProcessor(exporter, { scheduleDelay: 20, timers: true });
    processor.onTraceStart(item("t") as unknown as TraceView);
    const started = Date.now();
    while (exporter.ids.length === 0 && Date.now() - started < 2000) await delay(10);
    assert.deepEqual(exporter.ids, ["t"]);
    await processor.shutdown();
  });

  it("scheduleDelay: 0 exports right after the current task, everything queued by then", async () => {
    const exporter = new Recorder();
    const processor = new BatchTraceProcessor(exporter, { scheduleDelay: 0, timers: true });
    processor.onTraceStart(item("t") as unknown as TraceView);
    processor.onSpanEnd(item("s"));
    assert.deepEqual(exporter.ids, [], "not exported synchronously");
    const started = Date.now();
    while (exporter.ids.length < 2 && Date.now() - started < 2000) await delay(10);
    assert.deepEqual(exporter.batches, [[{ id: "t" }, { id: "s" }]], "one batch, well before 5 s");
    await processor.shutdown();
  });

  it("isolates an exporter that throws: the next batch is still exported", () =>
    withDiagnostics(async (diagnostics) => {
      const exported: unknown[] = [];
      let calls = 0;
      const processor = new BatchTraceProcessor({
        export(items) {
          if (++calls === 1) throw new Error("boom");
          exported.push(...items.map((i) => i.toJSON()));
        },
      }, { maxBatchSize: 1, timers: false });
      processor.onSpanEnd(item("a"));
      processor.onSpanEnd(item("b"));
      await processor.forceFlush();
      assert.deepEqual(exported, [{ id: "b" }]);
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_export_failed"]);
    }));

  it("forceFlush gives up waiting at exportTimeoutMillis when the exporter hangs", () =>
    withDiagnostics(async (diagnostics) => {
      const processor = new BatchTraceProcessor(
        { export: () => new Promise<void>(() => {}) },
        { exportTimeoutMillis: 200, timers: false },
      );
      processor.onSpanEnd(item("a"));
      const started = Date.now();
      await processor.forceFlush();
      assert.ok(Date.now() - started < 2000);
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_processor_timeout"]);
      // Half a second later the export is given up on too: reported here, not in a later test.
      while (diagnostics.length < 2 && Date.now() - started < 5000) await delay(20);
      assert.deepEqual(diagnostics.map((d) => d.code), [
        "agent_processor_timeout",
        "agent_export_timeout",
      ]);
    }));

  it("shutdown(timeout) aborts the export at the deadline and drops what is left", () =>
    withDiagnostics(async (diagnostics) => {
      const signals: AbortSignal[] = [];
      const processor = new BatchTraceProcessor({
        export: (_items, signal) =>
          new Promise<void>((resolve) => {
            signals.push(signal!);
            signal!.addEventListener("abort", () => resolve());
          }),
      }, { maxBatchSize: 1, timers: false });
      for (const id of ["a", "b", "c"]) processor.onSpanEnd(item(id));
      const started = Date.now();
      await processor.shutdown(200);
      assert.ok(Date.now() - started < 2000, "settles soon after the deadline");
      assert.equal(signals.length >= 1 && signals[0].aborted, true);
      assert.equal(processor.queueLength, 0);
      assert.ok(diagnostics.some((d) => d.code === "agent_queue_dropped"));
      processor.onSpanEnd(item("late"));
      assert.equal(processor.queueLength, 0, "nothing is queued after shutdown");
      assert.equal(await Promise.race([processor.shutdown(), "again"]), undefined);
    }));

  it("shutdown(timeout) ends the back-off of an export already running: it retries at once", () =>
    withDiagnostics(async (diagnostics) => {
      const { exporter, calls } = failingBackend();
      const processor = new BatchTraceProcessor(exporter, {
        maxQueueSize: 1,
        exportTriggerRatio: 1,
        timers: false,
      });
      processor.onSpanEnd({ export: () => ({ object: "trace.span", id: "s" }) } as never);
      await delay(50); // the triggered export got a 500 and is backing off for 10 s
      assert.equal(calls(), 1);
      const started = Date.now();
      await processor.shutdown(300);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(calls(), 3, "every attempt is made, without waiting");
      assert.match(diagnostics.map((d) => d.message).join(), /after 3 attempts/);
    }));

  it("shutdown(timeout) delivers what is queued behind a backing-off export once the server recovers", () =>
    withDiagnostics(async () => {
      let calls = 0;
      const posted: string[] = [];
      const exporter = new BackendSpanExporter({
        apiKey: "sk-test-key-123456",
        baseDelay: 5000,
        env: () => undefined,
        fetch: (_url, init) => {
          if (++calls === 1) return Promise.resolve(new Response("", { status: 503 }));
          const body = JSON.parse(String(init.body)) as { data: { id: string }[] };
          posted.push(...body.data.map((record) => record.id));
          return Promise.resolve(new Response("{}", { status: 200 }));
        },
      });
      const processor = new BatchTraceProcessor(exporter, {
        maxQueueSize: 100,
        exportTriggerRatio: 0.01,
        timers: false,
      });
      const span = (id: string) => ({ export: () => ({ object: "trace.span", id }) }) as never;
      processor.onSpanEnd(span("first")); // exported at once: 503, then a 5 s back-off
      await delay(50);
      for (const id of ["s1", "s2", "s3"]) processor.onSpanEnd(span(id));
      await processor.shutdown(2000);
      assert.deepEqual(posted, ["first", "s1", "s2", "s3"]);
      assert.equal(processor.queueLength, 0);
    }));

  it("shutdown without a timeout keeps the back-off and ends it at exportTimeoutMillis", () =>
    withDiagnostics(async () => {
      const { exporter, calls } = failingBackend();
      const processor = new BatchTraceProcessor(exporter, {
        timers: false,
        exportTimeoutMillis: 300,
      });
      processor.onSpanEnd({ export: () => ({ object: "trace.span", id: "s" }) } as never);
      const started = Date.now();
      await processor.shutdown();
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(calls(), 1);
    }));
});

describe("Opt-in to the OpenAI backend end to end", { skip: isWorkerd }, () => {
  it("addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter())) posts the trace before its spans", async () => {
    const { done } = agentSetup();
    try {
      await withReceiver(async (receiver) => {
        addTraceProcessor(
          new BatchTraceProcessor(
            new BackendSpanExporter({ endpoint: receiver.url, apiKey: "sk-e2e-key-1234" }),
            { timers: false },
          ),
        );
        trace("bot", { groupId: "g1" }).run(() => {
          functionSpan("tool", { input: "{}" }).run(() => {});
        });
        await flushTraces();
        assert.equal(receiver.requests.length, 1);
        const body = JSON.parse(new TextDecoder().decode(receiver.requests[0].body));
        assert.deepEqual(body.data.map((d: { object: string }) => d.object), [
          "trace",
          "trace.span",
        ]);
        assert.equal(body.data[1].trace_id, body.data[0].id);
      });
    } finally {
      await done();
    }
  });
});
