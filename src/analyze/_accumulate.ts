/**
 * The aggregation behind the trace analysis: event lines (design_research_agents' rules),
 * tracelet span lines (GenAI attributes) and artifact records, folded line by line into one
 * {@linkcode AnalysisReport}. Only counters, distinct ids and error texts, and the numbers that
 * latency summaries need are kept, never the lines themselves. Model, tool and workflow-step
 * statistics are counted by a {@linkcode Tally} per event family.
 *
 * @module
 */
import type { AnalysisReport, NamedSummary } from "./report.ts";
import { asInt, summarize } from "./summary.ts";
import {
  buildSections,
  bump,
  byName,
  LEGACY_FAMILY,
  type Obj,
  obj,
  OBSERVED_FAMILY,
  str,
  Tally,
} from "./_tally.ts";
import { errorString, maskedErrorText } from "./_error_text.ts";
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { pythonText } from "./_python_str.ts";

const MODEL_OPERATIONS = new Set(["chat", "text_completion", "generate_content"]);

/**
 * A `run_id` as DRA reads it (`str(run_id or "")`): none when falsy (missing, null, `""`, 0,
 * false, `[]`, `{}`), else its Python text (`7`, `True`, `[1]`, `{'x': 1}`).
 */
function runIdOf(value: unknown): string | undefined {
  const empty = typeof value === "object" && value !== null &&
    Object.keys(value).length === 0;
  return !value || empty ? undefined : pythonText(value);
}

/** An event's type as DRA reads it (`str(event.get("event_type", "Unknown"))`). */
const eventTypeOf = (value: unknown) => value === undefined ? "Unknown" : pythonText(value);

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

// Ties keep first-seen order (Python's stable sort, `Counter.most_common`).
function topCounts(map: Map<string, number>, n: number): { error: string; count: number }[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([error, count]) => ({ error, count }));
}

function namedSummaries(values: Map<string, number[]>, n: number, tieByName: boolean) {
  return [...values.entries()]
    .map(([name, list]): NamedSummary => ({ name, ...summarize(list) }))
    .sort((a, b) => b.count - a.count || (tieByName ? byName(a.name, b.name) : 0))
    .slice(0, n);
}

function spanDurationMs(span: Obj): number | undefined {
  const start = Date.parse(String(span.start_time));
  const end = Date.parse(String(span.end_time));
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : undefined;
}

/** A failed span's error text, masked by `policy` (see `maskedErrorText`). */
function spanError(span: Obj, attrs: Obj, policy: RedactionPolicy): string {
  const events = Array.isArray(span.events) ? span.events : [];
  for (const e of events) {
    const message = str(obj(obj(e).attributes)["exception.message"]);
    if (obj(e).name === "exception" && message !== undefined) {
      return maskedErrorText(message, policy);
    }
  }
  const openaiError = str(attrs["openai.error"]);
  if (openaiError !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(openaiError);
    } catch {
      return maskedErrorText(openaiError, policy);
    }
    return errorString(parsed, policy) ?? "error";
  }
  const draError = str(attrs["dra.error"]);
  return draError === undefined ? "error" : maskedErrorText(draError, policy);
}

/**
 * Folds lines into counts as they are added, then builds the report.
 *
 * Which event family counts each statistic is known only at the end (model calls, responses,
 * tool invocations, tool results and steps each use the Observed family when any event of its
 * Observed type exists), so both are tallied; spans count in both.
 *
 * Error texts are masked by a redaction policy as they are counted (the same masked text counts
 * once), so a report pasted into a ticket does not carry a secret the policy covers that a file
 * written without it (another tool, an older release, a policy with fewer keys) still holds.
 */
export class Accumulator {
  readonly #policy: RedactionPolicy;
  readonly #observed = new Tally();
  readonly #legacy = new Tally();
  #events = 0;
  readonly #countsByType: Record<string, number> = {};
  readonly #runIds = new Set<string>();
  /** Event runs' success: `RunFinished` wins over `AgentRunFinished`. */
  readonly #eventTerminal = new Map<string, { fromRun: boolean; success: boolean }>();
  /** Span runs' success: a run succeeds when none of its root spans failed. */
  readonly #spanTerminal = new Map<string, boolean>();
  readonly #toolDurations: number[] = [];
  readonly #eventDurations = new Map<string, number[]>();
  readonly #errorCounts = new Map<string, number>();
  #errors = 0;
  #spans = 0;
  #errorSpans = 0;
  readonly #traces = new Set<string>();
  readonly #spanOps: Record<string, number> = {};
  readonly #spanDurations = new Map<string, number[]>();
  #artifacts = 0;
  #artifactBytes = 0;
  /** Lines that were not JSON objects. */
  malformed = 0;

  /**
   * Starts an empty aggregation.
   *
   * @param policy The policy error texts are masked with (default: the process-wide one, the
   *   default policy in the analysis CLI).
   */
  constructor(policy: RedactionPolicy = getRedactionPolicy()) {
    this.#policy = policy;
  }

  /**
   * Adds one parsed line: an event (anything with a string `event_type`, or neither a span nor
   * an artifact record), a span (`span_id` and `trace_id`) or an artifact record (`oid` and
   * `task_id`, as in a run's `artifacts.jsonl`).
   *
   * @param line A parsed JSON object.
   */
  add(line: Obj): void {
    if (typeof line.event_type === "string") this.#addEvent(line);
    else if ("span_id" in line && "trace_id" in line) this.#addSpan(line);
    else if (typeof line.oid === "string" && "task_id" in line) {
      this.#artifacts++;
      this.#artifactBytes += Math.max(0, asInt(line.size) ?? 0);
    } else this.#addEvent(line);
  }

  #error(message: string): void {
    this.#errors++;
    this.#errorCounts.set(message, (this.#errorCounts.get(message) ?? 0) + 1);
  }

  #addEvent(line: Obj): void {
    const type = eventTypeOf(line.event_type);
    const run = runIdOf(line.run_id);
    const a = obj(line.attributes);
    this.#events++;
    bump(this.#countsByType, type);
    if (run !== undefined) this.#runIds.add(run);
    if (
      (type === "RunFinished" || type === "AgentRunFinished") && run !== undefined &&
      typeof a.success === "boolean"
    ) {
      const fromRun = type === "RunFinished";
      if (fromRun || !this.#eventTerminal.get(run)?.fromRun) {
        this.#eventTerminal.set(run, { fromRun, success: a.success });
      }
    }
    const duration = asInt(line.duration_ms);
    if (duration !== undefined) push(this.#eventDurations, type, duration);
    const error = errorString(a.error, this.#policy);
    if (error !== undefined) this.#error(error);
    this.#observed.event(OBSERVED_FAMILY, type, a, error, line.duration_ms);
    this.#legacy.event(LEGACY_FAMILY, type, a, error, line.duration_ms);
    if ((type === "ToolCallFinished" || type === "ToolCallFailed") && duration !== undefined) {
      this.#toolDurations.push(duration);
    }
  }

  // Spans mirrored from event runs (`dra.run_id`) count only as spans, so a directory holding
  // both never counts a call twice. A run is one `dreadnode.run.id` (a `run()` can hold several
  // traces, each with its own root span), else one trace.
  #addSpan(span: Obj): void {
    const attrs = obj(span.attributes);
    const traceId = str(span.trace_id) ?? "unknown";
    this.#spans++;
    this.#traces.add(traceId);
    const op = str(attrs["gen_ai.operation.name"]) ?? str(attrs["openai.span.type"]) ??
      str(attrs["dreadnode.type"]) ?? "span";
    bump(this.#spanOps, op);
    const ms = spanDurationMs(span);
    if (ms !== undefined) push(this.#spanDurations, op, ms);
    const isError = span.status === "ERROR";
    if (isError) this.#errorSpans++;
    if (attrs["dra.run_id"] !== undefined) return;
    if (isError) this.#error(spanError(span, attrs, this.#policy));
    if (span.parent_id === null || span.parent_id === undefined) {
      const run = str(attrs["dreadnode.run.id"]) ?? traceId;
      this.#runIds.add(run);
      this.#spanTerminal.set(run, (this.#spanTerminal.get(run) ?? true) && !isError);
    }
    if (MODEL_OPERATIONS.has(op)) {
      const name = str(attrs["gen_ai.request.model"]) ?? str(attrs["gen_ai.response.model"]) ??
        "unknown";
      // The GenAI attributes report input and output tokens, no total: it is their sum here.
      const input = asInt(attrs["gen_ai.usage.input_tokens"]) ?? 0;
      const output = asInt(attrs["gen_ai.usage.output_tokens"]) ?? 0;
      const usage = {
        prompt_tokens: input,
        completion_tokens: output,
        total_tokens: input + output,
      };
      for (const t of [this.#observed, this.#legacy]) {
        t.modelCall(name);
        t.modelResponse(name, usage, ms);
        if (isError) t.modelFailure(name);
      }
    } else if (op === "execute_tool") {
      const name = str(attrs["gen_ai.tool.name"]) ?? "unknown";
      for (const t of [this.#observed, this.#legacy]) {
        (t.toolCall(name), t.toolResult(name, !isError));
      }
      if (ms !== undefined) this.#toolDurations.push(ms);
    }
  }

  /** The tally of the Observed family when an event of `observedType` was seen, else legacy. */
  #family(observedType: string): Tally {
    return Object.hasOwn(this.#countsByType, observedType) ? this.#observed : this.#legacy;
  }

  /**
   * Builds every section except `inputs` and `warnings`.
   *
   * @param topN How many entries ranked lists keep.
   * @returns The report sections.
   */
  build(topN: number): Omit<AnalysisReport, "inputs" | "warnings"> {
    const terminal = new Map<string, boolean>();
    for (const [run, t] of this.#eventTerminal) terminal.set(run, t.success);
    for (const [run, success] of this.#spanTerminal) terminal.set(run, success);
    let success = 0;
    for (const ok of terminal.values()) if (ok) success++;
    return {
      runs: {
        unique_run_count: this.#runIds.size,
        runs_with_terminal_status: terminal.size,
        success_count: success,
        failure_count: terminal.size - success,
      },
      events: {
        total: this.#events,
        counts_by_type: { ...this.#countsByType },
        malformed_lines: this.malformed,
      },
      ...buildSections({
        call: this.#family(OBSERVED_FAMILY.call),
        response: this.#family(OBSERVED_FAMILY.response),
        invocation: this.#family(OBSERVED_FAMILY.invocation),
        result: this.#family(OBSERVED_FAMILY.results[0]),
        step: this.#family(OBSERVED_FAMILY.step),
      }, topN),
      latency: {
        tool_duration_ms: summarize(this.#toolDurations),
        event_duration_ms: namedSummaries(this.#eventDurations, topN, false),
      },
      errors: { error_event_count: this.#errors, top_errors: topCounts(this.#errorCounts, topN) },
      spans: {
        span_count: this.#spans,
        trace_count: this.#traces.size,
        error_span_count: this.#errorSpans,
        counts_by_operation: { ...this.#spanOps },
        duration_ms: namedSummaries(this.#spanDurations, topN, true),
      },
      artifacts: { artifact_count: this.#artifacts, total_bytes: this.#artifactBytes },
    };
  }
}
