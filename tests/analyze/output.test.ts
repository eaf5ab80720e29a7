// The analysis report's two renderings: the text form escapes every name and message taken from
// the log (a log can neither drive the terminal nor forge a report line), and `--json` sorts the
// keys of every object as Python's `sort_keys` does, number-like keys included.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyzeTraceFiles, formatReportJson, formatReportText } from "../../src/analyze/mod.ts";
import { eventLine } from "./_event_line.ts";

const EVIL = "evil\u001b[2J\u001b]0;title\u0007\u009b31m\u202e\nErrors: 0";

function reportOf(name: string) {
  const text = [
    eventLine("ModelCallStarted", { model: name }),
    eventLine("ModelCallFinished", { model: name }, 3),
    eventLine("ToolCallStarted", { tool_name: name }),
    eventLine("ToolCallFailed", { tool_name: name, error: name }, 5),
    eventLine(name, {}, 1),
    eventLine("WorkflowStepFinished", { step_type: name, status: name }),
    JSON.stringify({
      span_id: "a".repeat(16),
      trace_id: "b".repeat(32),
      parent_id: null,
      start_time: "2026-01-01T00:00:00Z",
      end_time: "2026-01-01T00:00:01Z",
      status: "ERROR",
      attributes: { "dreadnode.type": name, "dra.error": name },
    }),
    "not json",
  ].join("\n");
  return analyzeTraceFiles([{ name: `run_${name}.jsonl`, text }], {
    traceDir: `dir-${name}`,
    glob: `*${name}`,
  });
}

describe("formatReportText", () => {
  it("escapes names, errors, event types, directory, glob and warnings from the log", () => {
    const report = reportOf(EVIL);
    report.warnings.push(`Cannot read run_${EVIL}.jsonl: boom`);
    const text = formatReportText(report);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    // Exactly as many lines as for a harmless name: no line was forged.
    const plain = reportOf("plain");
    plain.warnings.push("Cannot read run_plain.jsonl: boom");
    assert.equal(text.split("\n").length, formatReportText(plain).split("\n").length);
    assert.ok(!text.split("\n").includes("Errors: 0"));
    assert.ok(
      text.includes("evil\\u001b[2J\\u001b]0;title\\u0007\\u009b31m\\u202e\\u000aErrors: 0"),
    );
  });
});

describe("formatReportJson", () => {
  it("sorts every object's keys as Python's sort_keys, number-like keys included", () => {
    const text = ["10", "9", "b", "__proto__", "constructor", "B"]
      .map((t) => eventLine(t, {}))
      .join("\n");
    const json = formatReportJson(analyzeTraceFiles([{ name: "r.jsonl", text }], {
      traceDir: "d",
    }));
    const counts = json.slice(json.indexOf('"counts_by_type"'), json.indexOf('"malformed_lines"'));
    const keys = [...counts.matchAll(/^ {6}"([^"]*)"/gm)].map((m) => m[1]);
    assert.deepEqual(keys, ["10", "9", "B", "__proto__", "b", "constructor"]);
    const parsed = JSON.parse(json);
    assert.deepEqual(Object.keys(parsed), [
      "artifacts",
      "errors",
      "events",
      "inputs",
      "latency",
      "models",
      "runs",
      "spans",
      "tools",
      "warnings",
      "workflow_steps",
    ]);
    assert.equal(parsed.events.counts_by_type.__proto__, 1);
  });

  it("writes 2-space indented JSON with non-ASCII and controls escaped, as json.dumps does", () => {
    const text = eventLine("modèle\u009b", {});
    const report = analyzeTraceFiles([{ name: "r.jsonl", text }], { traceDir: "d" });
    const json = formatReportJson(report);
    assert.ok(json.includes('"mod\\u00e8le\\u009b": 1'));
    assert.match(json, /^\{\n {2}"artifacts": \{\n {4}"artifact_count": 0,\n/);
    assert.ok(json.includes('"top_errors": []'));
    assert.ok(/^[\n\u0020-\u007e]*$/.test(json));
    assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(report)));
  });
});
