// The analysis report's top errors are masked by the redaction policy as error text: a trace file
// written without it (another tool, an older release, a policy with fewer keys) still holding a
// secret in an error does not put it in a report pasted into a ticket.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy, setRedactionPolicy } from "../../mod.ts";
import { analyzeTraceFiles, formatReportJson, formatReportText } from "../../src/analyze/mod.ts";
import { isolated } from "../_support/global_state.ts";
import { eventLine } from "./_event_line.ts";

const R = "***REDACTED***";

/** A tracelet span line (as the JSONL span exporter writes it) that failed. */
function spanLine(id: string, attributes: Record<string, unknown>, events: unknown[] = []) {
  return JSON.stringify({
    trace_id: `t${id}`,
    span_id: `s${id}`,
    parent_id: null,
    name: "call",
    start_time: "2026-01-01T00:00:00Z",
    end_time: "2026-01-01T00:00:01Z",
    status: "ERROR",
    attributes,
    events,
  });
}

const TEXT = [
  eventLine("ToolCallFailed", { tool_name: "t", error: 'HTTP 401: {"api_key": "SECRET_A"}' }),
  eventLine("ToolCallFailed", { tool_name: "t", error: 'HTTP 401: {"api_key": "SECRET_B"}' }),
  eventLine("RunFinished", { success: false, error: { token: "SECRET_OBJ", code: 1 } }),
  eventLine("ModelCallFailed", { model: "m", error: { message: 'bad {"secret": "SECRET_M"}' } }),
  spanLine("1", {}, [{
    name: "exception",
    attributes: { "exception.message": 'failed {"password": "SECRET_EXC"}' },
  }]),
  spanLine("2", { "openai.error": JSON.stringify({ message: 'x {"token": "SECRET_OAI"}' }) }),
  spanLine("3", { "openai.error": 'not json {"token": "SECRET_OAI_TEXT"}' }),
].join("\n");

describe("analysis: top errors are masked", () => {
  it("masks error text, error objects and span errors, counting the same masked text once", () => {
    const report = analyzeTraceFiles([{ name: "run_1.jsonl", text: TEXT }], { traceDir: "d" });
    const printed = formatReportText(report) + formatReportJson(report);
    assert.doesNotMatch(printed, /SECRET_/, printed);
    const top = new Map(report.errors.top_errors.map((e) => [e.error, e.count]));
    assert.equal(top.get(`HTTP 401: {"api_key": "${R}"}`), 2);
    assert.equal(top.get(`{"code": 1, "token": "${R}"}`), 1, "Python's JSON form is kept");
    assert.equal(top.get(`bad {"secret": "${R}"}`), 1);
    assert.equal(top.get(`failed {"password": "${R}"}`), 1);
    assert.equal(top.get(`x {"token": "${R}"}`), 1);
    assert.equal(top.get(`not json {"token": "${R}"}`), 1);
    assert.equal(report.errors.error_event_count, 7);
  });

  it("uses the process-wide policy", async () => {
    await isolated(() => {
      setRedactionPolicy(new RedactionPolicy({ extraKeys: ["session_key"] }));
      const text = eventLine("ToolCallFailed", { error: 'denied {"session_key": "SECRET_S"}' });
      const report = analyzeTraceFiles([{ name: "run_1.jsonl", text }], { traceDir: "d" });
      assert.deepEqual(report.errors.top_errors, [
        { error: `denied {"session_key": "${R}"}`, count: 1 },
      ]);
    });
  });
});
