// The trace analysis counts what design_research_agents' `_analysis.py` counts (seed-semantics
// §4.7): the event family per statistic, Python's NaN/Infinity lines, model usage (OpenAI-style
// keys) and latency from responses only, DRA's error texts and tie order, numeric run ids, `./`
// globs and no absolute ones, and a line too long to hold skipped without losing the rest of the
// file.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyzeTraceDir, analyzeTraceFiles } from "../../src/analyze/mod.ts";
import type { TraceDirReader } from "../../src/analyze/mod.ts";
import { Utf8LineSplitter } from "../../src/utf8_lines.ts";
import { eventLine } from "./_event_line.ts";

const event = eventLine;

const analyze = (lines: string[]) =>
  analyzeTraceFiles([{ name: "run_1.jsonl", text: lines.join("\n") }], { traceDir: "d" });

/** An in-memory reader that hands out each file in small chunks. */
function chunkReader(files: Record<string, string>, chunkBytes = 7): TraceDirReader {
  return {
    listFiles: () => Promise.resolve(Object.keys(files)),
    async *readChunks(path: string) {
      const bytes = new TextEncoder().encode(files[path.slice(path.indexOf("/") + 1)]);
      for (let i = 0; i < bytes.length; i += chunkBytes) yield bytes.subarray(i, i + chunkBytes);
    },
  };
}

describe("DRA parity of the trace analysis", () => {
  it("chooses the Observed or legacy family per statistic, not once for all", () => {
    const report = analyze([
      event("ModelRequestObserved", { model: "gpt-4o", request: {} }),
      event("ModelCallStarted", { model: "gpt-4o" }),
      event("ModelCallFinished", {
        model: "gpt-4o",
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }, 100),
      event("ToolCallStarted", { tool_name: "search" }),
      event("ToolCallFinished", { tool_name: "search", ok: true }, 20),
      event("ToolCallStarted", { tool_name: "search" }),
      event("ToolCallFailed", { tool_name: "search", ok: false, error: "timeout" }, 30),
      event("WorkflowStepFinished", { step_type: "tool", status: "completed" }),
    ]);
    // Model calls come from ModelRequestObserved; responses, tools and steps stay legacy.
    assert.equal(report.models.model_call_count, 1);
    assert.deepEqual(report.models.tokens, {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
    });
    assert.deepEqual(report.models.latency_ms, {
      count: 1,
      min: 100,
      p50: 100,
      p95: 100,
      max: 100,
    });
    assert.equal(report.tools.tool_invocation_count, 2);
    assert.equal(report.tools.tool_success_count, 1);
    assert.equal(report.tools.tool_failure_count, 1);
    assert.deepEqual(report.tools.per_tool, [
      { tool_name: "search", invocation_count: 2, success_count: 1, failure_count: 1 },
    ]);
    assert.equal(report.workflow_steps.step_execution_count, 1);
  });

  it("reads lines with Python's bare NaN, Infinity and -Infinity instead of dropping them", () => {
    const report = analyze([
      '{"event_type": "ModelCallStarted", "run_id": "r1", "duration_ms": null, ' +
      '"attributes": {"model": "m", "params": {"temperature": NaN, "top": -Infinity}}}',
      '{"event_type": "ModelCallFinished", "run_id": "r1", "duration_ms": 40, ' +
      '"attributes": {"model": "m", "usage": {"prompt_tokens": 3, "total_tokens": 3}, ' +
      '"latency_ms": Infinity, "error": "NaN \\"Infinity\\" stays"}}',
      '{"event_type": "Broken", NaN}',
    ]);
    assert.equal(report.events.total, 2);
    assert.equal(report.events.malformed_lines, 1, "still not JSON with NaN read");
    assert.equal(report.models.model_call_count, 1);
    assert.equal(report.models.tokens.prompt_tokens, 3);
    assert.deepEqual(report.models.latency_ms.count, 1);
    assert.equal(report.models.latency_ms.max, 40);
    assert.deepEqual(report.errors.top_errors, [{ error: 'NaN "Infinity" stays', count: 1 }]);
  });

  it("takes usage and latency from responses only, latency from response.latency_ms else duration_ms", () => {
    const report = analyze([
      event("ModelCallStarted", { model: "a" }),
      event("ModelCallFinished", {
        model: "a",
        latency_ms: 7, // top-level latency is not what DRA reads
        usage: { prompt_tokens: 4, completion_tokens: 6 },
      }, 120),
      event("ModelCallStarted", { model: "a" }),
      event("ModelCallFinished", {
        response: { model: "a", latency_ms: 190, usage: { prompt_tokens: 1, total_tokens: 9 } },
      }, 200),
      event("ModelCallStarted", { model: "a" }),
      event("ModelCallFailed", {
        model: "a",
        error: "rate limited",
        usage: { prompt_tokens: 100, total_tokens: 100 },
      }, 50),
    ]);
    assert.deepEqual(report.models.tokens, {
      prompt_tokens: 5,
      completion_tokens: 6,
      total_tokens: 9,
    });
    assert.deepEqual(report.models.latency_ms, {
      count: 2,
      min: 120,
      p50: 120,
      p95: 190,
      max: 190,
    });
    assert.equal(report.models.model_failure_count, 1);
    assert.deepEqual(report.models.per_model[0].failure_count, 1);
  });

  it("reads only OpenAI-style usage keys of events, and response.usage when usage is not an object", () => {
    const report = analyze([
      event("ModelCallStarted", { model: "m" }),
      // Not a mapping: DRA's _extract_usage falls back to response.usage.
      event("ModelCallFinished", {
        model: "m",
        usage: "n/a",
        response: { usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } },
      }),
      event("ModelCallFinished", {
        model: "m",
        usage: [1, 2],
        response: { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
      }),
      // Responses-API keys: DRA reads prompt/completion/total_tokens only, so nothing here.
      event("ModelCallFinished", { model: "m", usage: { input_tokens: 100, output_tokens: 50 } }),
    ]);
    assert.deepEqual(report.models.tokens, {
      prompt_tokens: 6,
      completion_tokens: 8,
      total_tokens: 14,
    });
  });

  it("counts errors and formats them as DRA does, ties in first-seen order", () => {
    const report = analyze([
      event("ToolCallFailed", { tool_name: "t", error: true }),
      event("ToolCallFailed", { tool_name: "t", error: 0 }),
      event("ToolCallFailed", { tool_name: "t", error: [] }),
      event("ToolCallFailed", { tool_name: "t", error: "" }),
      event("X", { error: "zeta" }),
      event("X", { error: { code: 500, detail: { b: "é", a: [1, 2] } } }),
      event("X", { error: ["x", { k: 1 }] }),
      event("X", { error: { message: 5, z: null } }),
      event("X", { error: "500" }),
    ]);
    assert.equal(report.errors.error_event_count, 5);
    assert.deepEqual(report.errors.top_errors.map((e) => e.error), [
      "zeta",
      '{"code": 500, "detail": {"a": [1, 2], "b": "\\u00e9"}}',
      '["x", {"k": 1}]',
      '{"message": 5, "z": null}',
      "500",
    ]);
    // ToolCallFailed is a failure whatever its `ok` or `error` says.
    assert.equal(report.tools.tool_failure_count, 4);
  });

  it("orders event_duration_ms ties by first appearance, like DRA", () => {
    const report = analyze([
      event("Zeta", {}, 1),
      event("Alpha", {}, 2),
      event("Mid", {}, 3),
      event("Mid", {}, 4),
    ]);
    assert.deepEqual(report.latency.event_duration_ms.map((e) => e.name), ["Mid", "Zeta", "Alpha"]);
  });

  it("counts a numeric run_id as a run, as DRA's str() does", () => {
    const report = analyze([
      event("RunStarted", {}, null, 7),
      event("RunFinished", { success: true }, null, 7),
      event("RunStarted", {}, null, 0), // falsy: no run in DRA
    ]);
    assert.equal(report.runs.unique_run_count, 1);
    assert.equal(report.runs.success_count, 1);
  });

  it("matches a glob that starts with ./ as pathlib does", async () => {
    const reader = chunkReader({ "run_a.jsonl": event("RunStarted", {}) + "\n" });
    const report = await analyzeTraceDir({ traceDir: "d", glob: "./run_*.jsonl", reader });
    assert.deepEqual(report.inputs.files, ["run_a.jsonl"]);
    assert.equal(report.inputs.glob, "./run_*.jsonl");
    assert.equal(report.events.total, 1);
  });

  it("rejects an absolute glob as pathlib does, before reading anything", async () => {
    let listed = false;
    const reader = chunkReader({ "run_a.jsonl": event("RunStarted", {}) + "\n" });
    const spy: TraceDirReader = {
      ...reader,
      listFiles: (...a) => (listed = true, reader.listFiles(...a)),
    };
    await assert.rejects(
      analyzeTraceDir({ traceDir: "d", glob: "/d/run_*.jsonl", reader: spy }),
      (error: unknown) =>
        error instanceof RangeError && /Non-relative patterns are unsupported/.test(error.message),
    );
    assert.equal(listed, false);
  });

  it("skips a line longer than maxLineLength as malformed and reads the lines after it", async () => {
    const long = event("ModelCallStarted", { model: "m", pad: "x".repeat(500) });
    const text = [event("RunStarted", {}), long, event("RunFinished", { success: true }), ""]
      .join("\n");
    const reader = chunkReader({ "run_a.jsonl": text, "run_b.jsonl": long });
    const report = await analyzeTraceDir({ traceDir: "d", reader, maxLineLength: 300 });
    assert.deepEqual(report.inputs.files, ["run_a.jsonl", "run_b.jsonl"]);
    assert.equal(report.events.malformed_lines, 2, "the long line, also as a file's last line");
    assert.deepEqual(report.events.counts_by_type, { RunStarted: 1, RunFinished: 1 });
    assert.equal(report.runs.success_count, 1);
    assert.deepEqual(report.warnings, ["2 malformed line(s) skipped"]);
  });

  it("Utf8LineSplitter drops over-long lines only when capped", () => {
    const bytes = new TextEncoder().encode(`ok\n${"é".repeat(20)}\nnext\n${"y".repeat(20)}`);
    let dropped = 0;
    const capped = new Utf8LineSplitter({ maxLineLength: 10, onLongLine: () => dropped++ });
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) capped.push(bytes.subarray(i, i + 3), out);
    capped.end(out);
    assert.deepEqual(out, ["ok", "next"]);
    assert.equal(dropped, 2);
    const plain = new Utf8LineSplitter();
    const all: string[] = [];
    plain.push(bytes, all);
    plain.end(all);
    assert.deepEqual(all, ["ok", "é".repeat(20), "next", "y".repeat(20)]);
  });
});
