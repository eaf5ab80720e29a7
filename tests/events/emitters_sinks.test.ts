// Every emitter and *Observed* event, the console sink printing every event type, and redaction
// of every sensitive key in every sink (JSONL file, console output, tracelet span attributes).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_REDACTED_KEYS } from "../../src/redact/options.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import {
  ConsoleEventSink,
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
  formatEvent,
  lineStream,
  startModelCall,
  startToolCall,
} from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { eventSetup } from "./_helpers.ts";

/** An object holding a distinct secret under every default sensitive key. */
function secrets(tag: string): Record<string, string> {
  return Object.fromEntries(DEFAULT_REDACTED_KEYS.map((k) => [k, `SECRET-${tag}-${k}`]));
}

/** Calls every emitter once, with secrets in every payload. */
function emitEverything(): void {
  const modelId = startModelCall({
    model: "gpt-4o",
    messages: [{ role: "user", content: "hi", ...secrets("msg") }],
    params: { temperature: 0.1, ...secrets("params") },
    metadata: { provider_hint: "x", nested: secrets("meta") },
  });
  emitModelToken(modelId, "Hel");
  emitModelToken(modelId, "");
  emitModelToken(modelId, "lo");
  finishModelCall(modelId, {
    response: {
      model: "gpt-4o",
      usage: { prompt_tokens: 5 },
      finish_reason: "stop",
      provider: "openai",
      raw: secrets("resp"),
    },
  });
  const failedModel = startModelCall({ model: "gpt-4o" });
  finishModelCall(failedModel, { error: new Error("overloaded"), model: "gpt-4o" });
  const toolId = startToolCall({
    toolName: "search",
    toolInput: { q: "x".repeat(3000), ...secrets("toolin") },
    requestId: "call-1",
    dependencies: { db: { password: "SECRET-dep" }, cache: 1 },
  });
  finishToolCall(toolId, { toolName: "search", result: { hits: 1, ...secrets("toolout") } });
  const badTool = startToolCall({ toolName: "calc" });
  failToolCall(badTool, { toolName: "calc", error: "division by zero" });
  emitRouterDecision({
    source: "schema",
    alternatives: ["search", "calc"],
    selectedToolName: "search",
    selectedIndex: 0,
    reason: "needs facts",
    parsedRoute: secrets("route"),
  });
  emitModelSelectionDecision({
    modelId: "gpt-4o",
    provider: "openai",
    rationale: "best",
    policyId: "p1",
    policyConfig: secrets("policy"),
    catalogSignature: "sig",
    intent: { task: "qa" },
    constraints: { max_cost: 1 },
    hardwareProfile: { gpu: false },
    candidateCount: 3,
  });
  emitToolSelectionDecision({
    source: "fallback",
    toolName: "calc",
    reason: "math",
    parsedToolCall: secrets("toolsel"),
  });
  emitContinuationDecision({ step: 2, shouldContinue: false, reason: "done", source: "model" });
  emitGuardrailDecision({
    guardrail: "pii",
    decision: "block",
    reason: "email found",
    details: secrets("guard"),
  });
  emitModelRequestObserved({
    source: "client",
    model: "gpt-4o",
    requestPayload: { headers: secrets("req") },
  });
  emitModelResponseObserved({
    source: "client",
    responsePayload: {
      model: "gpt-4o",
      usage: { completion_tokens: 2 },
      latency_ms: 12,
      body: secrets("res"),
    },
  });
  emitToolInvocationObserved({
    toolName: "search",
    sourceId: "web",
    requestId: "call-1",
    toolInput: secrets("inv"),
    dependencyKeys: ["z", "a"],
    metadata: secrets("invmeta"),
  });
  emitToolResultObserved({
    toolName: "search",
    sourceId: "web",
    ok: false,
    resultPayload: secrets("tres"),
    error: "boom",
  });
  emitWorkflowStepContext({ stepId: "s1", stepType: "tool", context: secrets("ctx") });
  emitWorkflowStepResult({
    stepId: "s1",
    stepType: "tool",
    status: "completed",
    success: true,
    output: secrets("out"),
    error: null,
    metadata: secrets("stepmeta"),
  });
  currentTraceSession()!.emitEvent("CustomThing", currentTraceSession()!.rootSpanId, null, {
    note: "n",
    ...secrets("custom"),
  });
}

describe("emitters", () => {
  it("emit DRA's events and attributes", async () => {
    const { tracer, readEvents, done } = eventSetup();
    try {
      await tracer.runCallable({ agentName: "a", requestId: "emit", fn: emitEverything });
      const { events } = await readEvents("emit");
      const types = events.map((e) => e.event_type);
      assert.deepEqual(types, [
        "RunStarted",
        "ModelCallStarted",
        "ModelCallToken",
        "ModelCallToken",
        "ModelCallFinished",
        "ModelCallStarted",
        "ModelCallFailed",
        "ToolCallStarted",
        "ToolCallFinished",
        "ToolCallStarted",
        "ToolCallFailed",
        "RouterDecision",
        "ModelSelectionDecision",
        "ToolSelectionDecision",
        "ContinuationDecision",
        "GuardrailDecision",
        "ModelRequestObserved",
        "ModelResponseObserved",
        "ToolInvocationObserved",
        "ToolResultObserved",
        "WorkflowStepContextObserved",
        "WorkflowStepResultObserved",
        "CustomThing",
        "RunFinished",
      ]);
      const of = (type: string) => events.find((e) => e.event_type === type)!;
      const root = of("RunStarted").span_id;
      const started = of("ModelCallStarted");
      assert.equal(started.attributes.model, "gpt-4o");
      assert.equal(started.attributes.message_count, 1);
      assert.equal(started.attributes.provider_hint, "x", "metadata merged at the top level");
      assert.equal(started.parent_span_id, root);
      assert.equal(of("ModelCallToken").span_id, started.span_id);
      assert.equal(of("ModelCallToken").attributes.delta_text, "Hel");
      const finished = of("ModelCallFinished");
      assert.equal(finished.attributes.finish_reason, "stop");
      assert.equal(finished.attributes.provider, "openai");
      assert.deepEqual(finished.attributes.usage, { prompt_tokens: 5 });
      assert.deepEqual(of("ModelCallFailed").attributes, {
        error: "overloaded",
        model: "gpt-4o",
        usage: null,
        latency_ms: null,
      });
      assert.deepEqual(of("ToolCallStarted").attributes.dependency_keys, ["cache", "db"]);
      assert.equal(of("ToolCallStarted").attributes.request_id, "call-1");
      assert.equal(of("ToolCallFinished").attributes.ok, true);
      assert.deepEqual(of("ToolCallFailed").attributes, {
        tool_name: "calc",
        ok: false,
        error: "division by zero",
      });
      assert.equal(of("RouterDecision").attributes.selected_tool_name, "search");
      assert.equal(of("ModelSelectionDecision").attributes.candidate_count, 3);
      assert.equal(of("ToolSelectionDecision").attributes.tool_name, "calc");
      assert.deepEqual(of("ContinuationDecision").attributes, {
        step: 2,
        continue: false,
        reason: "done",
        source: "model",
      });
      assert.equal(of("GuardrailDecision").attributes.decision, "block");
      assert.equal(of("ModelResponseObserved").attributes.latency_ms, 12);
      assert.equal(of("ModelResponseObserved").attributes.model, "gpt-4o");
      assert.deepEqual(of("ToolInvocationObserved").attributes.dependency_keys, ["a", "z"]);
      assert.equal(of("ToolResultObserved").attributes.error, "boom");
      assert.equal(of("WorkflowStepResultObserved").attributes.status, "completed");
      for (const e of events.slice(11, 22)) {
        assert.equal(e.span_id, root, `${e.event_type} on the current span`);
      }
      const input = of("ToolCallStarted").attributes.tool_input as Record<string, string>;
      assert.equal(input.q, "x".repeat(2032) + "...[truncated:3000]");
    } finally {
      await done();
    }
  });

  it("are no-ops without an active session", () => {
    assert.equal(currentTraceSession(), undefined);
    assert.doesNotThrow(emitEverythingOutside);
  });
});

function emitEverythingOutside(): void {
  assert.equal(startModelCall({ model: "m" }), undefined);
  assert.equal(startToolCall({ toolName: "t" }), undefined);
  finishModelCall("x", {});
  finishToolCall("x", { toolName: "t" });
  emitRouterDecision({ source: "s", alternatives: [] });
  emitWorkflowStepContext({ stepId: "s", stepType: "t", context: {} });
}

describe("sinks", () => {
  it("redact every sensitive key in the JSONL file, the console output and the tracelet spans", async () => {
    const { tracer, readEvents, console, collector, done } = eventSetup();
    try {
      await tracer.runCallable({
        agentName: "a",
        requestId: "redact",
        inputPayload: { prompt: "hi", ...secrets("input") },
        dependencies: { svc: secrets("deps") },
        fn: () => {
          emitEverything();
          return { text: "ok", ...secrets("result") };
        },
      });
      const { lines, events } = await readEvents("redact");
      const jsonl = lines.join("\n");
      const spans = JSON.stringify(collector.ended.map((s) => ({ a: s.attributes, e: s.events })));
      for (const [name, text] of [["jsonl", jsonl], ["console", console.text], ["spans", spans]]) {
        assert.ok(!text.includes("SECRET-"), `${name} leaks: ${text.match(/SECRET-[\w-]+/)?.[0]}`);
      }
      assert.ok(jsonl.includes("***REDACTED***"));
      assert.ok(spans.includes("***REDACTED***"));
      const runStarted = events.find((e) => e.event_type === "RunStarted")!;
      for (const key of DEFAULT_REDACTED_KEYS) {
        assert.equal(
          (runStarted.attributes.input as Record<string, string>)[key],
          "***REDACTED***",
          key,
        );
      }
      const result = events.find((e) => e.event_type === "RunFinished")!.attributes.result as {
        output: Record<string, string>;
      };
      assert.equal(result.output.text, "ok");
      assert.equal(result.output.api_key, "***REDACTED***");
      const toolSpan = collector.byName("execute_tool search");
      assert.equal(toolSpan.attributes["gen_ai.tool.call.id"], "call-1");
      assert.match(String(toolSpan.attributes["dra.tool_input"]), /\.\.\.\[truncated:3000\]/);
    } finally {
      await done();
    }
  });

  it("the console sink prints every event type, streaming token deltas inline", async () => {
    const { tracer, console, done } = eventSetup();
    try {
      await tracer.runCallable({ agentName: "printer", requestId: "print", fn: emitEverything });
      const lines = console.text.split("\n").filter((l) => l !== "");
      const prefixes = [
        "[run] start agent=printer",
        "[model] start model=gpt-4o messages=1",
        "[model] Hello",
        "[model] finished model=gpt-4o",
        "[model] start model=gpt-4o messages=0",
        "[model] failed model=gpt-4o error=overloaded",
        "[tool] start tool=search",
        "[tool] finished tool=search",
        "[tool] start tool=calc",
        "[tool] failed tool=calc error=division by zero",
        "[router] decision source=schema selected=search",
        "[model-select] model=gpt-4o provider=openai",
        "[tool-select] tool=calc source=fallback",
        "[continuation] step=2 continue=false",
        "[guardrail] guardrail=pii decision=block",
        "[observed] model-request source=client model=gpt-4o",
        "[observed] model-response source=client model=gpt-4o",
        "[observed] tool-invocation tool=search",
        "[observed] tool-result tool=search ok=false error=boom",
        "[observed] step-context step=s1 type=tool",
        "[observed] step-result step=s1 type=tool status=completed success=true",
        "[event] CustomThing span=",
        "[run] finished success=true",
      ];
      assert.equal(lines.length, prefixes.length, lines.join("\n"));
      for (const [i, prefix] of prefixes.entries()) {
        assert.ok(lines[i].startsWith(prefix), `${lines[i]} !~ ${prefix}`);
      }
      assert.ok(lines.every((l) => l.length < 600), "values are previewed");
      assert.match(lines[6], /input=\{"q":"x{100,}\.\.\.$/);
      assert.match(lines[lines.length - 1], /duration_ms=\d+$/);
    } finally {
      await done();
    }
  });

  it("the default console stream takes streamed tokens in linear time, holding back at most 64 KiB", () => {
    const lines: string[] = [];
    const sink = new ConsoleEventSink(lineStream((line) => lines.push(line)));
    const token = { event_type: "ModelCallToken", attributes: { delta_text: "tok " } };
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) sink.emit(token as unknown as TraceEvent);
    sink.close();
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 2000, `${elapsed} ms`); // quadratic before: about 15 s
    assert.equal(lines.join(""), "[model] " + "tok ".repeat(100_000));
    assert.ok(lines.length > 1 && lines.every((l) => l.length <= 65_536 + 4), "bounded");
  });

  it("token streams of runs printing to one stream at the same time never mix on one line", () => {
    const token = (text: string) =>
      ({ event_type: "ModelCallToken", attributes: { delta_text: text } }) as unknown as TraceEvent;
    const done = {
      event_type: "ModelCallFinished",
      attributes: { model: "m" },
      duration_ms: null,
    } as unknown as TraceEvent;
    const lines: string[] = [];
    const raw: string[] = [];
    for (
      const stream of [lineStream((line) => lines.push(line)), {
        write: (t: string) => void raw.push(t),
      }]
    ) {
      const a = new ConsoleEventSink(stream);
      const b = new ConsoleEventSink(stream);
      a.emit(token("The "));
      b.emit(token("Hello "));
      a.emit(token("cat"));
      b.emit(token("world"));
      b.emit(done);
      a.emit(done);
    }
    const expected = [
      "[model] Hello world",
      "[model] finished model=m",
      "[model] The cat",
      "[model] finished model=m",
    ];
    assert.deepEqual(lines, expected);
    assert.deepEqual(raw.join("").split("\n"), [...expected, ""]);
    assert.ok(raw.every((t) => t.endsWith("\n")), "each write is whole lines");

    // Past 64 KiB the held line is written, never splitting a character outside the BMP.
    const long: string[] = [];
    const sink = new ConsoleEventSink(lineStream((line) => long.push(line)));
    sink.emit(token(`${"x".repeat(65_528)}\uD83D`));
    sink.emit(token("\uDE00!"));
    sink.close();
    assert.deepEqual(long, [`[model] ${"x".repeat(65_528)}`, "\u{1F600}!"]);
  });

  it("a JSONL line is byte for byte Python's json.dumps(event, ensure_ascii=True), as DRA writes it", async () => {
    const event: TraceEvent = {
      event_type: "ToolCallFinished",
      run_id: "req-\u00e9",
      span_id: "ab12",
      parent_span_id: null,
      timestamp: "2026-01-01T00:00:00.000000+00:00",
      timestamp_ms: 1767225600000,
      duration_ms: 12,
      attributes: {
        tool_name: 'search, then: "quote" \\ back',
        ok: true,
        empty: {},
        none: [],
        result: {
          text: "caf\u00e9 \u{1F600} \u4e2d\n\t\x01\x7f",
          hits: [1, -2, 0.5, 1e-5, 2.5e-7, 2 ** 60],
          flag: false,
          missing: null,
        },
      },
      event_index: 3,
    };
    // python3 -c 'import json; print(json.dumps(event, ensure_ascii=True))' for the same event:
    const python = String
      .raw`{"event_type": "ToolCallFinished", "run_id": "req-\u00e9", "span_id": "ab12", "parent_span_id": null, "timestamp": "2026-01-01T00:00:00.000000+00:00", "timestamp_ms": 1767225600000, "duration_ms": 12, "attributes": {"tool_name": "search, then: \"quote\" \\ back", "ok": true, "empty": {}, "none": [], "result": {"text": "caf\u00e9 \ud83d\ude00 \u4e2d\n\t\u0001\u007f", "hits": [1, -2, 0.5, 1e-05, 2.5e-07, 1152921504606846976], "flag": false, "missing": null}}, "event_index": 3}`;
    assert.equal(eventLine(event), python);

    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      await tracer.runCallable({ agentName: "a", requestId: "bytes", fn: () => "ok" });
      const { lines, events } = await readEvents("bytes");
      assert.equal(lines.length, 2);
      for (const [i, line] of lines.entries()) {
        assert.ok(line.startsWith('{"event_type": "'), line);
        assert.equal(line, eventLine(events[i]));
      }
    } finally {
      await done();
    }
  });

  it("formatEvent escapes newlines and shows unknown types with their attributes", () => {
    const event: TraceEvent = {
      event_type: "Mystery",
      run_id: "r",
      span_id: "abc",
      parent_span_id: null,
      timestamp: "2026-01-01T00:00:00+00:00",
      timestamp_ms: 0,
      duration_ms: 5,
      attributes: { note: "line1\nline2" },
      event_index: 0,
    };
    assert.equal(formatEvent(event), "[event] Mystery span=abc note=line1\\nline2 duration_ms=5");
  });

  it("writes the run's JSONL file under traceDir in a real file-system storage", {
    skip: !hasFileSystem,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), "tracelet-events-"));
    try {
      const tracer = new EventTracer({
        storage: new NodeFsStorage({ root }),
        enableConsole: false,
        spanTracer: false,
      });
      await tracer.runCallable({
        agentName: "a",
        requestId: "disk/run 1",
        inputPayload: { token: "SECRET-t" },
        fn: () => 1,
      });
      const files = await readdir(join(root, "traces"));
      assert.equal(files.length, 1);
      // `/` and ` ` are written as `_`, with a hash of the id: `disk_run_1` keeps its own file.
      assert.match(files[0], /^run_\d{8}T\d{6}Z_disk_run_1_[0-9a-f]{32}\.jsonl$/);
      const text = await readFile(join(root, "traces", files[0]), "utf8");
      const lines = text.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.event_type), ["RunStarted", "RunFinished"]);
      assert.equal(lines[0].attributes.input.token, "***REDACTED***");
      assert.ok(!text.includes("SECRET-"));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
