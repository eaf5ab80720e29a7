/**
 * The shape of a trace-analysis report (design_research_agents' `analyze_trace_dir` output keys,
 * plus a `spans` section for tracelet's JSONL span lines).
 *
 * @module
 */
import type { Summary } from "./summary.ts";

/** Per-model statistics. */
export interface ModelStats {
  model: string;
  call_count: number;
  failure_count: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  latency_ms: Summary;
}

/** Per-tool statistics. */
export interface ToolStats {
  tool_name: string;
  invocation_count: number;
  success_count: number;
  failure_count: number;
}

/** A duration summary of one event type (or span operation). */
export interface NamedSummary extends Summary {
  name: string;
}

/** The analysis report. */
export interface AnalysisReport {
  inputs: {
    trace_dir: string;
    glob: string;
    top_n: number;
    files_scanned: number;
    files: string[];
  };
  runs: {
    unique_run_count: number;
    runs_with_terminal_status: number;
    success_count: number;
    failure_count: number;
  };
  events: {
    total: number;
    counts_by_type: Record<string, number>;
    malformed_lines: number;
  };
  models: {
    model_call_count: number;
    model_failure_count: number;
    tokens: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    per_model: ModelStats[];
    latency_ms: Summary;
  };
  tools: {
    tool_invocation_count: number;
    tool_success_count: number;
    tool_failure_count: number;
    per_tool: ToolStats[];
  };
  workflow_steps: {
    step_execution_count: number;
    counts_by_step_type: Record<string, number>;
    counts_by_status: Record<string, number>;
  };
  latency: {
    tool_duration_ms: Summary;
    event_duration_ms: NamedSummary[];
  };
  errors: {
    error_event_count: number;
    top_errors: { error: string; count: number }[];
  };
  spans: {
    span_count: number;
    trace_count: number;
    error_span_count: number;
    counts_by_operation: Record<string, number>;
    duration_ms: NamedSummary[];
  };
  warnings: string[];
}
