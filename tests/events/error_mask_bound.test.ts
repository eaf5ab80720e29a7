// An event's error text is masked as free text before it is cut to the policy's length (so a
// secret at that cut is masked whole), but masking costs time in the length of the text: a 16 MB
// error with many `"token":` pieces took 3.2 s, 40 MB 13.7 s. Only a bounded prefix is masked now
// (four times the policy's length plus 1024 code points, at most 1 MiB), cut first with a marker
// stating the original length.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../../src/redact/policy.ts";
import { MemoryEventSink, TraceSession } from "../../src/events/mod.ts";
import { SimpleSpanProcessor, Tracer } from "../../mod.ts";
import { MemoryExporter } from "../_support/collect.ts";

/** A policy that records the length of every text given to `redactText`. */
class RecordingPolicy extends RedactionPolicy {
  readonly lengths: number[] = [];
  override redactText(text: string, options?: { truncate?: boolean }): string {
    this.lengths.push(text.length);
    return super.redactText(text, options);
  }
}

const CHUNK = 'line "token": "abc" \\" {"a": "b\\"c"} [1,2] ';

function errorOf(policy: RedactionPolicy, error: string, finish = false): string {
  const sink = new MemoryEventSink();
  const session = new TraceSession({ runId: "r", sinks: [sink], redaction: policy });
  if (finish) {
    const id = session.startSpan("ToolCallStarted", null, {});
    session.finishSpan("ToolCallFinished", id, { error });
  } else {
    session.emitEvent("X", session.rootSpanId, null, { error });
  }
  return String(sink.events.at(-1)!.attributes.error);
}

describe("error text masking is bounded", () => {
  it("masks at most 4 x the limit + 1024 code points of a 5 MB error", () => {
    const policy = new RecordingPolicy();
    const error = CHUNK.repeat(Math.ceil(5e6 / CHUNK.length));
    const out = errorOf(policy, error);
    assert.ok(policy.lengths.length > 0);
    const bound = 2048 * 4 + 1024 + "...[truncated:]".length + 16;
    for (const n of policy.lengths) assert.ok(n <= bound, `masked ${n} characters`);
    assert.ok(out.endsWith(`...[truncated:${error.length}]`), out.slice(-40));
    assert.ok(!out.includes('"abc"'), "the tokens are masked");
    assert.ok(out.length <= 2048 + 24);
  });

  it("at most 1 MiB whatever the limit", () => {
    const policy = new RecordingPolicy({ maxStringLength: 10_000_000 });
    const error = "e".repeat(3_000_000);
    const out = errorOf(policy, error);
    for (const n of policy.lengths) assert.ok(n <= 1_048_576 + 24, `masked ${n} characters`);
    assert.ok(out.endsWith("...[truncated:3000000]"), out.slice(-40));
  });

  it("still masks a secret at the final cut whole, and states the original length", () => {
    const secret = `sk-live-${"1".repeat(60)}`;
    const error = `HTTP 401: ${"d".repeat(2000)} "api_key": "${secret}" ${"z".repeat(2_000_000)}`;
    for (const finish of [false, true]) {
      const out = errorOf(new RedactionPolicy(), error, finish);
      assert.ok(!out.includes("sk-l"), out.slice(-60));
      assert.ok(!/1{4}/.test(out), out.slice(-60));
      assert.ok(
        out.endsWith(`"api_key": "***REDACT...[truncated:${error.length}]`),
        out.slice(-60),
      );
    }
  });

  it("a secret straddling the bound is masked to the bound; the marker stays", () => {
    const policy = new RedactionPolicy({ maxStringLength: 200 });
    const pad = 200 * 4 + 1024 - 16 - 20;
    const error = `${"p".repeat(pad)} "token": "${"S".repeat(5000)}" tail`;
    const out = errorOf(policy, error);
    assert.ok(!out.includes("SSSS"));
    assert.equal(out, `${"p".repeat(184)}...[truncated:${error.length}]`);
  });

  it("the span's status message is bounded too", () => {
    const policy = new RecordingPolicy();
    const sink = new MemoryEventSink();
    const exporter = new MemoryExporter();
    const spanTracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
    const session = new TraceSession({ runId: "r", sinks: [sink], redaction: policy, spanTracer });
    const id = session.startSpan("ToolCallStarted", null, {}, { name: "tool" });
    const error = CHUNK.repeat(100_000);
    session.finishSpan("ToolCallFinished", id, {}, { error });
    assert.ok(policy.lengths.length > 0);
    for (const n of policy.lengths) assert.ok(n <= 2048 * 4 + 1024 + 40, `masked ${n}`);
    const status = exporter.spans.find((s) => s.name === "tool")?.status;
    assert.equal(status?.code, "ERROR");
    assert.ok(String(status?.message).endsWith(`...[truncated:${error.length}]`));
  });

  it("a disabled policy leaves error text whole", () => {
    const error = "e".repeat(100_000);
    assert.equal(errorOf(new RedactionPolicy({ enabled: false }), error), error);
  });
});
