// The agent layer must never crash the program it traces: whatever values a caller hands to
// trace(), the span factories, span methods, the processors or the @openai/agents-core adapter,
// the call does not throw, spans already accepted still end, and the values are recorded safely.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isValidSpanId, isValidTraceId } from "../../mod.ts";
import type { SpanRecord } from "../../mod.ts";
import {
  addTraceProcessor,
  agentSpan,
  createSpan,
  customSpan,
  exportSpanData,
  flushTraces,
  functionSpan,
  genAiAttributes,
  generationSpan,
  getTraceProcessors,
  guardrailSpan,
  handoffSpan,
  mcpToolsSpan,
  responseSpan,
  setTraceProcessors,
  spanKindFor,
  spanNameFor,
  speechGroupSpan,
  speechSpan,
  toW3CSpanId,
  toW3CTraceId,
  trace,
  TraceletAgentsProcessor,
  transcriptionSpan,
  usageTokens,
  withTrace,
} from "../../src/agents/mod.ts";
import type { AgentsCoreSpanLike, SpanData, TracingProcessor } from "../../src/agents/mod.ts";
import { hostile, unprintables, withThrowingMessage } from "../_support/hostile.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup, byType } from "./_helpers.ts";

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { id: 7, big: 10n };
  value.self = value;
  return value;
}

/** Runs `fn` inside a started trace with the agent layer's test tracer; returns the spans. */
async function recorded(fn: () => void): Promise<SpanRecord[]> {
  const { collector, done } = agentSetup();
  try {
    await captureDiagnostics(() => trace("wf").run(fn));
    return collector.ended;
  } finally {
    await done();
  }
}

describe("trace() given hostile values", () => {
  it("records names, ids and group ids that are not strings in their string form", async () => {
    const { collector, done } = agentSetup();
    try {
      await captureDiagnostics(() => {
        for (const bad of unprintables()) {
          trace(bad as never, { traceId: bad as never, groupId: bad as never }).run(() => {});
        }
      });
      assert.equal(collector.ended.length, unprintables().length);
      for (const root of collector.ended) {
        assert.equal(typeof root.attributes["openai.workflow_name"], "string");
        assert.ok(isValidTraceId(root.traceId));
      }
      const numbered = collector.byName("42");
      assert.equal(numbered.attributes["openai.trace_id"], "42");
      assert.equal(numbered.attributes["openai.group_id"], "42");
      assert.equal(
        collector.byName("<unprintable>").attributes["openai.group_id"],
        "<unprintable>",
      );
    } finally {
      await done();
    }
  });

  it("ignore options they cannot read (trace, createSpan and every factory)", async () => {
    const { collector, done } = agentSetup();
    const factories = [
      (o: never) => agentSpan("a", o),
      (o: never) => functionSpan("f", o),
      (o: never) => generationSpan(o),
      (o: never) => responseSpan(o),
      (o: never) => handoffSpan(o),
      (o: never) => customSpan("c", o),
      (o: never) => guardrailSpan("g", o),
      (o: never) => transcriptionSpan(o),
      (o: never) => speechSpan(o),
      (o: never) => speechGroupSpan(o),
      (o: never) => mcpToolsSpan(o),
      (o: never) => createSpan({ type: "custom", name: "created", data: {} }, o),
    ];
    try {
      await captureDiagnostics(() => {
        for (const bad of [null, hostile().revoked, hostile().throwingKeys]) {
          trace("unreadable_options", bad as never).run(() => {
            for (const factory of factories) factory(bad as never).run(() => {});
          });
        }
      });
      assert.equal(collector.ended.length, 3 * (1 + factories.length));
      const types = new Set(collector.ended.map((s) => s.attributes["openai.span.type"]));
      assert.equal(types.size, 11 + 1); // every span type, and the traces (no type)
    } finally {
      await done();
    }
  });

  it("reads a __proto__ key of options parsed from JSON as data, not as inherited options", async () => {
    const { collector, done } = agentSetup();
    try {
      const options = JSON.parse('{"__proto__": {"disabled": true}, "groupId": "g"}');
      trace("parsed", options).run(() => {
        customSpan("inner", JSON.parse('{"__proto__": {"disabled": true}}')).run(() => {});
      });
      assert.deepEqual(collector.ended.map((s) => s.name).sort(), ["inner", "parsed"]);
    } finally {
      await done();
    }
  });

  it("exports JSON-safe metadata, so JSON.stringify of the trace never throws", async () => {
    const { done } = agentSetup();
    try {
      const t = trace("meta", { metadata: { loop: cyclic(), ...hostile() } });
      const json = JSON.parse(JSON.stringify(t));
      assert.equal(json.metadata.loop.id, 7);
      assert.equal(json.metadata.loop.big, "10");
      assert.equal(json.metadata.loop.self, "<circular reference>");
      assert.match(json.metadata.revoked, /^<error: /);
    } finally {
      await done();
    }
  });

  it("withTrace takes a name that is not a string as the workflow name", async () => {
    const { collector, done } = agentSetup();
    try {
      assert.equal(withTrace(42 as never, () => "ran"), "ran");
      assert.equal(collector.ended[0].name, "42");
    } finally {
      await done();
    }
  });
});

describe("span factories given hostile values", () => {
  it("record every span, with unprintable names and models as placeholders", async () => {
    const spans = await recorded(() => {
      for (const bad of unprintables()) {
        const b = bad as never;
        agentSpan(b, { tools: b, handoffs: b, outputType: b }).run(() => {});
        functionSpan(b, { input: b, output: b, mcpData: b, toolCallId: b }).run(() => {});
        generationSpan({ input: b, output: b, model: b, modelConfig: b, usage: b }).run(() => {});
        responseSpan({ response: b, input: b }).run(() => {});
        handoffSpan({ fromAgent: b, toAgent: b }).run(() => {});
        customSpan(b, { data: b }).run(() => {});
        guardrailSpan(b, { triggered: b }).run(() => {});
        transcriptionSpan({ model: b, input: b, output: b, modelConfig: b }).run(() => {});
        speechSpan({ model: b, input: b, output: b, modelConfig: b }).run(() => {});
        mcpToolsSpan({ server: b, result: b }).run(() => {});
      }
    });
    assert.equal(spans.length, 1 + 10 * unprintables().length);
    const names = new Set(spans.map((s) => s.name));
    for (
      const name of [
        "invoke_agent <unprintable>",
        "execute_tool <unprintable>",
        "chat <unprintable>",
        "handoff <unprintable> -> <unprintable>",
        "<unprintable>",
        "guardrail <unprintable>",
        "transcription <unprintable>",
        "mcp_tools <unprintable>",
        "invoke_agent Symbol(s)",
        "chat 42",
      ]
    ) assert.ok(names.has(name), `a span named ${name}`);
    for (const span of spans.filter((s) => s.name !== "wf")) {
      assert.equal(typeof span.attributes["openai.span_data"], "string", span.name);
    }
  });

  it("encode a function's input that JSON.stringify rejects in its JSON-safe form", async () => {
    const spans = await recorded(() => {
      functionSpan("lookup", { input: cyclic(), output: { n: 1n } }).run(() => {});
    });
    const data = JSON.parse(byType(spans, "function").attributes["openai.span_data"] as string);
    assert.deepEqual(JSON.parse(data.input), { id: 7, big: "10", self: "<circular reference>" });
    assert.deepEqual(JSON.parse(data.output), { n: "1" });
  });

  it("read the usage, model config and response fields that can be read", async () => {
    const throwing = {
      input_tokens: 5,
      get output_tokens(): number {
        throw new Error("getter");
      },
    };
    const spans = await recorded(() => {
      generationSpan({ usage: throwing, modelConfig: { temperature: 0.5, ...hostile() } })
        .run(() => {});
      responseSpan({
        response: {
          id: "resp_1",
          get model(): string {
            throw new Error("getter");
          },
          usage: hostile().revoked,
        },
      }).run(() => {});
    });
    const generation = byType(spans, "generation").attributes;
    assert.equal(generation["gen_ai.usage.input_tokens"], 5);
    assert.equal(generation["gen_ai.usage.output_tokens"], undefined);
    assert.equal(generation["gen_ai.request.temperature"], 0.5);
    const response = byType(spans, "response");
    assert.equal(response.name, "response");
    assert.equal(response.attributes["gen_ai.response.id"], "resp_1");
  });

  it("map only known model-config keys, also when a key is named like an Object method", async () => {
    const spans = await recorded(() => {
      const modelConfig = { constructor: 1, toString: 2, hasOwnProperty: 3, seed: 4 };
      generationSpan({ modelConfig: modelConfig as never }).run(() => {});
    });
    const keys = Object.keys(byType(spans, "generation").attributes);
    assert.deepEqual(keys.filter((k) => k.startsWith("gen_ai.request.")), [
      "gen_ai.request.seed",
    ]);
    assert.ok(keys.every((k) => !k.includes("native code")), keys.join());
  });

  it("ignore a parent that is not an agent trace or span (the current trace is the parent)", async () => {
    const spans = await recorded(() => {
      customSpan("plain_object", { parent: {} as never }).run(() => {});
      customSpan("revoked", { parent: hostile().revoked }).run(() => {});
    });
    const root = spans.find((s) => s.name === "wf")!;
    for (const name of ["plain_object", "revoked"]) {
      const span = spans.find((s) => s.name === name);
      assert.equal(span?.parentSpanId, root.spanId, name);
    }
  });

  it("take a span id that is not a string in its string form", async () => {
    const spans = await recorded(() => {
      customSpan("numbered", { spanId: 42 as never }).run(() => {});
      customSpan("unprintable", { spanId: hostile().noPrototype }).run(() => {});
    });
    assert.equal(spans.find((s) => s.name === "numbered")?.attributes["openai.span_id"], "42");
    const unprintable = spans.find((s) => s.name === "unprintable")!;
    assert.equal(unprintable.attributes["openai.span_id"], "<unprintable>");
    assert.ok(isValidSpanId(unprintable.spanId));
  });
});

describe("span methods given hostile values", () => {
  it("treat start and end times that are not finite numbers or Dates as now", async () => {
    const before = Date.now() * 1e6;
    const times = [...Object.values(hostile()), Symbol("s"), null, "soon", 10n, NaN, Infinity];
    const spans = await recorded(() => {
      for (const bad of times) {
        customSpan("timed", { startTime: bad as never }).start().finish(false, bad as never);
      }
      customSpan("dated", { startTime: new Date(1000) as never }).start().finish();
    });
    const timed = spans.filter((s) => s.name === "timed");
    assert.equal(timed.length, times.length);
    for (const span of timed) {
      assert.ok(span.startTime >= before - 50e6 && span.endTime >= span.startTime);
    }
    assert.equal(spans.find((s) => s.name === "dated")?.startTime, 1000 * 1e6);
  });

  it("setError keeps any message in its string form, and a bare string as the message", async () => {
    const { done } = agentSetup();
    try {
      const span = trace("wf").run(() => customSpan("s")); // recording (a no-op span keeps no error)
      for (const bad of unprintables()) {
        span.setError({ message: bad as never, data: bad as never });
      }
      assert.deepEqual({ ...span.error }, { message: "null", data: null });
      span.setError({ message: hostile().noPrototype });
      assert.equal(span.error?.message, "<unprintable>");
      span.setError(hostile().revoked);
      assert.equal(span.error?.message, "undefined");
      span.setError("timeout" as never);
      assert.equal(span.error?.message, "timeout");
    } finally {
      await done();
    }
  });

  it("run() ends the span as ERROR and rethrows whatever is thrown", async () => {
    const { collector, done } = agentSetup();
    const thrown = [...unprintables(), withThrowingMessage(new Error("hidden"))];
    try {
      await captureDiagnostics(() => {
        trace("wf").run(() => {
          for (const value of thrown) {
            assert.throws(
              () =>
                customSpan("thrower").run(() => {
                  throw value;
                }),
              (caught) => caught === value,
            );
          }
        });
      });
      const spans = collector.ended.filter((s) => s.name === "thrower");
      assert.equal(spans.length, thrown.length);
      for (const span of spans) assert.equal(span.status.code, "ERROR");
      const byMessage = spans.map((s) => s.status.message);
      assert.ok(byMessage.includes("<unprintable>"));
      assert.ok(byMessage.includes("Error"));
    } finally {
      await done();
    }
  });

  it("run() passes through a returned value whose `then` cannot be read, and ends the span", async () => {
    const { collector, done } = agentSetup();
    try {
      const value = hostile().revoked;
      trace("wf").run(() => assert.equal(customSpan("returns").run(() => value), value));
      assert.equal(collector.ended.filter((s) => s.name === "returns").length, 1);
    } finally {
      await done();
    }
  });

  it("a thenable whose `then` throws rejects the run and ends the span as ERROR", async () => {
    const { collector, done } = agentSetup();
    try {
      const thenable = {
        then() {
          throw new Error("broken then");
        },
      };
      await assert.rejects(
        trace("wf").run(() => customSpan("thenable").run(() => thenable)) as unknown as Promise<
          unknown
        >,
        /broken then/,
      );
      assert.equal(collector.byName("thenable").status.code, "ERROR");
    } finally {
      await done();
    }
  });

  it("finish() records a span whose data was replaced by a hostile value after start", async () => {
    const spans = await recorded(() => {
      for (const bad of [...Object.values(hostile()), null, undefined, 42]) {
        const span = customSpan("replaced").start();
        (span as { spanData: unknown }).spanData = bad;
        JSON.stringify(span);
        span.finish();
      }
      const span = responseSpan().start();
      span.spanData._response = hostile().revoked;
      span.spanData.usage = hostile().throwingKeys;
      span.finish();
    });
    assert.equal(spans.filter((s) => s.name === "replaced").length, 7);
    assert.equal(byType(spans, "response").endTime > 0, true);
  });

  it("start() records span data that cannot be read, keeping the fields that can", async () => {
    const readable = {
      type: "custom",
      name: "partly",
      get data(): never {
        throw new Error("getter");
      },
    };
    const spans = await recorded(() => {
      for (const bad of [...Object.values(hostile()), null, 42]) {
        createSpan(bad as never).run(() => {});
      }
      createSpan(readable as never).run(() => {});
    });
    assert.equal(spans.length, 1 + 7);
    const partly = spans.find((s) => s.name === "partly");
    assert.deepEqual(JSON.parse(partly?.attributes["openai.span_data"] as string), {
      type: "custom",
      name: "partly",
    });
  });

  it("export() is JSON-safe: span data and error data with cycles and BigInts", async () => {
    const { done } = agentSetup();
    try {
      trace("wf").run(() => {
        const span = customSpan("c", { data: { loop: cyclic() } }).start();
        span.setError({ message: "m", data: { n: 1n, ...hostile() } });
        const json = JSON.parse(JSON.stringify(span));
        assert.equal(json.span_data.data.loop.self, "<circular reference>");
        assert.equal(json.error.data.n, "1");
        span.finish();
      });
    } finally {
      await done();
    }
  });
});

describe("public helpers given hostile span data", () => {
  it("never throw, and count unreadable fields as unknown", async () => {
    await captureDiagnostics(() => {
      for (const bad of [...unprintables(), undefined]) {
        const data = bad as SpanData;
        assert.equal(typeof spanNameFor(data), "string");
        assert.equal(spanKindFor(data), "INTERNAL");
        assert.equal(typeof genAiAttributes(data), "object");
        const tokens = usageTokens(bad);
        assert.ok(tokens.input === undefined && tokens.output === undefined);
        assert.equal(typeof exportSpanData(data), "object");
        assert.ok(isValidTraceId(toW3CTraceId(bad as never)));
        assert.ok(isValidSpanId(toW3CSpanId(bad as never)));
      }
    });
    assert.equal(toW3CTraceId(42 as never), toW3CTraceId("42"));
  });

  it("name every span type with hostile fields, and read no attribute that throws", () => {
    const types = ["agent", "generation", "response", "function", "transcription", "speech"];
    types.push("handoff", "custom", "guardrail", "mcp_tools", "task", "turn", "speech_group");
    for (const bad of unprintables()) {
      for (const type of types) {
        const fields = ["name", "model", "from_agent", "to_agent", "server", "turn", "agent_name"];
        const data = Object.fromEntries(fields.map((f) => [f, bad])) as unknown as SpanData;
        Object.assign(data, { type, usage: hostile().revoked, model_config: bad, _response: bad });
        assert.equal(typeof spanNameFor(data), "string", type);
        assert.equal(typeof genAiAttributes(data, bad as never), "object", type);
      }
    }
  });
});

describe("trace processors", () => {
  it("one that throws, rejects or has a throwing getter never reaches the caller or the others", async () => {
    const { collector, done } = agentSetup();
    const seen: string[] = [];
    const fail = () => {
      throw new Error("processor");
    };
    try {
      const { diagnostics } = await captureDiagnostics(async () => {
        addTraceProcessor({ start: fail, onTraceStart: fail, onSpanStart: fail, onSpanEnd: fail });
        addTraceProcessor({ onSpanEnd: () => Promise.reject(new Error("rejected")) });
        addTraceProcessor({
          get onSpanEnd(): never {
            throw new Error("getter");
          },
        } as TracingProcessor);
        addTraceProcessor(hostile().revoked);
        addTraceProcessor({ onSpanEnd: (span) => void seen.push(span.spanId) });
        addTraceProcessor({ forceFlush: fail, shutdown: () => Promise.reject(new Error("x")) });
        trace("wf").run(() => functionSpan("f").run(() => "ok"));
        await new Promise((resolve) => setTimeout(resolve, 0));
        await flushTraces();
      });
      assert.equal(seen.length, 1);
      assert.equal(collector.ended.length, 2);
      assert.ok(diagnostics.some((d) => d.code === "processor_failed"));
    } finally {
      await done();
    }
  });

  it("a processor that is not an object is a TracerError (INVALID_CONFIG), and the list is left as it was", async () => {
    const { done } = agentSetup();
    try {
      const kept: TracingProcessor = {};
      let started = 0;
      setTraceProcessors([kept]);
      const invalid = { name: "TracerError", code: "INVALID_CONFIG" };
      for (const bad of [null, undefined, 42, "p"]) {
        assert.throws(() => addTraceProcessor(bad as never), invalid);
      }
      assert.throws(
        () => setTraceProcessors([{ start: () => void started++ }, null as never]),
        invalid,
      );
      assert.throws(() => setTraceProcessors({} as never), invalid);
      assert.equal(started, 0);
      assert.deepEqual(getTraceProcessors(), [kept]);
    } finally {
      await done();
    }
  });
});

describe("TraceletAgentsProcessor given hostile SDK objects", () => {
  function sdkSpan(overrides: Partial<Record<keyof AgentsCoreSpanLike, unknown>>) {
    return {
      traceId: "trace_" + "a".repeat(32),
      spanId: "span_" + "b".repeat(24),
      parentId: null,
      spanData: { type: "custom", name: "c", data: {} },
      error: null,
      startedAt: new Date().toISOString(),
      endedAt: null,
      ...overrides,
    } as unknown as AgentsCoreSpanLike;
  }

  it("records and ends spans whose data, error, ids and times cannot be read as expected", async () => {
    const { collector, done } = agentSetup();
    try {
      await captureDiagnostics(async () => {
        const processor = new TraceletAgentsProcessor();
        const h = hostile();
        const cases = [
          { spanData: h.throwingKeys },
          { spanData: h.revoked },
          { error: { message: h.noPrototype, data: h.revoked } },
          { error: h.revoked },
          { startedAt: 42, endedAt: h.noPrototype },
          { spanId: 42, parentId: h.noPrototype },
        ];
        for (const [i, overrides] of cases.entries()) {
          const start = sdkSpan({ spanId: `span_${i}`, ...overrides });
          await processor.onSpanStart(start);
          await processor.onSpanEnd(start);
        }
        // Data that turns hostile by the time the span ends still lets the span end.
        const changing = sdkSpan({ spanId: "span_changing" });
        await processor.onSpanStart(changing);
        await processor.onSpanEnd({ ...changing, spanData: h.revoked, error: h.noPrototype });
      });
      const spans = collector.ended.filter((s) => s.attributes["openai.span_id"] !== undefined);
      assert.equal(spans.length, 7);
      for (const span of spans) assert.ok(span.endTime >= span.startTime);
      const failed = spans.filter((s) => s.status.code === "ERROR").map((s) => s.status.message);
      assert.deepEqual(failed.sort(), ["<unprintable>", "undefined", "undefined"]);
    } finally {
      await done();
    }
  });

  it("a maxOpenSpans of NaN, Infinity or 0 keeps the default bound (never none, never unbounded)", async () => {
    for (const maxOpenSpans of [NaN, Infinity, 0]) {
      const { collector, done } = agentSetup();
      try {
        const processor = new TraceletAgentsProcessor({ maxOpenSpans });
        const ids = Array.from(
          { length: 10_001 },
          (_, i) => `trace_${i.toString(16).padStart(32, "0")}`,
        );
        await captureDiagnostics(async () => {
          for (const traceId of ids) await processor.onTraceStart({ traceId, name: "t" });
        });
        // The 10001st open trace makes the oldest one end.
        assert.equal(processor.evicted, 1, String(maxOpenSpans));
        assert.equal(collector.ended.length, 1, String(maxOpenSpans));
        assert.equal(collector.ended[0].traceId, toW3CTraceId(ids[0]), String(maxOpenSpans));
      } finally {
        await done();
      }
    }
  });
});
