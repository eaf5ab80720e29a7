// The agent layer's trace and span model (OpenAI Agents / CAI shapes) on tracelet spans.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isValidSpanId, isValidTraceId } from "../../mod.ts";
import {
  agentSpan,
  customSpan,
  functionSpan,
  generationSpan,
  genGroupId,
  genSpanId,
  genTraceId,
  getCurrentSpan,
  getCurrentTrace,
  guardrailSpan,
  handoffSpan,
  mcpToolsSpan,
  NoOpSpan,
  NoOpTrace,
  responseSpan,
  setTracingDisabled,
  speechGroupSpan,
  speechSpan,
  toW3CSpanId,
  toW3CTraceId,
  trace,
  transcriptionSpan,
  withTrace,
} from "../../src/agents/mod.ts";
import { agentSetup, byType } from "./_helpers.ts";

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/;

describe("agent ids", () => {
  it("use the seeds' formats and map to W3C ids", () => {
    const traceId = genTraceId();
    const spanId = genSpanId();
    assert.match(traceId, /^trace_[0-9a-f]{32}$/);
    assert.match(spanId, /^span_[0-9a-f]{24}$/);
    assert.match(genGroupId(), /^group_[0-9a-f]{24}$/);
    assert.equal(toW3CTraceId(traceId), traceId.slice(6));
    assert.equal(toW3CSpanId(spanId), spanId.slice(5, 21));
    assert.notEqual(genTraceId(), genTraceId());
  });

  it("derive stable, valid W3C ids from custom ids", () => {
    const a = toW3CTraceId("my-conversation-7");
    assert.ok(isValidTraceId(a));
    assert.equal(toW3CTraceId("my-conversation-7"), a);
    assert.notEqual(toW3CTraceId("my-conversation-8"), a);
    assert.ok(isValidSpanId(toW3CSpanId("step-1")));
    assert.equal(toW3CSpanId("step-1"), toW3CSpanId("step-1"));
    assert.equal(toW3CTraceId("trace_" + "0".repeat(32)).length, 32);
    assert.ok(isValidTraceId(toW3CTraceId("trace_" + "0".repeat(32))));
  });
});

describe("trace()", () => {
  it("is a root tracelet span named after the workflow, with group id and redacted metadata", async () => {
    const { collector, done } = agentSetup();
    try {
      const t = trace("code_bot", {
        groupId: "thread-1",
        metadata: { user: "ann", api_key: "sk-secret" },
      });
      assert.equal(t.started, false);
      assert.equal(t.startedAt, null);
      t.run(() => {
        assert.equal(getCurrentTrace(), t);
      });
      assert.equal(t.finished, true);
      const root = collector.byName("code_bot");
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.traceId, toW3CTraceId(t.traceId));
      assert.equal(root.attributes["openai.trace_id"], t.traceId);
      assert.equal(root.attributes["openai.group_id"], "thread-1");
      assert.equal(root.attributes["gen_ai.conversation.id"], "thread-1");
      const metadata = JSON.parse(root.attributes["openai.trace.metadata"] as string);
      assert.deepEqual(metadata, { user: "ann", api_key: "***REDACTED***" });
      assert.deepEqual(t.export(), {
        object: "trace",
        id: t.traceId,
        workflow_name: "code_bot",
        group_id: "thread-1",
        metadata: { user: "ann", api_key: "sk-secret" },
      });
      assert.match(t.startedAt!, ISO);
      assert.equal(getCurrentTrace(), null);
    } finally {
      await done();
    }
  });

  it("honours a caller's trace id and ignores a second start", async () => {
    const { collector, done } = agentSetup();
    try {
      const id = genTraceId();
      const t = trace("wf", { traceId: id }).start().start();
      t.finish().finish();
      assert.equal(collector.ended.length, 1);
      assert.equal(collector.ended[0].traceId, id.slice(6));
      assert.equal(t.traceId, id);
    } finally {
      await done();
    }
  });

  it("start(true) / finish(true) set and restore the current trace", async () => {
    const { done } = agentSetup();
    try {
      const outer = trace("outer").start(true);
      const inner = trace("inner").start(true);
      assert.equal(getCurrentTrace(), inner);
      inner.finish(true);
      assert.equal(getCurrentTrace(), outer);
      outer.finish(true);
      assert.equal(getCurrentTrace(), null);
    } finally {
      await done();
    }
  });
});

describe("span factories", () => {
  it("build the seeds' span data and GenAI attributes for every span type", async () => {
    const { collector, done } = agentSetup();
    try {
      trace("all_types").run(() => {
        agentSpan("planner", { handoffs: ["writer"], tools: ["search"], outputType: "Plan" }).run(
          () => {},
        );
        functionSpan("search", { input: { q: "x" }, output: "found", toolCallId: "call_9" }).run(
          () => {},
        );
        generationSpan({
          model: "gpt-4o",
          modelConfig: { temperature: 0.5, max_tokens: 100 },
          input: [{ role: "user", content: "hi" }],
          output: [{ role: "assistant", content: "hello" }],
          usage: { input_tokens: 3, output_tokens: 4 },
        }).run(() => {});
        responseSpan({
          response: {
            id: "resp_1",
            model: "gpt-4o-mini",
            usage: { input_tokens: 8, output_tokens: 2 },
          },
        })
          .run(() => {});
        handoffSpan({ fromAgent: "planner", toAgent: "writer" }).run(() => {});
        customSpan("db_query", { data: { table: "users" } }).run(() => {});
        guardrailSpan("no_pii", { triggered: true }).run(() => {});
        transcriptionSpan({ model: "whisper-1", input: "AAAA", output: "hello" }).run(() => {});
        speechSpan({
          model: "tts-1",
          input: "hello",
          output: "BBBB",
          firstContentAt: "2026-01-01T00:00:00Z",
        })
          .run(() => {});
        speechGroupSpan({ input: "hello" }).run(() => {});
        mcpToolsSpan({ server: "fs", result: ["read", "write"] }).run(() => {});
      });
      const data = (type: string) =>
        JSON.parse(byType(collector.ended, type).attributes["openai.span_data"] as string);
      const attrs = (type: string) => byType(collector.ended, type).attributes;
      assert.deepEqual(data("agent"), {
        type: "agent",
        name: "planner",
        handoffs: ["writer"],
        tools: ["search"],
        output_type: "Plan",
      });
      assert.equal(attrs("agent")["gen_ai.operation.name"], "invoke_agent");
      assert.equal(attrs("agent")["gen_ai.agent.name"], "planner");
      assert.equal(byType(collector.ended, "agent").name, "invoke_agent planner");
      assert.deepEqual(data("function"), {
        type: "function",
        name: "search",
        input: '{"q":"x"}',
        output: "found",
      });
      assert.equal(attrs("function")["gen_ai.tool.name"], "search");
      assert.equal(attrs("function")["gen_ai.tool.call.id"], "call_9");
      assert.equal(attrs("function")["gen_ai.operation.name"], "execute_tool");
      assert.equal(data("generation").model, "gpt-4o");
      assert.deepEqual(data("generation").model_config, { temperature: 0.5, max_tokens: 100 });
      assert.equal(attrs("generation")["gen_ai.request.model"], "gpt-4o");
      assert.equal(attrs("generation")["gen_ai.request.temperature"], 0.5);
      assert.equal(attrs("generation")["gen_ai.request.max_tokens"], 100);
      assert.equal(attrs("generation")["gen_ai.usage.input_tokens"], 3);
      assert.equal(attrs("generation")["gen_ai.usage.output_tokens"], 4);
      assert.equal(byType(collector.ended, "generation").kind, "CLIENT");
      assert.deepEqual(data("response"), {
        type: "response",
        response_id: "resp_1",
        usage: { input_tokens: 8, output_tokens: 2 },
        model: "gpt-4o-mini",
      });
      assert.equal(attrs("response")["gen_ai.response.id"], "resp_1");
      assert.equal(attrs("response")["gen_ai.usage.input_tokens"], 8);
      assert.deepEqual(data("handoff"), {
        type: "handoff",
        from_agent: "planner",
        to_agent: "writer",
      });
      assert.equal(attrs("handoff")["openai.handoff.to_agent"], "writer");
      assert.deepEqual(data("custom"), {
        type: "custom",
        name: "db_query",
        data: { table: "users" },
      });
      assert.deepEqual(data("guardrail"), { type: "guardrail", name: "no_pii", triggered: true });
      assert.equal(attrs("guardrail")["openai.guardrail.triggered"], true);
      assert.deepEqual(data("transcription"), {
        type: "transcription",
        input: { data: "AAAA", format: "pcm" },
        output: "hello",
        model: "whisper-1",
      });
      assert.deepEqual(data("speech"), {
        type: "speech",
        input: "hello",
        output: { data: "BBBB", format: "pcm" },
        model: "tts-1",
        first_content_at: "2026-01-01T00:00:00Z",
      });
      assert.deepEqual(data("speech_group"), { type: "speech_group", input: "hello" });
      assert.deepEqual(data("mcp_tools"), {
        type: "mcp_tools",
        server: "fs",
        result: ["read", "write"],
      });
      assert.equal(collector.ended.length, 12);
    } finally {
      await done();
    }
  });

  it("records span data changed before finish, and exports OpenAI records", async () => {
    const { collector, done } = agentSetup();
    try {
      const t = trace("updates").start(true);
      const span = generationSpan({ model: "m" }).start(true);
      assert.equal(span.endedAt, null);
      span.spanData.usage = { input_tokens: 11, output_tokens: 12 };
      span.finish(true);
      const exported = span.export();
      t.finish(true);
      const record = byType(collector.ended, "generation");
      assert.equal(record.attributes["gen_ai.usage.output_tokens"], 12);
      assert.deepEqual(Object.keys(exported as object), [
        "object",
        "id",
        "trace_id",
        "parent_id",
        "started_at",
        "ended_at",
        "span_data",
        "error",
      ]);
      const e = exported as unknown as Record<string, unknown>;
      assert.equal(e.object, "trace.span");
      assert.equal(e.trace_id, t.traceId);
      assert.equal(e.parent_id, null);
      assert.match(e.started_at as string, ISO);
      assert.match(e.ended_at as string, ISO);
      assert.equal(JSON.stringify(span), JSON.stringify(exported));
    } finally {
      await done();
    }
  });
});

describe("parents and nesting", () => {
  it("defaults to the current span, else the current trace; an explicit parent wins", async () => {
    const { collector, done } = agentSetup();
    try {
      const t = trace("nesting");
      let agent: ReturnType<typeof agentSpan> | undefined;
      let fnUnderTrace: ReturnType<typeof functionSpan> | undefined;
      t.run(() => {
        agent = agentSpan("a");
        agent.run(() => {
          assert.equal(getCurrentSpan(), agent);
          functionSpan("inner").run((s) => assert.equal(s.parentId, agent!.spanId));
          fnUnderTrace = functionSpan("explicit", { parent: t });
          fnUnderTrace.run(() => {});
        });
      });
      assert.equal(agent!.parentId, null);
      assert.equal(agent!.traceId, t.traceId);
      assert.equal(fnUnderTrace!.parentId, null);
      const root = collector.byName("nesting");
      const a = collector.byName("invoke_agent a");
      assert.equal(a.parentSpanId, root.spanId);
      assert.equal(collector.byName("execute_tool inner").parentSpanId, a.spanId);
      assert.equal(collector.byName("execute_tool explicit").parentSpanId, root.spanId);
      assert.equal(a.spanId, toW3CSpanId(agent!.spanId));
    } finally {
      await done();
    }
  });

  it("nests tracelet spans under agent spans and agent spans under tracelet spans opened inside them", async () => {
    const { tracer, collector, done } = agentSetup();
    try {
      await trace("mixed").run(async () => {
        await agentSpan("a").run(async () => {
          await tracer.withSpan("plain", async () => {
            await Promise.resolve();
            functionSpan("deep").run(() => {});
          });
        });
      });
      const a = collector.byName("invoke_agent a");
      const plain = collector.byName("plain");
      const deep = collector.byName("execute_tool deep");
      assert.equal(plain.parentSpanId, a.spanId);
      assert.equal(deep.parentSpanId, plain.spanId);
      assert.equal(deep.traceId, a.traceId);
    } finally {
      await done();
    }
  });

  it("keeps concurrent async traces apart", async () => {
    const { collector, done } = agentSetup();
    try {
      const work = (name: string) =>
        trace(name).run(async (t) => {
          await new Promise((r) => setTimeout(r, 1));
          await agentSpan(`agent-${name}`).run(async (s) => {
            await new Promise((r) => setTimeout(r, 1));
            assert.equal(getCurrentTrace(), t);
            assert.equal(s.traceId, t.traceId);
          });
        });
      await Promise.all([work("one"), work("two")]);
      assert.equal(
        collector.byName("invoke_agent agent-one").traceId,
        collector.byName("one").traceId,
      );
      assert.equal(
        collector.byName("invoke_agent agent-two").traceId,
        collector.byName("two").traceId,
      );
    } finally {
      await done();
    }
  });

  it("without a current trace a factory returns a no-op span", async () => {
    const { collector, done } = agentSetup();
    try {
      const span = functionSpan("orphan");
      assert.ok(span instanceof NoOpSpan);
      assert.equal(span.spanId, "no-op");
      span.run(() => {});
      assert.equal(span.export(), null);
      assert.equal(collector.ended.length, 0);
    } finally {
      await done();
    }
  });
});

describe("disabled tracing", () => {
  it("yields no-op traces and spans that still nest and never reach processors", async () => {
    const { collector, done } = agentSetup();
    try {
      setTracingDisabled(true);
      const t = trace("off");
      assert.ok(t instanceof NoOpTrace);
      assert.equal(t.traceId, "no-op");
      t.run(() => {
        assert.equal(getCurrentTrace(), t);
        const a = agentSpan("a");
        assert.ok(a instanceof NoOpSpan);
        a.run(() => {
          assert.equal(getCurrentSpan(), a);
          setTracingDisabled(false); // re-enabled inside: the no-op parent still makes children no-op
          const inner = functionSpan("f");
          assert.ok(inner instanceof NoOpSpan);
          inner.run(() => assert.equal(getCurrentSpan(), inner));
          assert.equal(getCurrentSpan(), a);
        });
      });
      assert.equal(t.export(), null);
      assert.deepEqual(collector.started, []);
      assert.deepEqual(collector.ended, []);
      assert.equal(collector.traces.length, 0);
    } finally {
      await done();
    }
  });

  it("disabled: true on one call only affects that call", async () => {
    const { collector, done } = agentSetup();
    try {
      withTrace("on", () => {
        functionSpan("skipped", { disabled: true }).run(() => {});
        functionSpan("kept").run(() => {});
      });
      assert.deepEqual(collector.ended.map((s) => s.name).sort(), ["execute_tool kept", "on"]);
      assert.ok(trace("x", { disabled: true }) instanceof NoOpTrace);
    } finally {
      await done();
    }
  });
});

describe("errors", () => {
  it("records an exception thrown inside a scoped span (the OpenAI SDKs do not) and rethrows it", async () => {
    const { collector, done } = agentSetup();
    try {
      const failing = async () => {
        await trace("errs").run(async () => {
          await functionSpan("boom").run(async () => {
            await Promise.resolve();
            throw new TypeError("bad input");
          });
        });
      };
      await assert.rejects(failing, /bad input/);
      const span = collector.byName("execute_tool boom");
      assert.equal(span.status.code, "ERROR");
      assert.equal(span.status.message, "bad input");
      assert.equal(span.attributes["error.type"], "TypeError");
      assert.deepEqual(JSON.parse(span.attributes["openai.error"] as string), {
        message: "bad input",
        data: { type: "TypeError" },
      });
      assert.equal(span.events[0].name, "exception");
      assert.equal(collector.byName("errs").status.code, "ERROR");
    } finally {
      await done();
    }
  });

  it("setError: JSON inside the message is masked in the openai.error attribute (free text)", async () => {
    const { collector, done } = agentSetup();
    try {
      trace("t").run(() => {
        customSpan("call", { data: {} }).run((s) => {
          s.setError({ message: 'tool failed: {"api_key":"SECRET_MSG","code":7}' });
        });
      });
      const record = collector.byName("call");
      const error = JSON.parse(record.attributes["openai.error"] as string);
      assert.equal(error.message, 'tool failed: {"api_key":"***REDACTED***","code":7}');
      // (The status message carries the raw text to processors; exporters redact it: see
      // tests/redact_status.test.ts.)
    } finally {
      await done();
    }
  });

  it("setError attaches an error (the seeds' custom_span example)", async () => {
    const { collector, done } = agentSetup();
    try {
      trace("db").run(() => {
        const span = customSpan("database_query", {
          data: { operation: "SELECT", table: "users" },
        });
        span.run((s) => {
          s.setError({
            message: "connection refused",
            data: { operation: "risky_operation", password: "p" },
          });
        });
        assert.deepEqual(span.error, {
          message: "connection refused",
          data: { operation: "risky_operation", password: "p" },
        });
      });
      const record = collector.byName("database_query");
      assert.equal(record.status.code, "ERROR");
      assert.equal(record.attributes["error.type"], "_OTHER");
      const error = JSON.parse(record.attributes["openai.error"] as string);
      assert.equal(error.data.password, "***REDACTED***");
    } finally {
      await done();
    }
  });
});
