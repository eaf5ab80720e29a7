// design_research_agents' Tracer options, trace file naming, runCallable, run scopes and the
// normalized event line.
import { describe, it } from "node:test";
import { COLLIDING_IDS } from "../_conformance/storage.ts";
import assert from "node:assert/strict";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import {
  currentSpanId,
  currentTraceSession,
  emitGuardrailDecision,
  emitToolResultObserved,
  EventTracer,
  finishModelCall,
  finishToolCall,
  finishTraceRun,
  MemoryEventSink,
  sanitizeRunId,
  startModelCall,
  startToolCall,
  startTraceRun,
  TraceSession,
  utcStamp,
} from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { eventSetup } from "./_helpers.ts";

const EVENT_KEYS = [
  "event_type",
  "run_id",
  "span_id",
  "parent_span_id",
  "timestamp",
  "timestamp_ms",
  "duration_ms",
  "attributes",
  "event_index",
];

describe("EventTracer options and paths", () => {
  it("has DRA's defaults", () => {
    const tracer = new EventTracer();
    assert.equal(tracer.enabled, true);
    assert.equal(tracer.traceDir, "traces");
    assert.equal(tracer.enableJsonl, true);
    assert.equal(tracer.enableConsole, true);
    assert.equal(typeof tracer.consoleStream.write, "function");
  });

  it("names trace files run_<UTC stamp>_<sanitized id>.jsonl under traceDir", () => {
    const tracer = new EventTracer({ traceDir: "out/traces", enableConsole: false });
    assert.match(
      tracer.buildTracePath("req-1_A")!,
      /^out\/traces\/run_\d{8}T\d{6}Z_req-1_A\.jsonl$/,
    );
    // An id that sanitizing changes is kept in ASCII plus a hash of the id.
    assert.match(
      tracer.buildTracePath("req 1/../x:e")!,
      /^out\/traces\/run_\d{8}T\d{6}Z_req_1____x_e_[0-9a-f]{32}\.jsonl$/,
    );
    // A non-ASCII id is kept in ASCII plus a hash of the id, as a storage can write it.
    const path = tracer.buildTracePath("req 1/../x:é")!;
    assert.match(path, /^out\/traces\/run_\d{8}T\d{6}Z_req_1____x___[0-9a-f]{32}\.jsonl$/);
    assert.notEqual(path.slice(-22), tracer.buildTracePath("req 1/../x:è")!.slice(-22));
    // Ids made to share a 64-bit hash still get two files (the name holds 128 bits of SHA-256).
    const [first, second] = COLLIDING_IDS;
    assert.notEqual(tracer.buildTracePath(first), tracer.buildTracePath(second));
    assert.equal(tracer.resolveLatestTracePath("req 1/../x:é"), path);
    assert.deepEqual(tracer.traceInfo("req 1/../x:é"), {
      request_id: "req 1/../x:é",
      trace_path: path,
      trace_dir: "out/traces",
    });
    assert.equal(utcStamp(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), "20260102T030405Z");
    assert.match(sanitizeRunId(""), /^[0-9a-f]{32}$/);
    assert.equal(sanitizeRunId("a-b_c.d"), "a-b_c_d");
  });

  it("builds JSONL then console sinks, honouring the switches", () => {
    const both = new EventTracer({ storage: undefined, enableJsonl: true });
    assert.equal(both.buildTracePath("x")?.startsWith("traces/run_"), true);
    const off = new EventTracer({ enableJsonl: false, enableConsole: false });
    assert.equal(off.buildTracePath("x"), undefined);
    assert.deepEqual(off.buildSinks(undefined), []);
    assert.equal(off.resolveLatestTracePath("x"), undefined);
    const consoleOnly = new EventTracer({ enableJsonl: false });
    assert.equal(consoleOnly.buildSinks(undefined).length, 1);
  });
});

describe("runCallable", () => {
  it("writes RunStarted … RunFinished with the success envelope and returns the value", async () => {
    const { tracer, readEvents, collector, done } = eventSetup();
    try {
      const value = await tracer.runCallable({
        agentName: "planner",
        requestId: "req-ok",
        inputPayload: { prompt: "hi" },
        dependencies: { zeta: 1, alpha: 2 },
        fn: async () => {
          await Promise.resolve();
          const id = startModelCall({ model: "m1", messages: [{ role: "user", content: "hi" }] });
          finishModelCall(id, {
            response: { model: "m1", usage: { prompt_tokens: 3, completion_tokens: 1 } },
          });
          return { answer: 42 };
        },
      });
      assert.deepEqual(value, { answer: 42 });
      const { events, lines } = await readEvents("req-ok");
      assert.deepEqual(events.map((e) => e.event_type), [
        "RunStarted",
        "ModelCallStarted",
        "ModelCallFinished",
        "RunFinished",
      ]);
      for (const [i, e] of events.entries()) {
        assert.deepEqual(Object.keys(e), EVENT_KEYS);
        assert.equal(e.event_index, i);
        assert.equal(e.run_id, "req-ok");
        assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
        assert.ok(
          Number.isInteger(e.timestamp_ms) && Math.abs(e.timestamp_ms - Date.now()) < 60_000,
        );
      }
      assert.ok(lines.every((l) => /^[\x20-\x7e]*$/.test(l)), "ASCII-only lines");
      const [started, call, finished, run] = events;
      assert.deepEqual(started.attributes, {
        agent: "planner",
        request_id: "req-ok",
        input: { prompt: "hi" },
        dependency_keys: ["alpha", "zeta"],
        trace_path: tracer.resolveLatestTracePath("req-ok")!,
      });
      assert.equal(started.parent_span_id, null);
      assert.equal(started.duration_ms, null);
      assert.equal(call.parent_span_id, started.span_id);
      assert.equal(finished.span_id, call.span_id);
      assert.ok(Number.isInteger(finished.duration_ms));
      assert.deepEqual(finished.attributes.usage, { prompt_tokens: 3, completion_tokens: 1 });
      assert.deepEqual(run.attributes, {
        success: true,
        error: null,
        result: { success: true, output: { answer: 42 } },
      });
      assert.ok(Number.isInteger(run.duration_ms));

      // One pipeline: the run and the model call are tracelet spans with the same ids.
      const root = collector.byName("run planner");
      const chat = collector.byName("chat m1");
      assert.equal(root.spanId, started.span_id);
      assert.equal(chat.spanId, call.span_id);
      assert.equal(chat.parentSpanId, root.spanId);
      assert.equal(chat.kind, "CLIENT");
      assert.equal(chat.attributes["gen_ai.usage.input_tokens"], 3);
      assert.equal(chat.attributes["dra.run_id"], "req-ok");
      assert.equal(root.status.code, "UNSET");
    } finally {
      await done();
    }
  });

  it("on failure writes RunFinished with the error, records it on the span, closes the session and rethrows", async () => {
    const { tracer, readEvents, collector, done } = eventSetup();
    try {
      await assert.rejects(
        tracer.runCallable({
          agentName: "planner",
          requestId: "req-bad",
          fn: () => {
            throw new Error("planner crashed");
          },
        }),
        /planner crashed/,
      );
      const { events } = await readEvents("req-bad");
      const last = events[events.length - 1];
      assert.equal(last.event_type, "RunFinished");
      assert.deepEqual(last.attributes, { success: false, error: "planner crashed", result: null });
      const root = collector.byName("run planner");
      assert.equal(root.status.code, "ERROR");
      assert.equal(root.events[0].name, "exception");
      assert.equal(currentTraceSession(), undefined);
    } finally {
      await done();
    }
  });

  it("does nothing when the tracer is disabled", async () => {
    const { storage, done } = eventSetup();
    try {
      const off = new EventTracer({ enabled: false, storage, enableConsole: false });
      const result = await off.runCallable({
        agentName: "a",
        requestId: "r",
        fn: () => {
          assert.equal(currentTraceSession(), undefined);
          assert.equal(startModelCall({ model: "m" }), undefined);
          return 7;
        },
      });
      assert.equal(result, 7);
      assert.equal(off.resolveLatestTracePath("r"), undefined);
    } finally {
      await done();
    }
  });

  it("nests a second run as AgentRunStarted/AgentRunFinished under the current span", async () => {
    const { tracer, readEvents, collector, done } = eventSetup();
    try {
      await tracer.runCallable({
        agentName: "outer",
        requestId: "req-nest",
        fn: () =>
          tracer.runCallable({
            agentName: "inner",
            requestId: "req-nest-inner",
            inputPayload: { step: 1 },
            fn: () => {
              assert.equal(currentTraceSession()?.runId, "req-nest");
              return "inner-done";
            },
          }),
      });
      const { events } = await readEvents("req-nest");
      assert.deepEqual(events.map((e) => e.event_type), [
        "RunStarted",
        "AgentRunStarted",
        "AgentRunFinished",
        "RunFinished",
      ]);
      assert.equal(events[1].parent_span_id, events[0].span_id);
      assert.deepEqual(events[2].attributes, { success: true, error: null, agent: "inner" });
      assert.equal(
        collector.byName("invoke_agent inner").parentSpanId,
        collector.byName("run outer").spanId,
      );
    } finally {
      await done();
    }
  });
});

describe("startTraceRun / finishTraceRun", () => {
  it("are opt-in by tracer, set the current session and restore it", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      assert.equal(startTraceRun({ agentName: "a", requestId: "r0" }), undefined);
      await finishTraceRun(undefined);
      const scope = startTraceRun({ agentName: "a", requestId: "r1", tracer })!;
      assert.equal(scope.isRoot, true);
      assert.equal(currentSpanId(), scope.spanId);
      const nested = startTraceRun({ agentName: "b", requestId: "r1-b", tracer })!;
      assert.equal(nested.isRoot, false);
      assert.equal(currentSpanId(), nested.spanId);
      await finishTraceRun(nested, { result: { success: true } });
      assert.equal(currentSpanId(), scope.spanId);
      await finishTraceRun(scope, { result: { success: true, output: "x" } });
      assert.equal(currentTraceSession(), undefined);
      const { events } = await readEvents("r1");
      assert.deepEqual(events.map((e) => e.event_type), [
        "RunStarted",
        "AgentRunStarted",
        "AgentRunFinished",
        "RunFinished",
      ]);
      assert.equal(events[2].attributes.success, true);
    } finally {
      await done();
    }
  });
});

describe("runs that overlap or outlive their parent", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const summary = (events: TraceEvent[]) =>
    events.map((e) => `${e.event_type} ${e.attributes.request_id ?? e.attributes.tool_name ?? ""}`);

  it("a nested run left open outside any scope is finished with its root and stops being current", async () => {
    const { tracer, readEvents, collector, done } = eventSetup({ enableConsole: false });
    try {
      resetReportedOnce();
      const { diagnostics } = await captureDiagnostics(async () => {
        const root = startTraceRun({ agentName: "outer", requestId: "left", tracer })!;
        const nested = startTraceRun({ agentName: "sub", requestId: "left-sub", tracer })!;
        await finishTraceRun(root, { error: new Error("boom") }); // nested is never finished
        assert.equal(root.session.closed, true);
        assert.equal(currentTraceSession(), undefined);
        assert.equal(startModelCall({ model: "outside-any-run" }), undefined);
        await finishTraceRun(nested, { result: { success: true } }); // too late: does nothing
        const third = startTraceRun({ agentName: "a", requestId: "left-3", tracer })!;
        assert.equal(third.isRoot, true);
        await finishTraceRun(third, { result: { success: true } });
      });
      const events = (await readEvents("left")).events;
      assert.deepEqual(summary(events), [
        "RunStarted left",
        "AgentRunStarted left-sub",
        "AgentRunFinished ",
        "RunFinished ",
      ]);
      assert.deepEqual(events[2].attributes, {
        success: false,
        error: "run not finished: the run or scope it was started in finished first",
        agent: "sub",
      });
      assert.equal(typeof events[2].duration_ms, "number");
      assert.deepEqual(summary((await readEvents("left-3")).events), [
        "RunStarted left-3",
        "RunFinished ",
      ]);
      // Every tracelet span ended (children first), so all of them are exported.
      assert.deepEqual(collector.ended.map((s) => s.name), [
        "invoke_agent sub",
        "run outer",
        "run a",
      ]);
      assert.equal(collector.byName("invoke_agent sub").status.code, "ERROR");
      assert.deepEqual(diagnostics.map((d) => [d.level, d.code]), [
        ["warn", "events_run_not_finished"],
      ]);
    } finally {
      await done();
    }
  });

  it("a nested run left open by an exception in runCallable does not keep the run open", async () => {
    const { tracer, readEvents, collector, done } = eventSetup({ enableConsole: false });
    try {
      let session: TraceSession | undefined;
      await captureDiagnostics(async () => {
        await assert.rejects(
          tracer.runCallable({
            agentName: "outer",
            requestId: "thrown",
            fn: () =>
              tracer.runCallable({
                agentName: "inner",
                requestId: "thrown-inner",
                fn: () => {
                  session = currentTraceSession();
                  startTraceRun({ agentName: "sub", requestId: "thrown-sub", tracer });
                  throw new Error("boom"); // before finishTraceRun
                },
              }),
          }),
          /boom/,
        );
      });
      assert.equal(session!.closed, true);
      assert.deepEqual(
        (await readEvents("thrown")).events.map((e) =>
          `${e.event_type} ${e.attributes.agent ?? ""} ${e.attributes.success}`
        ),
        [
          "RunStarted outer undefined",
          "AgentRunStarted inner undefined",
          "AgentRunStarted sub undefined",
          "AgentRunFinished sub false",
          "AgentRunFinished inner false",
          "RunFinished  false",
        ],
      );
      assert.deepEqual(collector.ended.map((s) => s.name), [
        "invoke_agent sub",
        "invoke_agent inner",
        "run outer",
      ]);
    } finally {
      await done();
    }
  });

  it("a run whose context forgot a nested run (over 1000 left open) still closes", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false, spanTracer: false });
    try {
      resetReportedOnce();
      const { diagnostics } = await captureDiagnostics(async () => {
        const root = startTraceRun({ agentName: "loop", requestId: "many", tracer })!;
        for (let i = 0; i < 1001; i++) {
          startTraceRun({ agentName: "sub", requestId: `s${i}`, tracer });
        }
        await finishTraceRun(root, { result: { success: true } });
        assert.equal(root.session.closed, true);
      });
      const events = (await readEvents("many")).events;
      assert.equal(events.filter((e) => e.event_type === "AgentRunFinished").length, 1001);
      assert.equal(events[events.length - 1].event_type, "RunFinished");
      assert.deepEqual(diagnostics.map((d) => d.code).sort(), [
        "events_run_not_finished",
        "events_scopes_full",
      ]);
    } finally {
      await done();
    }
  });

  it("a nested run that outlives its parent (not awaited) still writes its events", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      let inner: Promise<unknown> | undefined;
      const { diagnostics } = await captureDiagnostics(async () => {
        await tracer.runCallable({
          agentName: "outer",
          requestId: "late",
          fn: () => {
            inner = tracer.runCallable({
              agentName: "inner",
              requestId: "late-inner",
              fn: async () => {
                await sleep(20);
                finishToolCall(startToolCall({ toolName: "slow" }), { toolName: "slow" });
              },
            });
          },
        });
        await inner;
      });
      assert.deepEqual(summary((await readEvents("late")).events), [
        "RunStarted late",
        "AgentRunStarted late-inner",
        "RunFinished ",
        "ToolCallStarted slow",
        "ToolCallFinished slow",
        "AgentRunFinished ",
      ]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });

  it("a model call finished where another run is current is written to its own run", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      let id: string | undefined;
      let release!: () => void;
      const gate = new Promise<void>((resolve) => release = resolve);
      const first = tracer.runCallable({
        agentName: "a",
        requestId: "own-1",
        fn: async () => {
          id = startModelCall({ model: "m" });
          await gate;
        },
      });
      await tracer.runCallable({
        agentName: "b",
        requestId: "own-2",
        fn: () => finishModelCall(id, { response: { text: "ok" } }),
      });
      release();
      await first;
      const own = (await readEvents("own-1")).events;
      assert.deepEqual(own.map((e) => e.event_type), [
        "RunStarted",
        "ModelCallStarted",
        "ModelCallFinished",
        "RunFinished",
      ]);
      assert.equal(typeof own[2].duration_ms, "number");
      assert.equal((await readEvents("own-2")).events.length, 2);
    } finally {
      await done();
    }
  });

  it("an event that arrives after its run closed is counted and reported as a warning", async () => {
    const { tracer, done } = eventSetup({ enableConsole: false });
    try {
      resetReportedOnce();
      let id: string | undefined;
      let session: TraceSession | undefined;
      await tracer.runCallable({
        agentName: "a",
        requestId: "closed",
        fn: () => {
          id = startModelCall({ model: "m" });
          session = currentTraceSession();
        },
      });
      const { diagnostics } = await captureDiagnostics(() => finishModelCall(id, {}));
      assert.equal(session!.droppedEvents, 1);
      assert.deepEqual(diagnostics.map((d) => [d.level, d.code]), [["warn", "events_closed"]]);
    } finally {
      await done();
    }
  });
  it("counts the events of a timer that fires after its run closed, and nothing in the same flow", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      resetReportedOnce();
      let session: TraceSession | undefined;
      let late: Promise<unknown> | undefined;
      await tracer.runCallable({
        agentName: "a",
        requestId: "late",
        fn: () => {
          session = currentTraceSession();
          // A fire-and-forget callback the step scheduled, firing after the run returned.
          late = new Promise((fired) =>
            setTimeout(() => {
              emitToolResultObserved({ toolName: "bg", sourceId: "s", ok: true });
              emitGuardrailDecision({ guardrail: "g", decision: "block", reason: "late" });
              fired(startToolCall({ toolName: "bg" }));
            }, 20)
          );
        },
      });
      const { diagnostics } = await captureDiagnostics(async () => {
        assert.equal(await late, undefined, "no tool call span opens in a closed run");
      });
      assert.equal(session!.droppedEvents, 3);
      assert.deepEqual(diagnostics.map((d) => [d.level, d.code]), [["warn", "events_closed"]]);
      assert.match(diagnostics[0].message, /ToolResultObserved event of run/);
      assert.deepEqual((await readEvents("late")).events.map((e) => e.event_type), [
        "RunStarted",
        "RunFinished",
      ]);
      // In the flow that finished the run, no run is current any more (as DRA resets its
      // context variable): nothing is counted, nothing reported.
      const scope = startTraceRun({ agentName: "b", requestId: "same-flow", tracer });
      await finishTraceRun(scope, { result: { success: true } });
      const after = await captureDiagnostics(() =>
        emitGuardrailDecision({ guardrail: "g", decision: "allow", reason: "after" })
      );
      assert.equal(scope!.session.droppedEvents, 0);
      assert.deepEqual(after.diagnostics, []);
    } finally {
      await done();
    }
  });
});

describe("TraceSession", () => {
  it("emits finish events for unknown spans without duration, and isolates failing sinks", async () => {
    const memory = new MemoryEventSink();
    const session = new TraceSession({
      runId: "s1",
      sinks: [{
        emit: () => {
          throw new Error("sink down");
        },
        close: () => {},
      }, memory],
    });
    const { diagnostics } = await captureDiagnostics(async () => {
      session.finishSpan("ToolCallFinished", "unknown", { tool_name: "t" });
      const id = session.startSpan("ToolCallStarted", null, { tool_name: "t" });
      session.finishSpan("ToolCallFinished", id, { tool_name: "t" });
      await session.close();
      session.emitEvent("Late", "x", null, {});
    });
    assert.deepEqual(memory.events.map((e) => [e.event_type, e.duration_ms === null]), [
      ["ToolCallFinished", true],
      ["ToolCallStarted", true],
      ["ToolCallFinished", false],
    ]);
    assert.equal(memory.closed, true);
    // One report when the sink starts failing, one with the count of its later failures at the end.
    assert.equal(diagnostics.filter((d) => d.code === "event_sink_failed").length, 2);
  });
});
