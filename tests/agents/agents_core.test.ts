// The round trip with the real @openai/agents-core (pinned dev dependency), no network: agent
// runs made with that SDK land in tracelet's pipeline, and processors written against that SDK's
// TracingProcessor type receive tracelet's agent-layer spans.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type {
  Model,
  ModelRequest,
  ModelResponse,
  Span as CoreSpan,
  StreamEvent,
  Trace as CoreTrace,
  TracingExporter,
  TracingProcessor as CoreTracingProcessor,
} from "@openai/agents-core";
import {
  addTraceProcessor,
  functionSpan,
  generationSpan,
  toW3CSpanId,
  toW3CTraceId,
  trace,
  TraceletAgentsProcessor,
} from "../../src/agents/mod.ts";
import { agentSetup, byType } from "./_helpers.ts";
import { type Core, loadCore, skip } from "./_agents_core.ts";

/** A fake model: first asks for the weather tool, then answers. Records a generation span like real model adapters do. */
class FakeModel implements Model {
  calls = 0;
  constructor(private readonly core: Core) {}
  getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.calls++;
    const first = this.calls === 1;
    const output: ModelResponse["output"] = first
      ? [{
        type: "function_call",
        callId: "call_weather_1",
        name: "get_weather",
        arguments: JSON.stringify({ city: "Oslo" }),
        status: "completed",
      }]
      : [{
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: "It is sunny in Oslo." }],
      }];
    const usage = { input_tokens: first ? 21 : 34, output_tokens: first ? 7 : 9 };
    return this.core.withGenerationSpan(async (span) => {
      await Promise.resolve(); // a real model awaits its HTTP call here
      span.spanData.usage = usage;
      span.spanData.output = output as Record<string, unknown>[];
      return {
        usage: new this.core.Usage({
          requests: 1,
          inputTokens: usage.input_tokens,
          outputTokens: usage.output_tokens,
        }),
        output,
        responseId: `resp_${this.calls}`,
      };
    }, {
      data: {
        model: "fake-model-1",
        model_config: { temperature: 0.2 },
        input: typeof request.input === "string" ? [{ role: "user", content: request.input }] : [],
      },
    });
  }
  // deno-lint-ignore require-yield
  async *getStreamedResponse(): AsyncIterable<StreamEvent> {
    throw new Error("Cannot stream: the fake model has no streaming");
  }
}

describe("@openai/agents-core → tracelet (TraceletAgentsProcessor)", () => {
  it("records an agent run's trace, agent, generation and function spans with gen_ai attributes", {
    skip,
  }, async () => {
    const core = await loadCore();
    const { Agent, Runner, tool } = core;
    const { collector, done } = agentSetup();
    const processor = new TraceletAgentsProcessor();
    core.setTraceProcessors([processor]);
    // agents-core disables its tracing when NODE_ENV=test (Bun sets it); turn it on explicitly.
    core.setTracingDisabled(false);
    try {
      const getWeather = tool({
        name: "get_weather",
        description: "Weather for a city",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false,
        },
        strict: true,
        execute: (input) => `sunny in ${(input as { city: string }).city}`,
      });
      const model = new FakeModel(core);
      const agent = new Agent({
        name: "weather_agent",
        instructions: "Answer.",
        model,
        tools: [getWeather],
      });
      const runner = new Runner({ workflowName: "weather_workflow", groupId: "thread-7" });
      const result = await runner.run(agent, "Weather in Oslo?");
      assert.equal(result.finalOutput, "It is sunny in Oslo.");
      assert.equal(model.calls, 2);
      await processor.forceFlush();

      const spans = collector.ended;
      const root = spans.find((s) => s.parentSpanId === undefined)!;
      assert.equal(root.name, "weather_workflow");
      assert.equal(root.attributes["gen_ai.conversation.id"], "thread-7");
      const coreTraceId = root.attributes["openai.trace_id"] as string;
      assert.match(coreTraceId, /^trace_[0-9a-f]{32}$/);
      assert.equal(root.traceId, toW3CTraceId(coreTraceId));
      for (const span of spans) assert.equal(span.traceId, root.traceId, "one trace");

      const agentSpan = byType(spans, "agent");
      assert.equal(agentSpan.name, "invoke_agent weather_agent");
      assert.equal(agentSpan.attributes["gen_ai.operation.name"], "invoke_agent");
      assert.equal(agentSpan.attributes["gen_ai.agent.name"], "weather_agent");
      assert.deepEqual(agentSpan.attributes["openai.agent.tools"], ["get_weather"]);
      assert.equal(agentSpan.spanId, toW3CSpanId(agentSpan.attributes["openai.span_id"] as string));

      const generations = spans.filter((s) => s.attributes["openai.span.type"] === "generation");
      assert.equal(generations.length, 2);
      const [g1, g2] = generations;
      assert.equal(g1.kind, "CLIENT");
      assert.equal(g1.name, "chat fake-model-1");
      assert.equal(g1.attributes["gen_ai.operation.name"], "chat");
      assert.equal(g1.attributes["gen_ai.request.model"], "fake-model-1");
      assert.equal(g1.attributes["gen_ai.request.temperature"], 0.2);
      assert.equal(g1.attributes["gen_ai.usage.input_tokens"], 21);
      assert.equal(g1.attributes["gen_ai.usage.output_tokens"], 7);
      assert.equal(g2.attributes["gen_ai.usage.input_tokens"], 34);
      const data = JSON.parse(g1.attributes["openai.span_data"] as string);
      assert.equal(data.model, "fake-model-1");
      assert.deepEqual(data.usage, { input_tokens: 21, output_tokens: 7 });

      const fn = byType(spans, "function");
      assert.equal(fn.name, "execute_tool get_weather");
      assert.equal(fn.attributes["gen_ai.operation.name"], "execute_tool");
      assert.equal(fn.attributes["gen_ai.tool.name"], "get_weather");
      const fnData = JSON.parse(fn.attributes["openai.span_data"] as string);
      assert.equal(fnData.output, "sunny in Oslo");
      assert.match(fnData.input, /Oslo/);

      // Nesting: the generation and function spans sit below the agent span.
      const ancestors = (span: typeof fn): string[] => {
        const chain: string[] = [];
        let current = span;
        while (current.parentSpanId !== undefined) {
          const parent = spans.find((s) => s.spanId === current.parentSpanId);
          if (parent === undefined) break;
          chain.push(parent.spanId);
          current = parent;
        }
        return chain;
      };
      assert.ok(ancestors(fn).includes(agentSpan.spanId));
      assert.ok(ancestors(g1).includes(agentSpan.spanId));
      assert.ok(ancestors(agentSpan).includes(root.spanId));
      for (const span of spans) assert.ok(span.endTime >= span.startTime);
      assert.equal(processor.evicted, 0);
    } finally {
      core.setTraceProcessors([]);
      await done();
    }
  });
});

describe("tracelet → processors written for @openai/agents-core", () => {
  // Type-only use of the package: runs everywhere, workerd included.
  it("a class implementing agents-core's TracingProcessor receives tracelet's agent-layer objects", async () => {
    const { done } = agentSetup();
    const seen: string[] = [];
    const ended: CoreSpan<never>[] = [];
    class CoreStyleProcessor implements CoreTracingProcessor {
      onTraceStart(t: CoreTrace): Promise<void> {
        seen.push(`trace-start ${t.name} ${t.traceId} ${t.groupId}`);
        return Promise.resolve();
      }
      onTraceEnd(t: CoreTrace): Promise<void> {
        seen.push(`trace-end ${t.name}`);
        return Promise.resolve();
      }
      onSpanStart(span: CoreSpan<never>): Promise<void> {
        seen.push(`span-start ${(span.spanData as { type: string }).type}`);
        return Promise.resolve();
      }
      onSpanEnd(span: CoreSpan<never>): Promise<void> {
        seen.push(`span-end ${(span.spanData as { type: string }).type}`);
        ended.push(span);
        return Promise.resolve();
      }
      async shutdown(): Promise<void> {}
      async forceFlush(): Promise<void> {}
    }
    try {
      addTraceProcessor(new CoreStyleProcessor());
      const t = trace("core_style", { groupId: "g-1" });
      t.run(() => {
        generationSpan({ model: "m", usage: { input_tokens: 1, output_tokens: 2 } }).run(() => {
          functionSpan("lookup", { input: "q" }).run((s) => void (s.spanData.output = "a"));
        });
      });
      assert.deepEqual(seen, [
        `trace-start core_style ${t.traceId} g-1`,
        "span-start generation",
        "span-start function",
        "span-end function",
        "span-end generation",
        "trace-end core_style",
      ]);
      const [fn, gen] = ended;
      assert.equal(fn.traceId, t.traceId);
      assert.equal(fn.parentId, gen.spanId);
      assert.equal(gen.parentId, null);
      assert.match(fn.spanId, /^span_[0-9a-f]{24}$/);
      assert.ok(fn.startedAt !== null && fn.endedAt !== null);
      const json = fn.toJSON() as Record<string, unknown>;
      assert.equal(json.object, "trace.span");
      assert.deepEqual(json.span_data, {
        type: "function",
        name: "lookup",
        input: "q",
        output: "a",
        mcp_data: null, // exported as the Python SDK exports it
      });
    } finally {
      await done();
    }
  });

  it(
    "agents-core's own BatchTraceProcessor and a TracingExporter export tracelet's traces and spans",
    { skip },
    async () => {
      const { BatchTraceProcessor } = await loadCore();
      const { done } = agentSetup();
      const exported: Record<string, unknown>[] = [];
      const exporter: TracingExporter = {
        export: (items) => {
          for (const item of items) exported.push(item.toJSON() as Record<string, unknown>);
          return Promise.resolve();
        },
      };
      const batch = new BatchTraceProcessor(exporter, { scheduleDelay: 60_000 });
      try {
        addTraceProcessor(batch);
        trace("batched", { metadata: { team: "a" } }).run(() => {
          functionSpan("tool_a", { input: "x", output: "y" }).run(() => {});
        });
        await batch.forceFlush();
        const kinds = exported.map((e) => e.object);
        assert.deepEqual(kinds, ["trace", "trace.span"]);
        assert.equal(exported[0].workflow_name, "batched");
        assert.deepEqual(exported[0].metadata, { team: "a" });
        assert.equal((exported[1].span_data as { name: string }).name, "tool_a");
      } finally {
        await batch.shutdown();
        await done();
      }
    },
  );
});
