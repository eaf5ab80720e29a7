// The events layer must never crash the program it traces: whatever values a caller hands to a
// run, an emitter, a session or a sink, the call does not throw, the caller's function still runs,
// a run already started still writes its RunFinished line, and the values are recorded safely.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage, Tracer } from "../../mod.ts";
import type { SpanRecord } from "../../mod.ts";
import {
  currentTraceSession,
  emitContinuationDecision,
  emitGuardrailDecision,
  emitModelRequestObserved,
  emitModelResponseObserved,
  emitModelSelectionDecision,
  emitModelToken,
  emitRouterDecision,
  emitToolInvocationObserved,
  emitToolResultObserved,
  emitToolSelectionDecision,
  emitWorkflowStepContext,
  emitWorkflowStepResult,
  eventLine,
  EventTracer,
  failToolCall,
  finishModelCall,
  finishToolCall,
  finishTraceRun,
  formatEvent,
  JsonlEventSink,
  lineStream,
  MemoryEventSink,
  preview,
  sanitizeRunId,
  startModelCall,
  startToolCall,
  startTraceRun,
  TraceSession,
  withTraceRun,
} from "../../src/events/mod.ts";
import type { EventSink, TraceEvent } from "../../src/events/mod.ts";
import { hostile, unprintables, withThrowingMessage } from "../_support/hostile.ts";
import { stalledStorage } from "../_support/slow_storage.ts";
import { captureDiagnostics, CollectingProcessor } from "../_support/collect.ts";
import { eventSetup } from "./_helpers.ts";

/** Each hostile value, and the wrong types a caller may pass instead of a string or object. */
function throwingGetter(name: string, fields: Record<string, unknown> = {}): object {
  return Object.defineProperty({ ...fields }, name, {
    enumerable: true,
    get() {
      throw new Error("getter");
    },
  });
}

function types(events: readonly TraceEvent[]): string[] {
  return events.map((e) => e.event_type);
}

describe("runs given hostile values", () => {
  it("run the function and write the run, whatever the names, input and dependencies", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      await captureDiagnostics(async () => {
        for (const [i, bad] of [...unprintables(), undefined].entries()) {
          const value = await tracer.runCallable({
            agentName: bad as never,
            requestId: `r${i}`,
            inputPayload: bad,
            dependencies: bad as never,
            fn: () => i,
          });
          assert.equal(value, i);
          const { events } = await readEvents(`r${i}`);
          assert.deepEqual(types(events), ["RunStarted", "RunFinished"]);
          assert.equal(typeof events[0].attributes.agent, "string");
          assert.ok(Array.isArray(events[0].attributes.dependency_keys));
        }
        await tracer.runCallable({ agentName: "a", requestId: hostile().noPrototype, fn: () => 1 });
      });
      const { events } = await readEvents("<unprintable>");
      assert.equal(events[0].run_id, "<unprintable>");
      assert.match(
        tracer.traceInfo("<unprintable>").trace_path!,
        /Z__unprintable__[0-9a-f]{32}\.jsonl$/,
      );
    } finally {
      await done();
    }
  });

  it("a function that throws anything still writes RunFinished, and rethrows the same value", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    const thrown = [...unprintables(), undefined, withThrowingMessage(new TypeError("hidden"))];
    try {
      for (const [i, value] of thrown.entries()) {
        let caught: unknown = "nothing thrown";
        try {
          await tracer.runCallable({
            agentName: "a",
            requestId: `t${i}`,
            fn: () => {
              throw value;
            },
          });
        } catch (error) {
          caught = error; // (assert.rejects would inspect the value, and a revoked proxy throws)
        }
        assert.ok(Object.is(caught, value), `thrown #${i} is rethrown`);
        const { events } = await readEvents(`t${i}`);
        assert.deepEqual(types(events), ["RunStarted", "RunFinished"], `thrown #${i}`);
        assert.equal(events[1].attributes.success, false);
        assert.equal(currentTraceSession(), undefined);
      }
      const { events } = await readEvents(`t${thrown.length - 1}`);
      assert.equal(events[1].attributes.error, "TypeError");
    } finally {
      await done();
    }
  });

  it("finishTraceRun with an outcome it cannot read still finishes the run and restores the scope", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    const h = hostile();
    const outcomes = [
      null,
      h.revoked,
      { result: h.revoked, error: h.noPrototype },
      { result: throwingGetter("success") },
      throwingGetter("error"),
    ];
    try {
      for (const [i, outcome] of outcomes.entries()) {
        const scope = startTraceRun({ agentName: "a", requestId: `f${i}`, tracer });
        await finishTraceRun(scope, outcome as never);
        assert.equal(currentTraceSession(), undefined, `outcome #${i}`);
        const { events } = await readEvents(`f${i}`);
        assert.deepEqual(types(events), ["RunStarted", "RunFinished"]);
        assert.equal(events[1].attributes.success, false);
      }
    } finally {
      await done();
    }
  });

  it("options or a tracer that cannot be read trace nothing and do not throw", async () => {
    await captureDiagnostics(() => {
      for (const bad of [null, hostile().revoked, hostile().throwingKeys]) {
        assert.equal(startTraceRun(bad as never), undefined);
        assert.equal(
          startTraceRun({ agentName: "a", requestId: "r", tracer: bad as never }),
          undefined,
        );
      }
    });
    assert.equal(currentTraceSession(), undefined);
  });

  it("withTraceRun and runCallable reject a function that is not one, and trace nothing", async () => {
    const { tracer, done } = eventSetup({ enableConsole: false });
    try {
      await assert.rejects(
        withTraceRun({ agentName: "a", requestId: "off" }, 42 as never),
        TypeError,
      );
      await assert.rejects(
        tracer.runCallable({ agentName: "a", requestId: "on", fn: undefined as never }),
        TypeError,
      );
      await assert.rejects(tracer.runCallable(null as never), TypeError);
      assert.equal(tracer.resolveLatestTracePath("on"), undefined);
    } finally {
      await done();
    }
  });

  it("an EventTracer ignores options it cannot read, and a traceDir that is not a string", async () => {
    const storage = new MemoryStorage();
    await captureDiagnostics(async () => {
      for (const bad of [42, hostile().noPrototype, hostile().revoked]) {
        const tracer = new EventTracer({
          traceDir: bad as never,
          storage,
          enableConsole: false,
          spanTracer: false,
        });
        assert.equal(await tracer.runCallable({ agentName: "a", requestId: "r", fn: () => 1 }), 1);
        assert.match(tracer.resolveLatestTracePath("r")!, /^traces\/run_/);
      }
      assert.equal(new EventTracer(null as never).traceDir, "traces");
      assert.equal(new EventTracer(hostile().revoked).enabled, true);
    });
    assert.equal(sanitizeRunId(hostile().noPrototype), "_unprintable_");
  });
});

describe("emitters given hostile values", () => {
  /** Runs `fn` inside a traced run; returns the run's events and its finished tracelet spans. */
  async function recorded(fn: () => void): Promise<{ events: TraceEvent[]; spans: SpanRecord[] }> {
    const { tracer, readEvents, collector, done } = eventSetup({ enableConsole: false });
    try {
      await captureDiagnostics(() => tracer.runCallable({ agentName: "a", requestId: "e", fn }));
      const { events } = await readEvents("e");
      return { events, spans: collector.ended };
    } finally {
      await done();
    }
  }

  it("model calls record what can be read of models, messages, metadata, usage and errors", async () => {
    const { events, spans } = await recorded(() => {
      const h = hostile();
      const id = startModelCall({
        model: h.noPrototype,
        messages: h.revoked,
        params: h.throwingKeys,
        metadata: throwingGetter("secret_getter", { team: "a" }) as never,
      });
      emitModelToken(id, h.revoked);
      finishModelCall(id, {
        response: { usage: throwingGetter("output_tokens", { input_tokens: 3 }), model: "m" },
      });
      const failed = startModelCall({ model: "m", messages: throwingGetter("length") as never });
      finishModelCall(failed, { error: h.revoked, response: h.revoked });
    });
    assert.deepEqual(types(events), [
      "RunStarted",
      "ModelCallStarted",
      "ModelCallToken",
      "ModelCallFinished",
      "ModelCallStarted",
      "ModelCallFailed",
      "RunFinished",
    ]);
    assert.equal(events[1].attributes.team, "a");
    assert.equal(events[1].attributes.secret_getter, undefined);
    assert.equal(events[1].attributes.message_count, 0);
    assert.equal(events[4].attributes.message_count, 0);
    assert.equal(events[5].attributes.error, "<unprintable>");
    const chat = spans.find((s) => s.name === "chat <unprintable>");
    assert.ok(chat, spans.map((s) => s.name).join());
    assert.equal(chat.attributes["gen_ai.usage.input_tokens"], 3);
  });

  it("tool calls record unprintable names, unreadable dependencies and any error", async () => {
    const { events, spans } = await recorded(() => {
      const h = hostile();
      const id = startToolCall({
        toolName: h.noPrototype,
        toolInput: h.revoked,
        requestId: h.throwingToString,
        dependencies: h.throwingKeys,
      });
      failToolCall(id, { toolName: h.noPrototype, error: h.revoked });
      const other = startToolCall({ toolName: "t", dependencies: { [Symbol("x")]: 1, b: 2 } });
      finishToolCall(other, { toolName: "t", result: h.revoked });
    });
    assert.deepEqual(types(events).slice(1, -1), [
      "ToolCallStarted",
      "ToolCallFailed",
      "ToolCallStarted",
      "ToolCallFinished",
    ]);
    assert.deepEqual(events[1].attributes.dependency_keys, []);
    assert.equal(events[2].attributes.error, "<unprintable>");
    assert.deepEqual(events[3].attributes.dependency_keys, ["b"]);
    assert.ok(spans.some((s) => s.name === "execute_tool <unprintable>"));
  });

  it("dependency key lists that are not lists, or hold names that are not strings", async () => {
    const { events } = await recorded(() => {
      for (const keys of [42, hostile().revoked, hostile().noPrototype, { length: 2 ** 32 - 1 }]) {
        emitToolInvocationObserved({
          toolName: "t",
          sourceId: "s",
          requestId: "r",
          toolInput: {},
          dependencyKeys: keys as never,
        });
      }
      emitToolInvocationObserved({
        toolName: "t",
        sourceId: "s",
        requestId: "r",
        toolInput: {},
        dependencyKeys: new Set(["b", Symbol("s"), hostile().noPrototype]) as never,
      });
    });
    const observed = events.filter((e) => e.event_type === "ToolInvocationObserved");
    assert.deepEqual(observed.map((e) => e.attributes.dependency_keys), [
      [],
      [],
      [],
      [],
      ["<unprintable>", "Symbol(s)", "b"],
    ]);
  });

  it("every emitter ignores options it cannot read", async () => {
    const emitters: ((options: never) => void)[] = [
      (o) => void startModelCall(o),
      (o) => finishModelCall(startModelCall({ model: "m" }), o),
      (o) => void startToolCall(o),
      (o) => finishToolCall(startToolCall({ toolName: "t" }), o),
      (o) => failToolCall(startToolCall({ toolName: "t" }), o),
      emitRouterDecision,
      emitModelSelectionDecision,
      emitToolSelectionDecision,
      emitContinuationDecision,
      emitGuardrailDecision,
      emitModelRequestObserved,
      emitModelResponseObserved,
      emitToolInvocationObserved,
      emitToolResultObserved,
      emitWorkflowStepContext,
      emitWorkflowStepResult,
    ];
    const unreadable = [null, undefined, hostile().revoked, hostile().throwingKeys];
    const { events } = await recorded(() => {
      for (const bad of unreadable) for (const emit of emitters) emit(bad as never);
    });
    // Every emitter wrote its event (the finishing ones after their start event).
    assert.equal(events.length, 2 + unreadable.length * (emitters.length + 3));
  });

  it("observed events record errors that cannot be printed", async () => {
    const { events } = await recorded(() => {
      const h = hostile();
      emitModelResponseObserved({ source: "s", responsePayload: h.revoked, error: h.revoked });
      emitToolResultObserved({ toolName: "t", sourceId: "s", error: h.noPrototype });
      emitWorkflowStepResult({
        stepId: "1",
        stepType: "t",
        status: "failed",
        success: false,
        error: h.throwingToString,
        metadata: h.throwingKeys,
      });
    });
    assert.deepEqual(events.slice(1, -1).map((e) => e.attributes.error), [
      "<unprintable>",
      "<unprintable>",
      "<unprintable>",
    ]);
  });
});

describe("sessions and sinks", () => {
  it("a session records a run id, event type and span ids that are not strings in their string form", () => {
    const sink = new MemoryEventSink();
    const session = new TraceSession({ runId: hostile().noPrototype, sinks: [sink] });
    session.emitEvent(Symbol("type") as never, hostile().revoked, 42 as never, {});
    session.emitEvent("Custom", "s", undefined as never, {});
    const [event, custom] = sink.events;
    assert.equal(event.run_id, "<unprintable>");
    assert.equal(event.event_type, "Symbol(type)");
    assert.equal(event.span_id, "<unprintable>");
    assert.equal(event.parent_span_id, "42");
    assert.equal(custom.parent_span_id, null);
    assert.equal(JSON.parse(eventLine(event)).event_type, "Symbol(type)");
  });

  it("a span shape that cannot be read is ignored", async () => {
    const collector = new CollectingProcessor();
    const spans = new Tracer({ processors: [collector] });
    const session = new TraceSession({ runId: "r", sinks: [], spanTracer: spans });
    await captureDiagnostics(() => {
      const id = session.startSpan("Step", null, {}, hostile().revoked);
      session.finishSpan("StepDone", id, {}, hostile().revoked);
      const named = session.startSpan("Step", null, {}, {
        name: "named",
        attributes: hostile().throwingKeys,
      });
      session.finishSpan("StepDone", named, {}, { attributes: hostile().revoked, error: "e" });
    });
    assert.deepEqual(collector.ended.map((s) => [s.name, s.status.code]), [
      ["span", "UNSET"],
      ["named", "ERROR"],
    ]);
    await spans.shutdown();
  });

  it("a maxOpenSpans of NaN, Infinity or 0 keeps the default bound", async () => {
    for (const maxOpenSpans of [NaN, Infinity, 0]) {
      const sink = new MemoryEventSink();
      const session = new TraceSession({ runId: "r", sinks: [sink], maxOpenSpans });
      const ids: string[] = [];
      await captureDiagnostics(() => {
        for (let i = 0; i <= 10_000; i++) ids.push(session.startSpan("S", null, {}));
      });
      session.finishSpan("F", ids[0], {});
      session.finishSpan("F", ids[10_000], {});
      const [first, last] = sink.events.slice(-2);
      assert.equal(typeof first.duration_ms, "number", String(maxOpenSpans)); // tracked
      assert.equal(last.duration_ms, null, String(maxOpenSpans)); // the 10001st was not
    }
  });

  it("a JSONL sink with a maxPending of NaN, Infinity or 0 keeps the default bound", async () => {
    for (const maxPending of [NaN, Infinity, 0]) {
      const sink = new JsonlEventSink(new MemoryStorage(), ["t.jsonl"], { maxPending });
      const session = new TraceSession({ runId: "r", sinks: [sink] });
      await captureDiagnostics(() => {
        for (let i = 0; i <= 10_000; i++) session.emitEvent("E", "s", null, {});
      });
      assert.equal(sink.dropped, 1, String(maxPending));
      await session.close();
    }
  });

  it("a JSONL sink behind a stalled storage warns once per overflow, not once per dropped event", async () => {
    const { storage, release } = stalledStorage();
    const sink = new JsonlEventSink(storage, ["t.jsonl"], { maxPending: 5 });
    const event = { event_type: "E" } as TraceEvent;
    const { diagnostics } = await captureDiagnostics(async () => {
      for (let i = 0; i < 5; i++) sink.emit(event);
      await Promise.resolve(); // the first five are being written (stalled)
      await Promise.resolve();
      for (let i = 0; i < 1005; i++) sink.emit(event); // 5 queue, 1000 are dropped
      release();
      await sink.flush();
      for (let i = 0; i < 6; i++) sink.emit(event); // a new overflow: reported again
      await sink.flush();
    });
    assert.equal(sink.dropped, 1001);
    assert.equal(diagnostics.filter((d) => d.code === "event_queue_full").length, 2);
    assert.equal((await storage.readLines(["t.jsonl"])).length, 15);
  });

  it("a MemoryEventSink with a max of NaN, Infinity or 0 keeps the default bound", () => {
    const event = { event_type: "E" } as TraceEvent;
    for (const max of [NaN, Infinity, 0]) {
      const sink = new MemoryEventSink(max);
      for (let i = 0; i <= 100_000; i++) sink.emit(event);
      assert.equal(sink.events.length, 100_000, String(max));
      assert.equal(sink.dropped, 1, String(max));
    }
    const small = new MemoryEventSink(2.5);
    for (let i = 0; i < 5; i++) small.emit(event);
    assert.deepEqual([small.events.length, small.dropped], [2, 3]);
  });

  it("the console prints event types named like Object members", async () => {
    const { tracer, console: output, done } = eventSetup();
    try {
      const scope = startTraceRun({ agentName: "a", requestId: "c", tracer })!;
      for (const type of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        scope.session.emitEvent(type, "s1", null, { k: 1 });
      }
      await finishTraceRun(scope, { result: { success: true } });
      for (const type of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
        assert.ok(output.text.includes(`[event] ${type} span=s1 k=1\n`), type);
      }
    } finally {
      await done();
    }
  });

  it("preview shows a value that cannot be printed as a placeholder", () => {
    assert.equal(preview(hostile().revoked), "<unprintable>");
    assert.equal(preview(hostile().noPrototype), "{}");
    const event = {
      event_type: Symbol("t"),
      span_id: hostile().revoked,
      attributes: {},
      duration_ms: null,
    };
    assert.equal(formatEvent(event as never), "[event] Symbol(t) span=<unprintable>");
  });

  it("a line function that throws does not make the next write repeat the line", () => {
    const lines: string[] = [];
    let calls = 0;
    const stream = lineStream((line) => {
      if (calls++ === 0) throw new Error("stderr closed");
      lines.push(line);
    });
    assert.throws(() => stream.write("first\n"));
    stream.write("second\n");
    assert.deepEqual(lines, ["second"]);
  });

  it("a line held back longer than maxLineLength is written as its own line, never dropped", () => {
    const lines: string[] = [];
    const stream = lineStream((line) => lines.push(line), 10);
    stream.write("abcdefgh");
    stream.write("ijkl");
    stream.write("m\nn");
    assert.deepEqual(lines, ["abcdefghijkl", "m"]);
    stream.write("\n");
    assert.deepEqual(lines, ["abcdefghijkl", "m", "n"]);
    const fallback: string[] = [];
    const stream2 = lineStream((line) => fallback.push(line), NaN);
    stream2.write("x".repeat(1000));
    assert.deepEqual(fallback, []); // NaN means the default 64 KiB
  });

  it("a line cut at maxLineLength never splits a character outside the BMP", () => {
    const lines: string[] = [];
    const stream = lineStream((line) => lines.push(line), 4);
    stream.write("abc");
    stream.write("d\uD83D"); // the cap falls between the halves of 😀
    stream.write("\uDE00 ok\n");
    assert.deepEqual(lines, ["abcd", "\u{1F600} ok"]);
  });

  it("a sink whose emit returns a promise that rejects is reported, not left unhandled", async () => {
    const memory = new MemoryEventSink();
    const asyncSink = {
      emit: async () => {
        await Promise.resolve();
        throw new Error("collector unreachable");
      },
      close: () => {},
    };
    const badThenable = {
      emit: () => ({
        then() {
          throw new Error("then");
        },
      }),
      close: () => {},
    };
    const session = new TraceSession({ runId: "r", sinks: [asyncSink, badThenable, memory] });
    const { diagnostics } = await captureDiagnostics(async () => {
      session.emitEvent("A", "s", null, {});
      session.emitEvent(Symbol("odd") as never, "s", null, {});
      await session.close();
      await new Promise((resolve) => setTimeout(resolve, 10));
    });
    assert.deepEqual(memory.events.map((e) => e.event_type), ["A", "Symbol(odd)"]);
    assert.deepEqual(diagnostics.map((d) => `${d.level} ${d.code} ${String(d.cause)}`).sort(), [
      "error event_sink_failed Error: collector unreachable",
      "error event_sink_failed Error: collector unreachable",
      "error event_sink_failed Error: then",
      "error event_sink_failed Error: then",
    ]);
    assert.ok(diagnostics.some((d) => d.message.includes("Symbol(odd)")));
  });

  it("sinks and storage that throw or reject never reach the caller; the other sinks get every event", async () => {
    const memory = new MemoryEventSink();
    const broken: EventSink = {
      emit: () => {
        throw new Error("emit");
      },
      close: () => Promise.reject(new Error("close")),
    };
    const failingStorage = new MemoryStorage();
    failingStorage.appendLines = () => Promise.reject(new Error("disk full"));
    const jsonl = new JsonlEventSink(failingStorage, ["t.jsonl"]);
    const session = new TraceSession({ runId: "r", sinks: [broken, jsonl, memory] });
    const { diagnostics } = await captureDiagnostics(async () => {
      session.emitEvent("A", "s", null, {});
      session.emitEvent("B", "s", null, {});
      await session.close();
    });
    assert.deepEqual(memory.events.map((e) => e.event_type), ["A", "B"]);
    assert.equal(jsonl.failed, 2);
    const codes = new Set(diagnostics.map((d) => d.code));
    assert.ok(codes.has("event_sink_failed") && codes.has("event_write_failed"));

    const { tracer, done } = eventSetup({
      storage: failingStorage,
      consoleStream: {
        write: () => {
          throw new Error("console");
        },
      },
    });
    try {
      await captureDiagnostics(async () => {
        assert.equal(await tracer.runCallable({ agentName: "a", requestId: "r", fn: () => 7 }), 7);
      });
    } finally {
      await done();
    }
  });
});
