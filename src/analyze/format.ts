/**
 * Human-readable and JSON renderings of an analysis report (the CLI's two output modes).
 *
 * @module
 */
import type { AnalysisReport } from "./report.ts";
import type { Summary } from "./summary.ts";
import { printable } from "../printable.ts";
import { asciiJsonString } from "../serialize/python_json.ts";
import { byCodePoint } from "../serialize/code_point_order.ts";

/**
 * Pretty JSON with every object's keys sorted by code point, as Python sorts them, written out
 * (an object would put `"10"` first).
 */
function sortedJson(value: unknown, indent: string): string {
  if (typeof value === "string") return asciiJsonString(value);
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  let items: string[];
  if (Array.isArray(value)) items = value.map((v) => sortedJson(v, inner));
  else {
    const record = value as Record<string, unknown>;
    items = Object.keys(record).filter((k) => record[k] !== undefined).sort(byCodePoint)
      .map((k) => `${asciiJsonString(k)}: ${sortedJson(record[k], inner)}`);
  }
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  if (items.length === 0) return open + close;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${indent}${close}`;
}

/**
 * The report as pretty JSON as DRA's `--json` writes it (Python's `json.dumps(report, indent=2,
 * sort_keys=True)`): keys sorted at every level, 2-space indentation, non-ASCII characters and
 * controls escaped as `\uXXXX`.
 *
 * @param report The report.
 * @returns The JSON text.
 */
export function formatReportJson(report: AnalysisReport): string {
  return sortedJson(report, "");
}

function summary(s: Summary): string {
  return s.count === 0 ? "n=0" : `n=${s.count} min=${s.min} p50=${s.p50} p95=${s.p95} max=${s.max}`;
}

function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
  return entries.length === 0 ? "none" : entries.map(([k, v]) => `${printable(k)}=${v}`).join(", ");
}

/**
 * The report as readable text. Every name and message taken from the files (and the directory
 * and glob) is passed through `printable()`, so a log can neither drive the terminal nor forge a
 * line of the report.
 *
 * @param report The report.
 * @returns Lines of text.
 */
export function formatReportText(report: AnalysisReport): string {
  const r = report;
  const lines = [
    `Trace analysis of ${printable(r.inputs.trace_dir)} (glob ${printable(r.inputs.glob)}): ` +
    `${r.inputs.files_scanned} file(s)`,
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
      `  - ${
        printable(m.model)
      }: calls ${m.call_count}, failed ${m.failure_count}, tokens ${m.prompt_tokens}/` +
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
      `  - ${
        printable(t.tool_name)
      }: calls ${t.invocation_count}, ok ${t.success_count}, failed ${t.failure_count}`,
    );
  }
  lines.push(
    `Workflow steps: ${r.workflow_steps.step_execution_count}`,
    `  by type: ${counts(r.workflow_steps.counts_by_step_type)}`,
    `  by status: ${counts(r.workflow_steps.counts_by_status)}`,
    "Event durations (ms):",
  );
  for (const e of r.latency.event_duration_ms) {
    lines.push(`  - ${printable(e.name)}: ${summary(e)}`);
  }
  lines.push(
    `Spans: ${r.spans.span_count} in ${r.spans.trace_count} trace(s), ${r.spans.error_span_count} with errors`,
  );
  if (r.spans.span_count > 0) lines.push(`  by operation: ${counts(r.spans.counts_by_operation)}`);
  for (const s of r.spans.duration_ms) lines.push(`  - ${printable(s.name)}: ${summary(s)}`);
  if (r.artifacts.artifact_count > 0) {
    lines.push(`Artifacts: ${r.artifacts.artifact_count} (${r.artifacts.total_bytes} bytes)`);
  }
  lines.push(`Errors: ${r.errors.error_event_count}`);
  for (const e of r.errors.top_errors) lines.push(`  - (${e.count}) ${printable(e.error)}`);
  if (r.warnings.length > 0) {
    lines.push("Warnings:");
    for (const w of r.warnings) lines.push(`  - ${printable(w)}`);
  }
  return lines.join("\n");
}
