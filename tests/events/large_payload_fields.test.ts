// One large structured payload must not push the attributes beside it out of the event line.
// design_research_agents keeps every key at any depth and cuts only strings over 2048 code points
// (seed semantics §4.5). The session used to serialize the whole attribute object within one
// 1 MiB budget and 32 levels: an OpenAI completion with logprobs (1.26 MB) as a model call's
// response left `response` and a made-up "<truncated>" key (`model`, `usage`, `latency_ms`,
// `finish_reason`, `provider` gone, `response.usage` cut), so the analysis reported 0 tokens; a
// failing step's 40,000-row output took its `error` and `metadata` (the failure left top_errors);
// a long conversation took ModelCallStarted's `params`; nesting past 31 levels was cut.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedactionPolicy } from "../../mod.ts";
import { analyzeTraceDir, analyzeTraceFiles } from "../../src/analyze/mod.ts";
import { nodeReader } from "../../src/analyze/cli.ts";
import {
  emitModelResponseObserved,
  emitWorkflowStepResult,
  eventLine,
  EventTracer,
  finishModelCall,
  MemoryEventSink,
  startModelCall,
  TraceSession,
} from "../../src/events/mod.ts";
import type { TraceEvent, TraceSessionOptions } from "../../src/events/mod.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { eventSetup } from "./_helpers.ts";

/** The budget of an event's attributes in its line, and room for the rest of the line. */
const ATTRIBUTES_BYTES = 1024 * 1024;
const ENVELOPE_BYTES = 1024;

/**
 * A chat completion with logprobs (top_logprobs=5) for a 4000-token answer, 1.26 MB of JSON, its
 * `usage` after `choices`; `provider`, `latency_ms` and `finish_reason` as an SDK's response
 * object carries them (read by the emitters as top-level attributes).
 */
function logprobsResponse() {
  const content = Array.from({ length: 4000 }, (_, i) => ({
    token: ` w${i}`,
    logprob: -0.0123,
    bytes: [32, 119],
    top_logprobs: Array.from({ length: 5 }, (_, j) => ({
      token: ` alt${j}`,
      logprob: -1.5,
      bytes: [32, 97],
    })),
  }));
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o",
    choices: [{
      index: 0,
      message: { role: "assistant", content: "answer" },
      logprobs: { content },
      finish_reason: "stop",
    }],
    usage: { prompt_tokens: 100, completion_tokens: 4000, total_tokens: 4100 },
    provider: "openai",
    latency_ms: 812,
    finish_reason: "stop",
  };
}

const USAGE = { prompt_tokens: 100, completion_tokens: 4000, total_tokens: 4100 };

/** A session writing to memory; the events `emit` produced. */
function eventsOf(
  emit: (session: TraceSession) => void,
  options: Partial<TraceSessionOptions> = {},
): TraceEvent[] {
  const sink = new MemoryEventSink();
  const session = new TraceSession({ runId: "r", sinks: [sink], ...options });
  emit(session);
  return sink.events;
}

/** The written line of an event is within the attributes' budget plus its envelope. */
function assertBounded(event: TraceEvent, keysKept = true): void {
  const line = eventLine(event);
  assert.ok(line.length <= ATTRIBUTES_BYTES + ENVELOPE_BYTES, `line of ${line.length} bytes`);
  if (keysKept) {
    assert.ok(!("<truncated>" in event.attributes), Object.keys(event.attributes).join());
  }
}

describe("a large payload is cut inside itself, the attributes beside it stay", () => {
  it("a 1.26 MB completion keeps model, usage, latency_ms, finish_reason, provider and response.usage, and the analysis counts its tokens", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const response = logprobsResponse();
      assert.ok(JSON.stringify(response).length > 1_200_000);
      await tracer.runCallable({
        agentName: "a",
        requestId: "logprobs",
        fn: () => {
          const id = startModelCall({ model: "gpt-4o", messages: [] });
          finishModelCall(id, { response });
          emitModelResponseObserved({ source: "openai", responsePayload: response });
        },
      });
      const { lines, events } = await readEvents("logprobs");
      for (const type of ["ModelCallFinished", "ModelResponseObserved"]) {
        const event = events.find((e) => e.event_type === type)!;
        const a = event.attributes as Record<string, unknown>;
        assert.equal(a.model, "gpt-4o", type);
        assert.deepEqual(a.usage, USAGE, type);
        assert.equal(a.latency_ms, 812, type);
        assert.equal(a.finish_reason, "stop", type);
        assert.equal(a.provider, "openai", type);
        const kept = a.response as typeof response;
        assert.deepEqual(kept.usage, USAGE, `${type}: response.usage`);
        assert.equal(kept.provider, "openai");
        assert.equal(kept.choices[0].finish_reason, "stop");
        // The token list is what is cut: its leading items whole, then a marker for the rest.
        const tokens = kept.choices[0].logprobs.content as unknown[];
        const marker = String(tokens.at(-1));
        const rest = Number(/^<truncated: (\d+) more items>$/.exec(marker)?.[1]);
        assert.ok(tokens.length > 1000, `${tokens.length} tokens kept`);
        assert.equal(tokens.length - 1 + rest, 4000, marker);
        assertBounded(event);
      }
      // The analysis of the file: DRA's observed family and the legacy one both see the tokens.
      const text = lines.join("\n");
      const report = analyzeTraceFiles([{ name: "run_x.jsonl", text }], { traceDir: "t" });
      assert.equal(report.models.tokens.prompt_tokens, 100);
      assert.equal(report.models.tokens.completion_tokens, 4000);
      const legacy = lines.filter((l) => !l.includes('"ModelResponseObserved"')).join("\n");
      const legacyReport = analyzeTraceFiles([{ name: "run_x.jsonl", text: legacy }], {
        traceDir: "t",
      });
      assert.equal(legacyReport.models.tokens.completion_tokens, 4000);
      assert.equal(legacyReport.models.per_model[0]?.model, "gpt-4o");
    } finally {
      await done();
    }
  });

  it("a trace file on disk with that response is analyzed with its tokens", {
    skip: !hasFileSystem,
  }, async () => {
    const root = await mkdtemp(join(tmpdir(), "tracelet-large-payload-"));
    const storage = new NodeFsStorage({ root });
    try {
      const tracer = new EventTracer({ storage, enableConsole: false, spanTracer: false });
      await tracer.runCallable({
        agentName: "a",
        requestId: "on-disk",
        fn: () => {
          const id = startModelCall({ model: "gpt-4o", messages: [] });
          finishModelCall(id, { response: logprobsResponse() });
        },
      });
      await storage.close();
      const report = await analyzeTraceDir({ traceDir: join(root, "traces"), reader: nodeReader });
      assert.equal(report.events.malformed_lines, 0);
      assert.equal(report.models.tokens.prompt_tokens, 100);
      assert.equal(report.models.tokens.completion_tokens, 4000);
    } finally {
      await storage.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it("a failing step with a 40,000-row output keeps its error and metadata (the analysis counts the failure)", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const rows = Array.from({ length: 40_000 }, (_, i) => ({ i, v: "abcdefgh" }));
      await tracer.runCallable({
        agentName: "a",
        requestId: "step",
        fn: () =>
          emitWorkflowStepResult({
            stepId: "s1",
            stepType: "tool",
            status: "failed",
            success: false,
            output: { rows },
            error: "step failed: timeout",
            metadata: { attempt: 3 },
          }),
      });
      const { lines, events } = await readEvents("step");
      const step = events.find((e) => e.event_type === "WorkflowStepResultObserved")!;
      const a = step.attributes as Record<string, unknown>;
      assert.deepEqual(Object.keys(a), [
        "step_id",
        "step_type",
        "status",
        "success",
        "output",
        "error",
        "metadata",
      ]);
      assert.equal(a.error, "step failed: timeout");
      assert.deepEqual(a.metadata, { attempt: 3 });
      const kept = (a.output as { rows: unknown[] }).rows;
      assert.deepEqual(kept[0], { i: 0, v: "abcdefgh" });
      assert.match(String(kept.at(-1)), /^<truncated: \d+ more items>$/);
      assertBounded(step);
      const text = lines.join("\n");
      const report = analyzeTraceFiles([{ name: "run_s.jsonl", text }], { traceDir: "t" });
      assert.deepEqual(report.errors.top_errors, [{ error: "step failed: timeout", count: 1 }]);
      assert.equal(report.workflow_steps.counts_by_status.failed, 1);
    } finally {
      await done();
    }
  });

  it("a long conversation keeps ModelCallStarted's params and metadata", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const messages = Array.from({ length: 2000 }, (_, i) => ({
        role: i % 2 === 0 ? "user" : "assistant",
        content: `turn ${i} `.repeat(150),
      }));
      await tracer.runCallable({
        agentName: "a",
        requestId: "conversation",
        fn: () => {
          const id = startModelCall({
            model: "m",
            messages,
            params: { temperature: 0.2, max_tokens: 512 },
            metadata: { attempt: 2 },
          });
          finishModelCall(id, {});
        },
      });
      const { events } = await readEvents("conversation");
      const started = events.find((e) => e.event_type === "ModelCallStarted")!;
      const a = started.attributes as Record<string, unknown>;
      assert.equal(a.message_count, 2000);
      assert.deepEqual(a.params, { temperature: 0.2, max_tokens: 512 });
      assert.equal(a.attempt, 2);
      assert.equal((a.messages as { role: string }[])[0].role, "user");
      assertBounded(started);
    } finally {
      await done();
    }
  });

  it("nesting is kept 60 levels deep inside a field, and the fields after it stay", () => {
    let deep: unknown = { leaf: "kept" };
    for (let i = 0; i < 60; i++) deep = { child: deep };
    const [event] = eventsOf((s) =>
      s.emitSpanEvent("WorkflowStepContextObserved", s.rootSpanId, {
        context: deep,
        step_id: "s",
      })
    );
    const text = JSON.stringify(event.attributes.context);
    assert.equal(text.match(/child/g)?.length, 60);
    assert.ok(text.includes('"leaf":"kept"'), text.slice(-80));
    assert.equal(event.attributes.step_id, "s");
    // Deeper than redaction walks (64 levels), a field is cut inside itself with the depth marker,
    // never with the redaction replacement.
    for (let i = 0; i < 40; i++) deep = { child: deep };
    const [deeper] = eventsOf((s) =>
      s.emitSpanEvent("X", s.rootSpanId, { context: deep, step_id: "s" })
    );
    const cut = JSON.stringify(deeper.attributes.context);
    assert.ok(cut.includes("<max depth exceeded>"), cut.slice(-80));
    assert.ok(!cut.includes("REDACTED"), cut.slice(-80));
    assert.equal(deeper.attributes.step_id, "s");
  });

  it("many large fields share the budget: every key stays, the smaller ones whole, each cut one a marker", () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ i, name: `row${i}` }));
    const policies = [undefined, new RedactionPolicy({ enabled: false })];
    for (const redaction of policies) {
      const [event] = eventsOf((s) =>
        s.emitEvent("X", s.rootSpanId, null, {
          huge: rows(200_000),
          medium: rows(5_000),
          text: "t".repeat(3_000_000),
          bytes: new Uint8Array(3_000_000),
          nested: { a: rows(20_000), b: rows(20_000), usage: { total_tokens: 7 } },
          small: 1,
        }), { redaction });
      const a = event.attributes as Record<string, unknown>;
      assert.deepEqual(Object.keys(a), ["huge", "medium", "text", "bytes", "nested", "small"]);
      assert.equal(a.small, 1);
      assert.equal((a.medium as unknown[]).length, 5_000, "a field under its share is whole");
      assert.match(String((a.huge as unknown[]).at(-1)), /^<truncated: \d+ more items>$/);
      const text = String(a.text);
      const bytes = String(a.bytes);
      assert.ok(/^t+\.\.\.\[truncated:3000000\]$/.test(text), text.slice(-40));
      // Base64 of the leading bytes, then the length of the whole (base64, or bytes unlimited).
      assert.ok(/^A+\.\.\.\[truncated:(4000000|3000000 bytes)\]$/.test(bytes), bytes.slice(-40));
      const nested = a.nested as Record<string, unknown>;
      assert.deepEqual(nested.usage, { total_tokens: 7 });
      assertBounded(event);
    }
  });

  it("too many top-level keys, or too long ones, to give each a marker: the line stays bounded", () => {
    const many: Record<string, unknown> = { model: "m" };
    for (let i = 0; i < 100_000; i++) many[`meta_key_${i}`] = "v".repeat(20);
    const [wide, long] = eventsOf((s) => {
      s.emitEvent("X", s.rootSpanId, null, many);
      s.emitEvent("X", s.rootSpanId, null, { ["k".repeat(3_000_000)]: 1, model: "m" });
    });
    assertBounded(wide, false);
    assert.equal(wide.attributes.model, "m");
    assert.equal(wide.attributes.meta_key_0, "v".repeat(20));
    const kept = Object.keys(wide.attributes).length - 1;
    assert.equal(wide.attributes["<truncated>"], `${100_001 - kept} more properties`);
    assertBounded(long, false);
    assert.deepEqual(long.attributes, { model: "m", "<truncated>": "1 more properties" });
  });
});
