/**
 * The shape of a trace-analysis report (design_research_agents' `analyze_trace_dir` output keys,
 * plus a `spans` section for tracelet's JSONL span lines).
 *
 * @module
 */
import type { Summary } from "./summary.ts";

/** Per-model statistics. */
export interface ModelStats {
  /** The model name (`unknown` when no event or span named one). */
  model: string;
  /** Model calls started. */
  call_count: number;
  /** Model calls that failed (`ModelCallFailed`, or an Observed response, with an error). */
  failure_count: number;
  /** Prompt (input) tokens summed over its calls. */
  prompt_tokens: number;
  /** Completion (output) tokens summed over its calls. */
  completion_tokens: number;
  /** Total tokens: reported totals only (a GenAI span's input + output, which report none). */
  total_tokens: number;
  /** Call latency summary in ms. */
  latency_ms: Summary;
}

/** Per-tool statistics. */
export interface ToolStats {
  /** The tool name (`unknown` when none was recorded). */
  tool_name: string;
  /** Invocations started. */
  invocation_count: number;
  /** Results that succeeded. */
  success_count: number;
  /** Results that failed. */
  failure_count: number;
}

/** A duration summary of one event type (or span operation). */
export interface NamedSummary extends Summary {
  /** The event type or span operation summarized. */
  name: string;
}

/** The analysis report. */
export interface AnalysisReport {
  /** What was read: directory, glob, `top_n`, and the files scanned (sorted by name). */
  inputs: {
    trace_dir: string;
    glob: string;
    top_n: number;
    files_scanned: number;
    files: string[];
  };
  /**
   * Runs seen and their terminal success or failure. A run is an event `run_id`, or the
   * `dreadnode.run.id` of root spans (one `run()` may hold several traces), or else a root span's
   * trace; a span run fails when one of its root spans has status `ERROR`.
   */
  runs: {
    unique_run_count: number;
    runs_with_terminal_status: number;
    success_count: number;
    failure_count: number;
  };
  /**
   * Event line counts, by `event_type`, plus lines that were not JSON objects. Span lines and
   * artifact records are not events.
   */
  events: {
    total: number;
    counts_by_type: Record<string, number>;
    malformed_lines: number;
  };
  /** Model calls, failures, token totals, latency in ms, and the top models by call count. */
  models: {
    model_call_count: number;
    model_failure_count: number;
    tokens: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    per_model: ModelStats[];
    latency_ms: Summary;
  };
  /** Tool invocations, successes and failures, and the top tools by invocation count. */
  tools: {
    tool_invocation_count: number;
    tool_success_count: number;
    tool_failure_count: number;
    per_tool: ToolStats[];
  };
  /** Workflow steps executed, counted by step type and by status. */
  workflow_steps: {
    step_execution_count: number;
    counts_by_step_type: Record<string, number>;
    counts_by_status: Record<string, number>;
  };
  /** Tool durations and per-event-type durations in ms (top `top_n` by count). */
  latency: {
    tool_duration_ms: Summary;
    event_duration_ms: NamedSummary[];
  };
  /**
   * Events and spans carrying an error, and the most frequent error messages (masked by the
   * redaction policy: see `Accumulator`).
   */
  errors: {
    error_event_count: number;
    top_errors: { error: string; count: number }[];
  };
  /** Tracelet span lines: spans, traces, error spans; counts and durations (ms) by operation. */
  spans: {
    span_count: number;
    trace_count: number;
    error_span_count: number;
    counts_by_operation: Record<string, number>;
    duration_ms: NamedSummary[];
  };
  /** Artifact records (a run's `artifacts.jsonl` lines): how many, and their summed `size`. */
  artifacts: {
    artifact_count: number;
    total_bytes: number;
  };
  /**
   * Problems that did not stop the analysis (no matching files, malformed lines, read errors), and
   * the statistics estimated to keep memory bounded (none below the limits: see `analyzeTraceDir`).
   */
  warnings: string[];
}
