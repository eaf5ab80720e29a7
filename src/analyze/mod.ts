/**
 * Trace analysis: summaries of runs, model calls, tokens, tools, workflow steps, latencies and
 * errors from tracelet's JSONL files (design_research_agents event lines and tracelet span
 * lines). The CLI (`src/analyze/cli.ts`, the `./cli` export) is built on it.
 *
 * @example
 * ```ts
 * import { analyzeTraceFiles, formatReportText } from "@tracelet/tracelet/events";
 * const report = analyzeTraceFiles([{ name: "run_1.jsonl", text: "not json\n" }], { traceDir: "." });
 * console.log(report.events.malformed_lines); // 1
 * console.log(formatReportText(report));
 * ```
 *
 * @module
 */
export { analyzeTraceDir, analyzeTraceFiles, DEFAULT_GLOB } from "./analyze.ts";
export type { AnalyzeOptions, TraceDirReader, TraceFileText } from "./analyze.ts";
export { formatReportJson, formatReportText } from "./format.ts";
export { globToRegExp } from "./glob.ts";
export type { AnalysisReport, ModelStats, NamedSummary, ToolStats } from "./report.ts";
export { percentile, roundHalfEven, summarize } from "./summary.ts";
export type { Summary } from "./summary.ts";
