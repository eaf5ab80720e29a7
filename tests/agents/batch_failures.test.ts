// What a BatchTraceProcessor loses is counted and said: items its exporter could not deliver are
// `failed` in the flush reports of the tracer it was added to (9 POSTs answered 500, 6 items lost,
// and every flushTraces() report said failed 0); the OpenAI exporter's throttled diagnostic says
// how many items were lost since the previous one; an item larger than the whole queue is dropped
// as `too_large` with its size and the limit (it was "Trace queue is full" with an empty queue),
// or queued as the OpenAI exporter will send it, cut; items that reach a processor shut down are
// reported once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BackendSpanExporter, BatchTraceProcessor } from "../../src/agents/mod.ts";
import {
  addTraceProcessor,
  flushTraces,
  functionSpan,
  generationSpan,
  setTraceProcessors,
  trace,
} from "../../src/agents/mod.ts";
import type { BackendSpanExporterOptions } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup, spanItem } from "./_helpers.ts";

/** An OpenAI exporter whose backend answers `status` to every request; `bodies` keeps them. */
function backend(status: number, options: BackendSpanExporterOptions = {}) {
  const bodies: string[] = [];
  const exporter = new BackendSpanExporter({
    apiKey: "sk-test-key-123456",
    baseDelay: 1,
    env: () => undefined,
    ...options,
    fetch: (_url, init) => {
      bodies.push(String(init.body));
      return Promise.resolve(new Response(status < 300 ? "{}" : "down", { status }));
    },
  });
  return { exporter, bodies };
}

describe("items a BatchTraceProcessor's exporter could not deliver", () => {
  it("are counted as failed in flushTraces() reports, and what was delivered as exported", async () => {
    const { done } = agentSetup();
    try {
      const down = backend(500);
      addTraceProcessor(new BatchTraceProcessor(down.exporter, { timers: false }));
      const { result: reports } = await captureDiagnostics(async () => {
        const reports = [];
        for (let i = 0; i < 3; i++) {
          await trace(`conversation-${i}`).run(() => functionSpan("tool").run(() => {}));
          reports.push(await flushTraces());
        }
        return reports;
      });
      assert.deepEqual(reports.map((r) => [r.exported, r.failed]), [[0, 2], [0, 2], [0, 2]]);
      assert.equal(down.bodies.length, 9, "3 attempts per flush");
      setTraceProcessors([]);
      const up = backend(200);
      addTraceProcessor(new BatchTraceProcessor(up.exporter, { timers: false }));
      await trace("ok").run(() => functionSpan("tool").run(() => {}));
      const report = await flushTraces();
      assert.deepEqual([report.exported, report.failed], [2, 0]);
    } finally {
      await done();
    }
  });

  it("are counted as failed when the exporter throws, with the drops since the last report", async () => {
    const { done } = agentSetup();
    try {
      const processor = new BatchTraceProcessor({
        export: () => {
          throw new Error("disk full");
        },
      }, { timers: false, maxQueueSize: 2, exportTriggerRatio: 1 });
      addTraceProcessor(processor);
      const { result: report, diagnostics } = await captureDiagnostics(async () => {
        trace("wf").run(() => {
          for (let i = 0; i < 3; i++) functionSpan("tool").run(() => {});
        });
        return await flushTraces();
      });
      assert.equal(report.failed, 2);
      assert.deepEqual(report.dropped, { queue_full: 2 });
      assert.deepEqual(diagnostics.map((d) => d.code).sort(), [
        "agent_export_failed",
        "agent_queue_full",
      ]);
      assert.deepEqual((await flushTraces()).dropped, {}, "counted once");
    } finally {
      await done();
    }
  });
});

describe("the OpenAI exporter's diagnostic of items it could not send", () => {
  it("comes at most once a minute, saying how many items were lost since the previous one", async () => {
    const { exporter } = backend(500, { maxRetries: 1 });
    const now = Date.now;
    const { diagnostics } = await captureDiagnostics(async () => {
      try {
        for (let i = 0; i < 4; i++) {
          if (i === 3) Date.now = () => now() + 61_000; // a minute later
          await exporter.export([spanItem(`a${i}`), spanItem(`b${i}`)]);
        }
      } finally {
        Date.now = now;
      }
    });
    assert.deepEqual(diagnostics.map((d) => d.code), [
      "openai_export_failed",
      "openai_export_failed",
    ]);
    assert.doesNotMatch(diagnostics[0].message, /since the previous report/);
    assert.match(diagnostics[1].message, /^6 trace items lost since the previous report/);
    assert.match(diagnostics[1].message, /2 trace items not sent to OpenAI: HTTP 500/);
  });

  it("tells the processor how many items it gave up on", async () => {
    const { exporter } = backend(400);
    let lost = 0;
    await captureDiagnostics(() =>
      exporter.export([spanItem("a"), spanItem("b")], undefined, undefined, undefined, (n) => {
        lost += n;
      })
    );
    assert.equal(lost, 2);
  });
});

describe("an item larger than a BatchTraceProcessor's whole queue", () => {
  /** A generation span whose input holds `bytes` characters. */
  const bigGeneration = (bytes: number) =>
    trace("vision").run(() =>
      generationSpan({ model: "m", input: [{ role: "user", content: "A".repeat(bytes) }] })
        .run(() => {})
    );

  it("is dropped as too_large, reported with its size and the limit (not as a full queue)", async () => {
    const { done } = agentSetup();
    try {
      const exported: unknown[] = [];
      const processor = new BatchTraceProcessor(
        { export: (items) => void exported.push(...items) },
        {
          timers: false,
          maxQueueBytes: 50_000,
        },
      );
      addTraceProcessor(processor);
      const { result: report, diagnostics } = await captureDiagnostics(async () => {
        bigGeneration(100_000);
        return await flushTraces();
      });
      assert.deepEqual(processor.dropped, { too_large: 1 });
      assert.deepEqual(report.dropped, { too_large: 1 });
      assert.equal(exported.length, 1, "the trace");
      assert.deepEqual(diagnostics.map((d) => d.code), ["agent_item_too_large"]);
      assert.match(diagnostics[0].message, /of about \d{6,} estimated bytes/);
      assert.match(diagnostics[0].message, /maxQueueBytes 50000/);
    } finally {
      await done();
    }
  });

  it("is queued as the OpenAI exporter will send it, cut, when that fits", async () => {
    const { done } = agentSetup();
    try {
      const { exporter, bodies } = backend(200, { sanitize: true, maxFieldBytes: 1000 });
      const processor = new BatchTraceProcessor(exporter, { timers: false, maxQueueBytes: 50_000 });
      addTraceProcessor(processor);
      const { diagnostics } = await captureDiagnostics(async () => {
        bigGeneration(100_000);
        await flushTraces();
      });
      assert.deepEqual(processor.dropped, {});
      assert.deepEqual(diagnostics, []);
      const records = bodies.flatMap((body) => JSON.parse(body).data) as {
        object: string;
        span_data?: { input?: unknown };
      }[];
      assert.deepEqual(records.map((r) => r.object), ["trace", "trace.span"]);
      const input = JSON.stringify(records[1].span_data?.input);
      assert.ok(input.length < 2000, `input cut to ${input.length} characters`);
      assert.match(input, /\[truncated\]/);
    } finally {
      await done();
    }
  });
});

describe("items that reach a BatchTraceProcessor after its shutdown", () => {
  it("are dropped as shutdown and reported once for the processor", async () => {
    const processor = new BatchTraceProcessor({ export: () => {} }, { timers: false });
    await processor.shutdown();
    const { diagnostics } = await captureDiagnostics(() => {
      for (const id of ["a", "b", "c"]) processor.onSpanEnd(spanItem(id));
    });
    assert.deepEqual(processor.dropped, { shutdown: 3 });
    assert.deepEqual(diagnostics.map((d) => d.code), ["agent_queue_closed"]);
    assert.match(diagnostics[0].message, /shut down: dropped/);
  });
});
