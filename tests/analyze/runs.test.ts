// What the analysis counts as a run and as an event: one `run()` is one run even when traces
// started inside it have their own root spans (all carry the run's `dreadnode.run.id`), and a
// run's `artifacts.jsonl` records are artifacts, not events of an unknown type.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { agentSpan, functionSpan, trace } from "../../src/agents/mod.ts";
import { analyzeTraceFiles, formatReportText } from "../../src/analyze/mod.ts";
import { artifactsLogPath, logArtifact, run } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

const span = (
  trace_id: string,
  span_id: string,
  parent_id: string | null,
  attributes: Record<string, unknown>,
  status = "UNSET",
) =>
  JSON.stringify({
    trace_id,
    span_id,
    parent_id,
    name: span_id,
    kind: "INTERNAL",
    status,
    start_time: "2026-01-01T00:00:00.000000+00:00",
    end_time: "2026-01-01T00:00:00.010000+00:00",
    attributes,
    events: [],
  });

describe("runs and artifacts in the analysis", () => {
  it("counts a run() holding its own trace() as one run, and artifact lines as artifacts", async () => {
    await withTaskEnv(async (env) => {
      const report = new TextEncoder().encode("# Report\n");
      const runId = await run("research", { project: "demo" }, async (root) => {
        await trace("research-agent").run(() =>
          agentSpan("researcher").run(() => functionSpan("search").run(() => "found"))
        );
        await logArtifact(report, { name: "report.md" });
        return root.runId;
      });
      await env.tracer.forceFlush();
      const spans = await env.storage.readLines(["projects", "demo", runId, "spans.jsonl"]);
      const artifacts = await env.storage.readLines(artifactsLogPath("demo", runId));
      const result = analyzeTraceFiles([
        { name: "spans.jsonl", text: spans.join("\n") },
        { name: "artifacts.jsonl", text: artifacts.join("\n") },
      ], { traceDir: runId, glob: "*.jsonl" });
      // The agent trace joins the run's W3C trace (its root a child of the run's span).
      assert.equal(result.spans.trace_count, 1, "trace() inside run() is part of its trace");
      assert.deepEqual(result.runs, {
        unique_run_count: 1,
        runs_with_terminal_status: 1,
        success_count: 1,
        failure_count: 0,
      });
      assert.equal(result.events.total, 0);
      assert.deepEqual(result.events.counts_by_type, {});
      assert.deepEqual(result.artifacts, { artifact_count: 1, total_bytes: report.length });
      assert.equal(result.tools.tool_invocation_count, 1);
      const text = formatReportText(result);
      assert.match(text, /Runs: 1 \(terminal 1, succeeded 1, failed 0\)/);
      assert.match(text, /Events: 0 /);
      assert.match(text, /Artifacts: 1 \(9 bytes\)/);
    }, { project: "demo" });
  });

  it("fails a run when any of its root spans failed; root spans without a run id are runs", () => {
    const text = [
      span("a".repeat(32), "root-a", null, { "dreadnode.run.id": "r1" }),
      span("b".repeat(32), "root-b", null, { "dreadnode.run.id": "r1" }, "ERROR"),
      span("b".repeat(32), "child-b", "root-b", { "dreadnode.run.id": "r1" }),
      span("c".repeat(32), "root-c", null, {}),
      span("d".repeat(32), "root-d", null, {}, "ERROR"),
    ].join("\n");
    const result = analyzeTraceFiles([{ name: "spans.jsonl", text }], { traceDir: "d" });
    assert.deepEqual(result.runs, {
      unique_run_count: 3,
      runs_with_terminal_status: 3,
      success_count: 1,
      failure_count: 2,
    });
    assert.equal(result.spans.trace_count, 4);
  });

  it("still counts a line that is neither a span nor an artifact record as an Unknown event", () => {
    const text = ['{"oid":"sha256:x","size":3}', '{"task_id":"t","name":"n"}'].join("\n");
    const result = analyzeTraceFiles([{ name: "run_1.jsonl", text }], { traceDir: "d" });
    // DRA's `str(event.get("event_type", "Unknown"))`.
    assert.deepEqual(result.events.counts_by_type, { Unknown: 2 });
    assert.deepEqual(result.artifacts, { artifact_count: 0, total_bytes: 0 });
  });
});
