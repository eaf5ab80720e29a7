// The exported span data (`export()` / `toJSON()`, and what BackendSpanExporter posts) has the
// shape of the OpenAI Agents SDK's `SpanData.export()` (Python, and its CAI fork): `type`, then
// every field the SDK exports for that type, in its order, `null` when it was never set.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  agentSpan,
  customSpan,
  exportSpanData,
  functionSpan,
  generationSpan,
  guardrailSpan,
  handoffSpan,
  mcpToolsSpan,
  responseSpan,
  speechGroupSpan,
  speechSpan,
  trace,
  transcriptionSpan,
} from "../../src/agents/mod.ts";
import type { AgentSpan, SpanData } from "../../src/agents/mod.ts";
import { agentSetup, capturingBackend } from "./_helpers.ts";

/** The span data of `make()`'s span, exported after it ran inside a trace, as JSON text. */
function exported(make: () => AgentSpan): string {
  let span: AgentSpan | undefined;
  trace("wf").run(() => {
    span = make();
    span.run(() => {});
  });
  return JSON.stringify(span!.export()!.span_data);
}

describe("parity: exported span data of unset fields", () => {
  it("every span type exports the SDK's fields in its order, null when unset", async () => {
    const { done } = agentSetup();
    try {
      const cases: [() => AgentSpan, Record<string, unknown>][] = [
        [() => agentSpan("ag"), {
          type: "agent",
          name: "ag",
          handoffs: null,
          tools: null,
          output_type: null,
        }],
        [() => functionSpan("fn"), {
          type: "function",
          name: "fn",
          input: null,
          output: null,
          mcp_data: null,
        }],
        [() => generationSpan(), {
          type: "generation",
          input: null,
          output: null,
          model: null,
          model_config: null,
          usage: null,
        }],
        [() => responseSpan(), { type: "response", response_id: null, usage: null }],
        [() => handoffSpan(), { type: "handoff", from_agent: null, to_agent: null }],
        [() => customSpan("c"), { type: "custom", name: "c", data: {} }],
        [() => guardrailSpan("g"), { type: "guardrail", name: "g", triggered: false }],
        [() => transcriptionSpan(), {
          type: "transcription",
          input: { data: "", format: "pcm" },
          output: null,
          model: null,
          model_config: null,
        }],
        [() => speechSpan(), {
          type: "speech",
          input: null,
          output: { data: "", format: "pcm" },
          model: null,
          model_config: null,
          first_content_at: null,
        }],
        [() => speechGroupSpan(), { type: "speech_group", input: null }],
        [() => mcpToolsSpan(), { type: "mcp_tools", server: null, result: null }],
      ];
      for (const [make, expected] of cases) {
        assert.equal(exported(make), JSON.stringify(expected));
      }
    } finally {
      await done();
    }
  });

  it("set fields are exported as given, in the SDK's order, extra fields after them", async () => {
    const { done } = agentSetup();
    try {
      const fn = exported(() => {
        const span = functionSpan("lookup", { input: { id: 1 }, mcpData: "srv" });
        span.spanData.output = "found"; // set after creation, as the runner does
        return span;
      });
      assert.equal(
        fn,
        JSON.stringify({
          type: "function",
          name: "lookup",
          input: '{"id":1}',
          output: "found",
          mcp_data: "srv",
        }),
      );
      const agent = exported(() => agentSpan("ag", { tools: ["t"], outputType: "Answer" }));
      assert.equal(
        agent,
        JSON.stringify({
          type: "agent",
          name: "ag",
          handoffs: null,
          tools: ["t"],
          output_type: "Answer",
        }),
      );
      // The response's model is a tracelet addition: after the SDK's fields, and only when known.
      const response = exported(() => responseSpan({ response: { id: "resp_1", model: "m" } }));
      assert.equal(
        response,
        JSON.stringify({ type: "response", response_id: "resp_1", usage: null, model: "m" }),
      );
      // Private fields stay out; the in-memory span data keeps the JS SDK's "" for function input.
      const span = functionSpan("f", { disabled: true });
      assert.equal(span.spanData.input, "");
      assert.deepEqual(
        Object.keys(exportSpanData({ type: "response", _input: "secret" } as SpanData)),
        ["type", "response_id", "usage"],
      );
    } finally {
      await done();
    }
  });

  it("task and turn data keep the SDK's custom form, usage only when set", () => {
    assert.deepEqual(exportSpanData({ type: "task", name: "run" } as SpanData), {
      type: "custom",
      name: "task",
      data: { sdk_span_type: "task", name: "run" },
    });
  });

  it("BackendSpanExporter posts the nulls; usage is still left out where the backend refuses it", async () => {
    const { done } = agentSetup();
    try {
      const { exporter, bodies } = capturingBackend();
      const spans: AgentSpan[] = [];
      trace("wf").run(() => {
        for (const span of [agentSpan("ag"), functionSpan("fn"), responseSpan()]) {
          span.run(() => {});
          spans.push(span);
        }
      });
      await exporter.export(spans);
      const posted = bodies.flatMap((body) => JSON.parse(body).data as Record<string, unknown>[])
        .map((record) => record.span_data);
      assert.deepEqual(posted, [
        { type: "agent", name: "ag", handoffs: null, tools: null, output_type: null },
        { type: "function", name: "fn", input: null, output: null, mcp_data: null },
        { type: "response", response_id: null },
      ]);
    } finally {
      await done();
    }
  });
});
