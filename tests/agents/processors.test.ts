// OpenAI-style processors on tracelet's pipeline: lifecycle order, isolation, replacement,
// flush/shutdown, and the one-pipeline path to JSONL with the OpenAI batch defaults.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, JsonlSpanExporter, MemoryStorage, Tracer } from "../../mod.ts";
import {
  addTraceProcessor,
  flushTraces,
  functionSpan,
  generationSpan,
  getTraceProcessors,
  OPENAI_BATCH_DEFAULTS,
  setAgentTracer,
  setTraceProcessors,
  trace,
} from "../../src/agents/mod.ts";
import type { SpanView, TraceView, TracingProcessor } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup } from "./_helpers.ts";

class Recorder implements TracingProcessor {
  readonly log: string[] = [];
  readonly spans: SpanView[] = [];
  flushes = 0;
  shutdownTimeout: number | undefined | null = null;
  onTraceStart(t: TraceView): void {
    this.log.push(`trace-start:${t.name}`);
  }
  onTraceEnd(t: TraceView): void {
    this.log.push(`trace-end:${t.name}`);
  }
  onSpanStart(s: SpanView): void {
    this.log.push(`span-start:${s.spanData.type}:${s.endedAt === null}`);
  }
  onSpanEnd(s: SpanView): void {
    this.log.push(`span-end:${s.spanData.type}:${s.endedAt !== null}`);
    this.spans.push(s);
  }
  forceFlush(): void {
    this.flushes++;
  }
  shutdown(timeout?: number): void {
    this.shutdownTimeout = timeout;
  }
}

describe("addTraceProcessor", () => {
  it("delivers traces and spans in lifecycle order with the agent objects", async () => {
    const { done } = agentSetup();
    try {
      const recorder = new Recorder();
      addTraceProcessor(recorder);
      trace("order").run(() => {
        generationSpan({ model: "m" }).run(() => {
          functionSpan("f").run(() => {});
        });
      });
      assert.deepEqual(recorder.log, [
        "trace-start:order",
        "span-start:generation:true",
        "span-start:function:true",
        "span-end:function:true",
        "span-end:generation:true",
        "trace-end:order",
      ]);
      const [fn] = recorder.spans;
      assert.match(fn.spanId, /^span_[0-9a-f]{24}$/);
      assert.match(fn.startedAt!, /\+00:00$/);
      assert.equal(getTraceProcessors()[0], recorder);
    } finally {
      await done();
    }
  });

  it("isolates a processor that throws or rejects from the others and from the host", async () => {
    const { done } = agentSetup();
    try {
      const good = new Recorder();
      addTraceProcessor({
        onTraceStart: () => {
          throw new Error("sync boom");
        },
        onSpanEnd: () => Promise.reject(new Error("async boom")),
      });
      addTraceProcessor(good);
      const { diagnostics } = await captureDiagnostics(async () => {
        trace("isolated").run(() => functionSpan("f").run(() => "ok"));
        await new Promise((r) => setTimeout(r, 0));
      });
      assert.deepEqual(good.log, [
        "trace-start:isolated",
        "span-start:function:true",
        "span-end:function:true",
        "trace-end:isolated",
      ]);
      const codes = diagnostics.map((d) => d.code);
      assert.equal(codes.filter((c) => c === "processor_failed").length, 2);
    } finally {
      await done();
    }
  });

  it("setTraceProcessors replaces agent-layer processors and keeps tracelet's own", async () => {
    const { collector, tracer, done } = agentSetup();
    try {
      const first = new Recorder();
      const second = new Recorder();
      addTraceProcessor(first);
      setTraceProcessors([second]);
      trace("replaced").run(() => {});
      assert.deepEqual(first.log, []);
      assert.deepEqual(second.log, ["trace-start:replaced", "trace-end:replaced"]);
      assert.equal(collector.byName("replaced").name, "replaced");
      assert.ok(tracer.processors.includes(collector));
      setTraceProcessors([]);
      assert.equal(tracer.processors.length, 1);
    } finally {
      await done();
    }
  });

  it("follows the agent layer to a new tracer", async () => {
    const { done } = agentSetup();
    const other = new Tracer();
    try {
      const recorder = new Recorder();
      addTraceProcessor(recorder);
      setAgentTracer(other);
      trace("moved").run(() => {});
      assert.deepEqual(recorder.log, ["trace-start:moved", "trace-end:moved"]);
    } finally {
      await other.shutdown();
      await done();
    }
  });

  it("flushTraces and tracer shutdown reach the processor (shutdown gets a timeout in ms)", async () => {
    const { tracer, done } = agentSetup();
    try {
      const recorder = new Recorder();
      addTraceProcessor(recorder);
      const report = await flushTraces();
      assert.equal(recorder.flushes, 1);
      assert.equal(report.failed, 0);
      await tracer.shutdown(Date.now() + 5000);
      assert.equal(typeof recorder.shutdownTimeout, "number");
      assert.ok(recorder.shutdownTimeout! > 0 && recorder.shutdownTimeout! <= 5000);
    } finally {
      await done();
    }
  });
});

describe("one pipeline", () => {
  it("agent spans reach a batch processor with the OpenAI defaults and the JSONL exporter", async () => {
    const storage = new MemoryStorage();
    const batch = new BatchSpanProcessor(new JsonlSpanExporter({ storage, project: "agents" }), {
      ...OPENAI_BATCH_DEFAULTS,
      timers: false,
    });
    const tracer = new Tracer({ processors: [batch] });
    const previous = setAgentTracer(tracer);
    try {
      assert.equal(OPENAI_BATCH_DEFAULTS.maxQueueSize, 8192);
      assert.equal(OPENAI_BATCH_DEFAULTS.maxExportBatchSize, 128);
      assert.equal(OPENAI_BATCH_DEFAULTS.exportTriggerSize, 5734);
      const t = trace("jsonl_flow");
      t.run(() => {
        functionSpan("lookup", { input: { token: "tok-123", q: "a" }, toolCallId: "call_1" }).run(
          () => {},
        );
      });
      const report = await flushTraces();
      assert.equal(report.exported, 2);
      const traceHex = t.traceId.slice(6);
      const lines = (await storage.readLines(["projects", "agents", traceHex, "spans.jsonl"])).map((
        l,
      ) => JSON.parse(l));
      assert.equal(lines.length, 2);
      const fn = lines.find((l) => l.name === "execute_tool lookup");
      assert.equal(fn.attributes["gen_ai.tool.call.id"], "call_1");
      assert.equal(fn.trace_id, traceHex);
      const data = JSON.parse(fn.attributes["openai.span_data"]);
      assert.equal(JSON.parse(data.input).token, "***REDACTED***");
      assert.ok(!JSON.stringify(lines).includes("tok-123"));
    } finally {
      setAgentTracer(previous);
      await tracer.shutdown();
    }
  });
});
