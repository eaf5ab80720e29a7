/**
 * Human-readable and JSON renderings of an analysis report (the CLI's two output modes).
 *
 * @module
 */
import type { AnalysisReport } from "./report.ts";
import type { Summary } from "./summary.ts";

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, sortKeys(record[k])]));
  }
  return value;
}

/**
 * The report as pretty JSON with sorted keys and 2-space indentation (DRA's `--json`).
 *
 * @param report The report.
 * @returns The JSON text.
 */
export function formatReportJson(report: AnalysisReport): string {
  return JSON.stringify(sortKeys(report), null, 2);
}

function summary(s: Summary): string {
  return s.count === 0 ? "n=0" : `n=${s.count} min=${s.min} p50=${s.p50} p95=${s.p95} max=${s.max}`;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${k}=${v}`).join(", ");
}

/**
 * The report as readable text.
 *
 * @param report The report.
 * @returns Lines of text.
 */
export function formatReportText(report: AnalysisReport): string {
  const r = report;
  const lines = [
    `Trace analysis of ${r.inputs.trace_dir} (glob ${r.inputs.glob}): ${r.inputs.files_scanned} file(s)`,
    "",
    `Runs: ${r.runs.unique_run_count} (terminal ${r.runs.runs_with_terminal_status}, ` +
    `succeeded ${r.runs.success_count}, failed ${r.runs.failure_count})`,
    `Events: ${r.events.total} (malformed lines ${r.events.malformed_lines})`,
    `  by type: ${counts(r.events.counts_by_type)}`,
    `Model calls: ${r.models.model_call_count} (failed ${r.models.model_failure_count})`,
    `  tokens: prompt ${r.models.tokens.prompt_tokens}, completion ${r.models.tokens.completion_tokens}, ` +
    `total ${r.models.tokens.total_tokens}`,
    `  latency ms: ${summary(r.models.latency_ms)}`,
  ];
  for (const m of r.models.per_model) {
    lines.push(
      `  - ${m.model}: calls ${m.call_count}, failed ${m.failure_count}, tokens ${m.prompt_tokens}/` +
        `${m.completion_tokens}/${m.total_tokens}, latency ${summary(m.latency_ms)}`,
    );
  }
  lines.push(
    `Tool calls: ${r.tools.tool_invocation_count} (succeeded ${r.tools.tool_success_count}, ` +
      `failed ${r.tools.tool_failure_count})`,
    `  duration ms: ${summary(r.latency.tool_duration_ms)}`,
  );
  for (const t of r.tools.per_tool) {
    lines.push(
      `  - ${t.tool_name}: calls ${t.invocation_count}, ok ${t.success_count}, failed ${t.failure_count}`,
    );
  }
  lines.push(
    `Workflow steps: ${r.workflow_steps.step_execution_count}`,
    `  by type: ${counts(r.workflow_steps.counts_by_step_type)}`,
    `  by status: ${counts(r.workflow_steps.counts_by_status)}`,
    "Event durations (ms):",
  );
  for (const e of r.latency.event_duration_ms) lines.push(`  - ${e.name}: ${summary(e)}`);
  lines.push(
    `Spans: ${r.spans.span_count} in ${r.spans.trace_count} trace(s), ${r.spans.error_span_count} with errors`,
  );
  if (r.spans.span_count > 0) lines.push(`  by operation: ${counts(r.spans.counts_by_operation)}`);
  for (const s of r.spans.duration_ms) lines.push(`  - ${s.name}: ${summary(s)}`);
  if (r.artifacts.artifact_count > 0) {
    lines.push(`Artifacts: ${r.artifacts.artifact_count} (${r.artifacts.total_bytes} bytes)`);
  }
  lines.push(`Errors: ${r.errors.error_event_count}`);
  for (const e of r.errors.top_errors) lines.push(`  - (${e.count}) ${e.error}`);
  if (r.warnings.length > 0) {
    lines.push("Warnings:");
    for (const w of r.warnings) lines.push(`  - ${w}`);
  }
  return lines.join("\n");
}
