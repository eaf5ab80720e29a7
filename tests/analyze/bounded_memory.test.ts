// The analysis keeps bounded memory whatever its input: distinct error texts, durations, run and
// trace ids each stop growing past a limit. Below the limits the report is exact; past one, the
// statistic is estimated and a warning says so (the report's format is unchanged otherwise).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyzeTraceFiles } from "../../src/analyze/mod.ts";
import { Accumulator } from "../../src/analyze/_accumulate.ts";
import { type AnalysisLimits, DEFAULT_LIMITS } from "../../src/analyze/_limits.ts";
import { eventLine } from "./_event_line.ts";

const analyze = (lines: string[]) =>
  analyzeTraceFiles([{ name: "run_1.jsonl", text: lines.join("\n") }], { traceDir: "d" });

const failed = (error: string) => eventLine("ToolCallFailed", { tool_name: "t", error });

/** An accumulator with small limits, fed event or span lines. */
function accumulate(limits: Partial<AnalysisLimits>, lines: string[]) {
  const acc = new Accumulator(undefined, { ...DEFAULT_LIMITS, ...limits });
  for (const line of lines) acc.add(JSON.parse(line));
  return { report: acc.build(10), notes: acc.notes() };
}

function rootSpan(trace: string, status = "OK", run?: string) {
  return JSON.stringify({
    trace_id: trace,
    span_id: `s-${trace}`,
    parent_id: null,
    name: "root",
    status,
    start_time: "2026-01-01T00:00:00.000000+00:00",
    end_time: "2026-01-01T00:00:00.010000+00:00",
    attributes: run === undefined ? {} : { "dreadnode.run.id": run },
    events: [],
  });
}

describe("bounded top errors", () => {
  it("counts 10,000 distinct texts exactly and keeps the heavy hitters past them, saying so", () => {
    const exact = [];
    for (let i = 0; i < 9_999; i++) exact.push(failed(`error ${i}`));
    exact.push(failed("hot"), failed("hot"), failed("error 5"));
    const below = analyze(exact);
    assert.deepEqual(below.errors.top_errors.slice(0, 4), [
      { error: "error 5", count: 2 }, // ties in first-seen order
      { error: "hot", count: 2 },
      { error: "error 0", count: 1 },
      { error: "error 1", count: 1 },
    ]);
    assert.deepEqual(below.warnings, []);

    const lines = [];
    for (let i = 0; i < 30_000; i++) {
      lines.push(failed(`distinct ${i}`));
      if (i % 10 === 0) lines.push(failed("hot"));
      if (i % 100 === 0) lines.push(failed("warm"));
    }
    const past = analyze(lines);
    assert.equal(past.errors.error_event_count, 33_300);
    assert.deepEqual(past.errors.top_errors.slice(0, 2), [
      { error: "hot", count: 3_000 },
      { error: "warm", count: 300 },
    ]);
    assert.ok(past.errors.top_errors.slice(2).every((e) => e.count === 1));
    assert.equal(past.warnings.length, 1);
    assert.match(past.warnings[0], /^errors\.top_errors is approximate: .*10,000.*lower bound/);
  });

  it("cuts an error text longer than 64 Ki characters, counting it by its start and length", () => {
    const long = "x".repeat(70_000);
    const report = analyze([failed(long), failed(long), failed(`${long}y`), failed("short")]);
    const cut = (n: number) => `${"x".repeat(65_536)}… (cut: ${n} characters)`;
    assert.deepEqual(report.errors.top_errors, [
      { error: cut(70_000), count: 2 },
      { error: cut(70_001), count: 1 },
      { error: "short", count: 1 },
    ]);
    assert.deepEqual(report.warnings, [
      "3 error text(s) longer than 65,536 characters were cut and counted by their start and length",
    ]);
  });
});

describe("bounded durations", () => {
  const durations = (n: number) => {
    const lines = [];
    // Every value of 0..n-1 once, in a scrambled order.
    for (let i = 0; i < n; i++) {
      lines.push(eventLine("ToolCallFinished", { tool_name: "t" }, (i * 7_919) % n));
    }
    return lines;
  };

  it("keeps every duration up to the limit, past it a uniform sample, saying so", () => {
    const below = accumulate({ exactDurations: 1_000, durationSample: 100 }, durations(1_000));
    assert.deepEqual(below.report.latency.tool_duration_ms, {
      count: 1_000,
      min: 0,
      p50: 500, // index round(999 * 0.5) = 500 (half to even)
      p95: 949,
      max: 999,
    });
    assert.deepEqual(below.notes, []);

    // Past it: exact count, min and max; percentiles close.
    const { report, notes } = accumulate(
      { exactDurations: 1_000, durationSample: 400 },
      durations(20_000),
    );
    const s = report.latency.tool_duration_ms;
    assert.equal(s.count, 20_000);
    assert.equal(s.min, 0);
    assert.equal(s.max, 19_999);
    assert.ok(Math.abs(s.p50! - 10_000) < 1_500, `p50 ${s.p50}`);
    assert.ok(Math.abs(s.p95! - 19_000) < 800, `p95 ${s.p95}`);
    const events = report.latency.event_duration_ms[0];
    assert.deepEqual([events.name, events.count, events.min, events.max], [
      "ToolCallFinished",
      20_000,
      0,
      19_999,
    ]);
    assert.equal(notes.length, 1);
    assert.match(notes[0], /^p50 and p95 are estimated from a uniform sample of 400 values/);
    assert.match(
      notes[0],
      /latency\.tool_duration_ms, latency\.event_duration_ms ToolCallFinished$/,
    );
  });

  it("merges the models' samples for models.latency_ms", () => {
    const lines = [];
    for (let i = 0; i < 5_000; i++) {
      lines.push(eventLine("ModelCallFinished", { model: "a" }, i % 100));
      if (i < 500) lines.push(eventLine("ModelCallFinished", { model: "b" }, 1_000 + i));
    }
    const { report, notes } = accumulate({ exactDurations: 1_000, durationSample: 500 }, lines);
    const all = report.models.latency_ms;
    assert.deepEqual([all.count, all.min, all.max], [5_500, 0, 1_499]);
    // 5,000 of 5,500 values are below 100: the median is one of them, the 95th percentile not.
    assert.ok(all.p50! < 100 && all.p95! >= 1_000, JSON.stringify(all));
    const b = report.models.per_model.find((m) => m.model === "b")!.latency_ms;
    assert.deepEqual(b, { count: 500, min: 1_000, p50: 1_250, p95: 1_474, max: 1_499 });
    assert.match(notes[0], /: models\.latency_ms, models\.per_model a, /);
  });
});

describe("bounded run and trace counts", () => {
  it("counts runs and traces exactly up to the limit, estimates them past it, saying so", () => {
    const few = [];
    for (let i = 0; i < 500; i++) {
      few.push(eventLine("RunFinished", { success: i % 2 === 0 }, null, `run-${i}`));
      few.push(rootSpan(`trace-${i}`, "OK", `run-${i}`));
    }
    const below = accumulate({ distinctIds: 500 }, few);
    assert.deepEqual(below.report.runs, {
      unique_run_count: 500,
      runs_with_terminal_status: 500,
      success_count: 500,
      failure_count: 0,
    });
    assert.equal(below.report.spans.trace_count, 500);
    assert.deepEqual(below.notes, []);

    // Past it: terminal statuses stay counted while a run's lines are close together.
    const lines = [];
    for (let i = 0; i < 3_000; i++) {
      const run = `run-${i}`;
      lines.push(eventLine("RunStarted", {}, null, run));
      lines.push(eventLine("AgentRunFinished", { success: false }, null, run));
      lines.push(eventLine("RunFinished", { success: i % 3 !== 0 }, null, run));
      lines.push(eventLine("AgentRunFinished", { success: false }, null, run)); // RunFinished wins
      if (i < 2_000) lines.push(rootSpan(`trace-${i}`, "OK", run)); // a span status wins
      // A run whose root spans come all along the file: its status is never forgotten.
      if (i % 100 === 0) lines.push(rootSpan(`long-${i}`, i === 1_900 ? "ERROR" : "OK", "long"));
    }
    const { report, notes } = accumulate({ distinctIds: 500 }, lines);
    const runs = report.runs;
    assert.ok(Math.abs(runs.unique_run_count - 3_001) < 150, `${runs.unique_run_count}`);
    assert.ok(Math.abs(report.spans.trace_count - 2_030) < 100, `${report.spans.trace_count}`);
    // Runs 0..1999 succeed by their root span; 2000..2999 by RunFinished (333 of them fail).
    assert.deepEqual(runs, {
      unique_run_count: runs.unique_run_count,
      runs_with_terminal_status: 3_001,
      success_count: 2_000 + 667,
      failure_count: 333 + 1,
    });
    assert.equal(notes.length, 3);
    assert.match(notes[0], /^runs\.unique_run_count is estimated/);
    assert.match(notes[1], /^runs' terminal counts are approximate/);
    assert.match(notes[2], /^spans\.trace_count is estimated/);
  });
});
