// Labels as design_research_agents writes them (`str(value)` in Python): an event without
// `event_type` is `Unknown`, a null one `None`, a number or boolean its Python text; a step type
// or status that is null, a number, a boolean or empty keeps that text; any truthy `run_id`
// (an object or a list too) is a run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyzeTraceFiles } from "../../src/analyze/mod.ts";
import { eventLine } from "./_event_line.ts";

const analyze = (lines: string[]) =>
  analyzeTraceFiles([{ name: "run_1.jsonl", text: lines.join("\n") }], { traceDir: "d" });

describe("analysis labels (DRA's str())", () => {
  it("event types: missing, null, numbers, booleans, empty and containers", () => {
    const report = analyze([
      '{"run_id": "r"}',
      '{"event_type": null}',
      '{"event_type": 5}',
      '{"event_type": 1.5}',
      '{"event_type": true}',
      '{"event_type": ""}',
      '{"event_type": ["a", 1, null]}',
      '{"event_type": {"k": "it\'s", "n": false}}',
    ]);
    assert.deepEqual(report.events.counts_by_type, {
      Unknown: 1,
      None: 1,
      "5": 1,
      "1.5": 1,
      True: 1,
      "": 1,
      "['a', 1, None]": 1,
      "{'k': \"it's\", 'n': False}": 1,
    });
  });

  it("workflow step types and statuses keep DRA's text; only a missing one is unknown", () => {
    const report = analyze([
      eventLine("WorkflowStepFinished", { step_type: null, status: "" }),
      eventLine("WorkflowStepFinished", { step_type: 5, status: true }),
      eventLine("WorkflowStepFinished", {}),
    ]);
    assert.deepEqual(report.workflow_steps, {
      step_execution_count: 3,
      counts_by_step_type: { None: 1, "5": 1, unknown: 1 },
      counts_by_status: { "": 1, True: 1, unknown: 1 },
    });
  });

  it("an object or list run_id is a run; an empty or falsy one is not", () => {
    const report = analyze([
      eventLine("Bar", {}, null, { x: 1 }),
      eventLine("Bar", {}, null, { x: 1 }),
      eventLine("Bar", {}, null, [1]),
      eventLine("Bar", {}, null, {}),
      eventLine("Bar", {}, null, []),
      eventLine("Bar", {}, null, 0),
      eventLine("Bar", {}, null, 7),
      eventLine("RunFinished", { success: false }, null, ["r"]),
    ]);
    assert.equal(report.runs.unique_run_count, 4);
    assert.equal(report.runs.runs_with_terminal_status, 1);
    assert.equal(report.runs.failure_count, 1);
  });
});
