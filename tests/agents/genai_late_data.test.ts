// What backends see of agent spans: names and GenAI attributes from data set after start() (the
// model is often known only once the call returned), provider and conversation ids on every span
// that needs them, and task/turn span data exported in the OpenAI Agents SDK's shape.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  agentSpan,
  createSpan,
  exportSpanData,
  generationSpan,
  responseSpan,
  trace,
} from "../../src/agents/mod.ts";
import type { SpanData } from "../../src/agents/mod.ts";
import { agentSetup, byType } from "./_helpers.ts";

describe("span names", () => {
  it("follow a model set after start()", async () => {
    const { collector, done } = agentSetup();
    try {
      await trace("wf").run(async () => {
        await generationSpan().run((g) => void (g.spanData.model = "gpt-4o"));
        await responseSpan().run((r) => {
          r.spanData._response = { id: "resp_1", model: "gpt-4o-2024-08-06" };
        });
      });
      assert.equal(byType(collector.ended, "generation").name, "chat gpt-4o");
      assert.equal(byType(collector.ended, "response").name, "chat gpt-4o-2024-08-06");
    } finally {
      await done();
    }
  });
});

describe("GenAI attributes", () => {
  it("carry the provider, the conversation id on child spans, and a response's model as the response model", async () => {
    const { collector, done } = agentSetup();
    try {
      await trace("wf", { groupId: "thread-1" }).run(() =>
        agentSpan("triage").run(async () => {
          await generationSpan({ model: "gpt-4o" }).run(() => {});
          await responseSpan({ response: { id: "resp_1", model: "gpt-4o-2024-08-06" } })
            .run(() => {});
          await generationSpan({ model: "claude", providerName: "anthropic" })
            .run(() => {});
        })
      );
      const attrs = (type: string) => byType(collector.ended, type).attributes;
      for (const type of ["agent", "generation", "response"]) {
        assert.equal(attrs(type)["gen_ai.provider.name"], "openai", type);
        assert.equal(attrs(type)["gen_ai.conversation.id"], "thread-1", type);
      }
      assert.equal(attrs("response")["gen_ai.response.model"], "gpt-4o-2024-08-06");
      assert.equal(attrs("response")["gen_ai.request.model"], undefined);
      const claude = collector.ended.find((s) => s.name === "chat claude")!;
      assert.equal(claude.attributes["gen_ai.provider.name"], "anthropic");
    } finally {
      await done();
    }
  });

  it("take the provider name from the trace", async () => {
    const { collector, done } = agentSetup();
    try {
      trace("wf", { providerName: "azure.ai.openai" }).run(() => agentSpan("a").run(() => {}));
      assert.equal(
        byType(collector.ended, "agent").attributes["gen_ai.provider.name"],
        "azure.ai.openai",
      );
    } finally {
      await done();
    }
  });
});

describe("task and turn span data", () => {
  it("are exported as custom span data with sdk_span_type, as the OpenAI Agents SDK does", async () => {
    const { done } = agentSetup();
    try {
      const usage = { input_tokens: 20, output_tokens: 6 };
      assert.deepEqual(exportSpanData({ type: "task", name: "run1", usage } as SpanData), {
        type: "custom",
        name: "task",
        data: { sdk_span_type: "task", name: "run1", usage },
      });
      await trace("wf").run(() => {
        const turn = createSpan({ type: "turn", turn: 2, agent_name: "assistant" } as SpanData);
        const exported = turn.start().finish().export();
        assert.deepEqual(exported?.span_data, {
          type: "custom",
          name: "turn",
          data: { sdk_span_type: "turn", turn: 2, agent_name: "assistant" },
        });
        // Processors still see the typed data.
        assert.equal(turn.spanData.type, "turn");
      });
    } finally {
      await done();
    }
  });
});
