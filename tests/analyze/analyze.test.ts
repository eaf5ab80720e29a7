// The trace-analysis library and CLI: DRA's summaries (round-half-to-even nearest rank),
// Observed-vs-legacy families, tracelet span lines, malformed lines, and the CLI on a fixture dir.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  analyzeTraceDir,
  analyzeTraceFiles,
  formatReportJson,
  formatReportText,
  globToRegExp,
  roundHalfEven,
  summarize,
} from "../../src/analyze/mod.ts";
import type { TraceDirReader } from "../../src/analyze/mod.ts";
import { nodeReader } from "../../src/analyze/cli.ts";
import { nodeLocalFiles } from "../../src/runtime/node_local_files.ts";
import { hasFileSystem, isBun, isDeno, isNode } from "../_support/runtime.ts";
import { eventLine } from "./_event_line.ts";
import { runCli } from "./_run_cli.ts";

const ROOT = hasFileSystem ? fileURLToPath(new URL("../../", import.meta.url)) : "";
const FIXTURE = "tests/fixtures/analyze";

/** A reader that reads whole texts (`readText`); the CLI's reader reads chunks. */
const reader = {
  async listFiles(dir: string) {
    const out: string[] = [];
    const walk = async (rel: string) => {
      for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
        const path = rel === "" ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) await walk(path);
        else out.push(path);
      }
    };
    await walk("");
    return out;
  },
  readText: (path: string) => readFile(path, "utf8"),
};

const line = (
  event_type: string,
  run_id: string,
  attributes: Record<string, unknown>,
  duration_ms: number | null = null,
) => eventLine(event_type, attributes, duration_ms, run_id);

describe("summaries", () => {
  it("round half to even like Python and use the nearest-rank index", () => {
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6].map(roundHalfEven), [
      0,
      2,
      2,
      4,
      0,
      2,
      3,
    ]);
    assert.deepEqual(summarize([]), { count: 0, min: null, p50: null, p95: null, max: null });
    // n = 2: p50 index round(0.5) = 0 (Math.round would pick 1).
    assert.deepEqual(summarize([118, 50]), { count: 2, min: 50, p50: 50, p95: 118, max: 118 });
    // n = 4: p50 index round(1.5) = 2.
    assert.equal(summarize([1, 2, 3, 4]).p50, 3);
    // Floats truncate; booleans and strings are not numbers.
    assert.deepEqual(summarize([1.9, true, "7", 3.2]), {
      count: 2,
      min: 1,
      p50: 1,
      p95: 3,
      max: 3,
    });
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(summarize(hundred).p95, 95); // index round(99 * 0.95 = 94.05) = 94
  });

  it("globs match like the CLI expects", () => {
    assert.ok(globToRegExp("run_*.jsonl").test("run_20260101T000000Z_a.jsonl"));
    assert.ok(!globToRegExp("run_*.jsonl").test("sub/run_1.jsonl"));
    assert.ok(globToRegExp("**/*.jsonl").test("projects/p/r/spans.jsonl"));
    assert.ok(globToRegExp("**/*.jsonl").test("top.jsonl"));
    assert.ok(globToRegExp("run_?.json[l]").test("run_1.jsonl"));
  });
});

describe("analyzeTraceFiles", () => {
  it("prefers the Observed families when any Observed event exists", () => {
    const text = [
      line("ModelCallStarted", "r1", { model: "legacy" }),
      line("ModelRequestObserved", "r1", { model: null, request: { model: "obs-model" } }),
      line("ModelResponseObserved", "r1", {
        response: { model: "obs-model", usage: { prompt_tokens: 2, completion_tokens: 3 } },
        latency_ms: 9,
      }),
      line("ModelResponseObserved", "r1", {
        model: "obs-model",
        error: { message: "bad gateway" },
      }),
      line("ToolInvocationObserved", "r1", { tool_name: "t" }),
      line("ToolResultObserved", "r1", { tool_name: "t", ok: null, error: null }),
      line("WorkflowStepResultObserved", "r1", { step_type: "llm", status: "completed" }),
      line("RunFinished", "r1", { success: "yes" }),
    ].join("\n");
    const report = analyzeTraceFiles([{ name: "run_1.jsonl", text }], { traceDir: "d" });
    assert.equal(report.models.model_call_count, 1);
    assert.equal(report.models.per_model[0].model, "obs-model");
    assert.equal(report.models.model_failure_count, 1);
    // No total was reported: DRA sums reported totals only.
    assert.deepEqual(report.models.tokens, {
      prompt_tokens: 2,
      completion_tokens: 3,
      total_tokens: 0,
    });
    assert.equal(report.tools.tool_success_count, 1, "no ok flag and no error counts as success");
    assert.equal(report.workflow_steps.step_execution_count, 1);
    assert.equal(report.runs.unique_run_count, 1);
    assert.equal(report.runs.runs_with_terminal_status, 0, "only a boolean success is terminal");
    assert.deepEqual(report.errors.top_errors, [{ error: "bad gateway", count: 1 }]);
  });

  it("counts malformed lines and never fails on them", () => {
    const report = analyzeTraceFiles([
      { name: "run_b.jsonl", text: '\n  \n{oops\n42\n"str"\nnull\n[1]\n' },
      { name: "run_a.jsonl", text: line("RunStarted", "r", {}) + "\n" },
    ], { traceDir: "d", topN: 0 });
    assert.equal(report.events.malformed_lines, 5);
    assert.equal(report.events.total, 1);
    assert.deepEqual(report.inputs.files, ["run_a.jsonl", "run_b.jsonl"]);
    assert.equal(report.inputs.top_n, 1);
    assert.ok(report.warnings.some((w) => w.includes("5 malformed")));
    assert.ok(formatReportText(report).includes("malformed lines 5"));
  });
});

describe("analyzeTraceDir on the fixture directory", { skip: !hasFileSystem }, () => {
  it("summarizes the DRA run files (default glob)", async () => {
    const report = await analyzeTraceDir({ traceDir: join(ROOT, FIXTURE), reader });
    assert.equal(report.inputs.files_scanned, 3);
    assert.deepEqual(report.runs, {
      unique_run_count: 3,
      runs_with_terminal_status: 3,
      success_count: 2,
      failure_count: 1,
    });
    assert.equal(report.events.total, 22);
    assert.equal(report.events.malformed_lines, 3);
    assert.equal(report.models.model_call_count, 3);
    assert.equal(report.models.model_failure_count, 1);
    // Only ModelCallFinished responses count (DRA, seed-semantics §4.7): the failed call's
    // 50 ms is not a latency, claude-x reported no total_tokens (15 is gpt-4o's reported total),
    // and latency is response.latency_ms (190) else duration_ms (120, not the top-level 118).
    assert.deepEqual(report.models.tokens, {
      prompt_tokens: 14,
      completion_tokens: 11,
      total_tokens: 15,
    });
    assert.deepEqual(report.models.latency_ms, {
      count: 2,
      min: 120,
      p50: 120,
      p95: 190,
      max: 190,
    });
    const gpt = report.models.per_model.find((m) => m.model === "gpt-4o")!;
    assert.deepEqual(gpt.latency_ms, { count: 1, min: 120, p50: 120, p95: 120, max: 120 });
    assert.deepEqual(report.models.per_model.map((m) => m.model), ["gpt-4o", "claude-x"]);
    assert.equal(report.tools.tool_invocation_count, 3);
    assert.equal(report.tools.tool_success_count, 2);
    assert.equal(report.tools.tool_failure_count, 1);
    assert.deepEqual(report.tools.per_tool[0], {
      tool_name: "search",
      invocation_count: 2,
      success_count: 1,
      failure_count: 1,
    });
    assert.deepEqual(report.latency.tool_duration_ms, {
      count: 3,
      min: 10,
      p50: 20,
      p95: 30,
      max: 30,
    });
    assert.deepEqual(report.workflow_steps, {
      step_execution_count: 2,
      counts_by_step_type: { tool: 1, llm: 1 },
      counts_by_status: { completed: 1, failed: 1 },
    });
    assert.equal(report.errors.error_event_count, 4);
    // Equal counts keep first-seen order (DRA's Counter.most_common), not name order.
    assert.deepEqual(report.errors.top_errors.map((e) => e.error), [
      "rate limited",
      "timeout",
      "tool timeout",
      "bad output",
    ]);
    assert.equal(report.spans.span_count, 0);
  });

  it("reads tracelet span lines too, without double counting mirrored event spans", async () => {
    const report = await analyzeTraceDir({
      traceDir: join(ROOT, FIXTURE),
      glob: "**/*.jsonl",
      reader,
      topN: 2,
    });
    assert.equal(report.inputs.files_scanned, 4);
    assert.equal(report.events.malformed_lines, 4);
    assert.deepEqual(report.spans.counts_by_operation, { span: 1, chat: 2, execute_tool: 1 });
    assert.equal(report.spans.trace_count, 2);
    assert.equal(report.spans.error_span_count, 1);
    assert.equal(report.models.model_call_count, 4, "the dra.run_id span is not counted again");
    assert.equal(report.models.tokens.prompt_tokens, 35);
    assert.equal(report.tools.tool_failure_count, 2);
    assert.equal(report.runs.unique_run_count, 4);
    assert.ok(report.errors.top_errors.length <= 2);
    assert.equal(report.errors.error_event_count, 5);
  });

  it("reads files whose names contain a backslash (a name character on POSIX)", {
    skip: process.platform === "win32",
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-analyze-"));
    try {
      await writeFile(join(dir, "run_a\\b.jsonl"), line("RunStarted", "r1", {}) + "\n");
      await mkdir(join(dir, "sub\\dir"));
      await writeFile(join(dir, "sub\\dir", "run_c.jsonl"), line("RunStarted", "r2", {}) + "\n");
      const top = await analyzeTraceDir({ traceDir: dir, reader: nodeReader });
      assert.deepEqual(top.inputs.files, ["run_a\\b.jsonl"]);
      assert.deepEqual(top.warnings, []);
      assert.equal(top.events.total, 1);
      const all = await analyzeTraceDir({ traceDir: dir, glob: "**/*.jsonl", reader: nodeReader });
      assert.deepEqual(all.inputs.files, ["run_a\\b.jsonl", "sub\\dir/run_c.jsonl"]);
      assert.equal(all.runs.unique_run_count, 2);
      // The file-system presets' own listing keeps them too.
      assert.deepEqual(await nodeLocalFiles.listFiles(dir), [
        "run_a\\b.jsonl",
        "sub\\dir/run_c.jsonl",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports an unreadable directory as a warning", async () => {
    const report = await analyzeTraceDir({ traceDir: join(ROOT, FIXTURE, "missing"), reader });
    assert.equal(report.inputs.files_scanned, 0);
    assert.ok(report.warnings[0].startsWith("Cannot list"));
  });
});

const cli = runCli;

describe("analysis CLI", { skip: !(isDeno || isNode || isBun) }, () => {
  it("prints a readable summary of the fixture directory and exits 0", () => {
    const { status, stdout } = cli(["--trace-dir", FIXTURE]);
    assert.equal(status, 0);
    assert.match(stdout, /Runs: 3 \(terminal 3, succeeded 2, failed 1\)/);
    assert.match(stdout, /Events: 22 \(malformed lines 3\)/);
    assert.match(stdout, /Model calls: 3 \(failed 1\)/);
    assert.match(stdout, /gpt-4o: calls 2, failed 1, tokens 10\/5\/15/);
  });

  it("prints sorted pretty JSON with --json, --glob and --top-n", async () => {
    const { status, stdout } = cli([
      "--trace-dir",
      FIXTURE,
      "--json",
      "--glob=**/*.jsonl",
      "--top-n",
      "1",
    ]);
    assert.equal(status, 0);
    const report = JSON.parse(stdout);
    assert.deepEqual(Object.keys(report), Object.keys(report).sort());
    assert.equal(report.inputs.glob, "**/*.jsonl");
    assert.equal(report.models.per_model.length, 1);
    assert.equal(report.events.malformed_lines, 4);
    const library = await analyzeTraceDir({
      traceDir: FIXTURE,
      glob: "**/*.jsonl",
      topN: 1,
      reader: prefixed(reader),
    });
    assert.equal(stdout.trim(), formatReportJson(library));
  });

  it("rejects missing or invalid arguments with exit code 2, as argparse does", () => {
    assert.equal(cli([]).status, 2);
    const bad = cli(["--trace-dir", FIXTURE, "--top-n", "x"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--top-n: invalid int value: 'x'/);
    const noGlob = cli(["--trace-dir", FIXTURE, "--glob"]);
    assert.equal(noGlob.status, 2);
    assert.match(noGlob.stderr, /--glob: expected one argument/);
    // An option is not a value: the directory is missing, not named "--json".
    const noDir = cli(["--trace-dir", "--json"]);
    assert.equal(noDir.status, 2);
    assert.match(noDir.stderr, /--trace-dir: expected one argument/);
    // An absolute glob would silently read below the trace directory: pathlib raises for it.
    const absolute = cli(["--trace-dir", FIXTURE, "--glob", "/tmp/*.jsonl"]);
    assert.equal(absolute.status, 2);
    assert.match(
      absolute.stderr,
      /--glob: Non-relative patterns are unsupported: \/tmp\/\*\.jsonl/,
    );
    assert.equal(absolute.stdout, "");
  });

  it("clamps --top-n below 1 to 1, as design_research_agents does", () => {
    const run = cli(["--trace-dir", FIXTURE, "--json", "--top-n", "0"]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout);
    assert.equal(report.errors.top_errors.length, 1);
    assert.equal(report.inputs.top_n, 1);
  });
});

/** The same reader, resolving repo-relative paths against the repo root. */
function prefixed(base: typeof reader): TraceDirReader {
  return {
    listFiles: (dir) => base.listFiles(join(ROOT, dir)),
    readText: (path) => base.readText(join(ROOT, path)),
  };
}
