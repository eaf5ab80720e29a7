// The order and length of each ranked list, as design_research_agents' `_analysis.py` builds it:
// - `per_model` and `per_tool`: `sorted(names)` (Python orders `str` by code point), then a stable
//   sort by calls / invocations, cut to top n (`per_tool[: max(1, top_n)]`, as the `--top-n` help
//   says: "Top N rows for per-model/per-tool summaries"): equal counts are in name order;
// - `event_duration_ms`: first-seen order of the event types, stable-sorted by count, top n;
// - `top_errors`: `Counter.most_common(top_n)`: equal counts in first-seen order.
// Names were ordered by UTF-16 code unit, which puts a character past U+FFFF before U+FFFF;
// Python (and now tracelet) put it after. Sorted JSON keys (`--json`, error objects) too.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyzeTraceFiles, formatReportJson } from "../../src/analyze/mod.ts";
import { sortedPythonJson } from "../../src/serialize/sorted_python_json.ts";
import { byCodePoint } from "../../src/serialize/code_point_order.ts";
import { eventLine } from "./_event_line.ts";

const analyze = (lines: string[], topN = 10) =>
  analyzeTraceFiles([{ name: "run_1.jsonl", text: lines.join("\n") + "\n" }], {
    traceDir: "d",
    topN,
  });

const BMP_LAST = "\uffff";
const ASTRAL = "\u{10000}";

describe("ranked lists", () => {
  it("orders equal model and tool counts by code point, as Python's sorted()", () => {
    const report = analyze([
      eventLine("ModelCallStarted", { model: ASTRAL }),
      eventLine("ModelCallStarted", { model: BMP_LAST }),
      eventLine("ToolCallStarted", { tool_name: ASTRAL }),
      eventLine("ToolCallStarted", { tool_name: BMP_LAST }),
    ]);
    assert.deepEqual(report.models.per_model.map((m) => m.model), [BMP_LAST, ASTRAL]);
    assert.deepEqual(report.tools.per_tool.map((t) => t.tool_name), [BMP_LAST, ASTRAL]);
  });

  it("sorts JSON keys by code point, as Python's sort_keys", () => {
    assert.equal(
      sortedPythonJson({ [ASTRAL]: 1, [BMP_LAST]: 2 }),
      '{"\\uffff": 2, "\\ud800\\udc00": 1}',
    );
    const report = analyze([eventLine("Custom", {})]);
    report.events.counts_by_type = { [ASTRAL]: 1, [BMP_LAST]: 1 };
    const json = formatReportJson(report);
    assert.ok(json.indexOf("\\uffff") < json.indexOf("\\ud800\\udc00"), json);
  });

  it("compares strings by code point", () => {
    const sorted = ["b", ASTRAL, "a", BMP_LAST, "\ue000", "ab", ""].sort(byCodePoint);
    assert.deepEqual(sorted, ["", "a", "ab", "b", "\ue000", BMP_LAST, ASTRAL]);
  });

  it("keeps DRA's order and length for each list", () => {
    const lines: string[] = [];
    // Tools and models first seen in reverse name order, with equal counts: listed by name.
    for (const name of ["t3", "t2", "t1"]) {
      lines.push(eventLine("ToolCallStarted", { tool_name: name }));
    }
    for (const name of ["m3", "m2", "m1"]) {
      lines.push(eventLine("ModelCallStarted", { model: name }));
    }
    // Event types and errors first seen in reverse name order, with equal counts: first-seen.
    lines.push(eventLine("Zeta", { error: "z" }, 5), eventLine("Alpha", { error: "a" }, 5));
    const report = analyze(lines, 2);
    assert.deepEqual(report.tools.per_tool.map((t) => t.tool_name), ["t1", "t2"]);
    assert.deepEqual(report.models.per_model.map((m) => m.model), ["m1", "m2"]);
    assert.deepEqual(report.latency.event_duration_ms.map((e) => e.name), ["Zeta", "Alpha"]);
    assert.deepEqual(report.errors.top_errors.map((e) => e.error), ["z", "a"]);
  });
});
