/**
 * The aggregation behind the trace analysis: event lines (design_research_agents' rules),
 * tracelet span lines (GenAI attributes) and artifact records, folded line by line into one
 * {@linkcode AnalysisReport}. Only counters, distinct ids and error texts, and the numbers that
 * latency summaries need are kept, never the lines themselves, and each of those within the
 * bounds of {@linkcode AnalysisLimits}. Model, tool and workflow-step statistics are counted by a
 * {@linkcode Tally} per event family.
 *
 * @module
 */
import type { AnalysisReport, NamedSummary } from "./report.ts";
import { asInt } from "./summary.ts";
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
import { type AnalysisLimits, DEFAULT_LIMITS } from "./_limits.ts";
import { DurationSample, type DurationSampleLimits, summarizeSamples } from "./_duration_sample.ts";
import { TopTexts } from "./_top_texts.ts";
import { DistinctCount } from "./_distinct_count.ts";
import { RunStatuses } from "./_run_statuses.ts";
import { estimateNotes } from "./_estimate_notes.ts";
import { spanTimeMicros } from "./_span_time.ts";

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

function namedSummaries(values: Map<string, DurationSample>, n: number, tieByName: boolean) {
  return [...values.entries()]
    .map(([name, sample]): NamedSummary => ({ name, ...summarizeSamples([sample]) }))
    .sort((a, b) => b.count - a.count || (tieByName ? byName(a.name, b.name) : 0))
    .slice(0, n);
}

/**
 * A span's duration in whole milliseconds (truncated, as the event durations are), measured
 * between its times at their full microsecond precision.
 */
function spanDurationMs(span: Obj): number | undefined {
  const start = spanTimeMicros(span.start_time);
  const end = spanTimeMicros(span.end_time);
  return Number.isFinite(start) && Number.isFinite(end)
    ? Math.trunc(Math.max(0, end - start) / 1000)
    : undefined;
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
 *
 * Memory is bounded by `limits` (see {@linkcode AnalysisLimits}); below them the report is exact,
 * past them {@linkcode notes} says which statistics were estimated.
 */
export class Accumulator {
  readonly #policy: RedactionPolicy;
  readonly #limits: AnalysisLimits;
  readonly #durationLimits: DurationSampleLimits;
  readonly #observed: Tally;
  readonly #legacy: Tally;
  #events = 0;
  readonly #countsByType: Record<string, number> = {};
  readonly #runIds: DistinctCount;
  /** Runs' success: `RunFinished` wins over `AgentRunFinished`, root spans over both. */
  readonly #runStatuses: RunStatuses;
  readonly #toolDurations: DurationSample;
  readonly #eventDurations = new Map<string, DurationSample>();
  readonly #errorTexts: TopTexts;
  #errors = 0;
  #spans = 0;
  #errorSpans = 0;
  readonly #traces: DistinctCount;
  readonly #spanOps: Record<string, number> = {};
  readonly #spanDurations = new Map<string, DurationSample>();
  #artifacts = 0;
  #artifactBytes = 0;
  /** Lines that were not JSON objects. */
  malformed = 0;

  /**
   * Starts an empty aggregation.
   *
   * @param policy The policy error texts are masked with (default: the process-wide one, the
   *   default policy in the analysis CLI).
   * @param limits The bounds of what is kept (default: {@linkcode DEFAULT_LIMITS}).
   */
  constructor(
    policy: RedactionPolicy = getRedactionPolicy(),
    limits: AnalysisLimits = DEFAULT_LIMITS,
  ) {
    this.#policy = policy;
    this.#limits = limits;
    this.#durationLimits = { exact: limits.exactDurations, sample: limits.durationSample };
    this.#observed = new Tally(this.#durationLimits);
    this.#legacy = new Tally(this.#durationLimits);
    const ids = { maxIds: limits.distinctIds, maxChars: limits.idChars };
    this.#runIds = new DistinctCount(ids);
    this.#runStatuses = new RunStatuses(ids);
    this.#traces = new DistinctCount(ids);
    this.#toolDurations = new DurationSample(this.#durationLimits);
    this.#errorTexts = new TopTexts({
      capacity: limits.errorTexts,
      maxChars: limits.errorChars,
      maxTextLength: limits.errorTextLength,
    });
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
    this.#errorTexts.add(message);
  }

  #duration(map: Map<string, DurationSample>, key: string, value: number): void {
    let sample = map.get(key);
    if (sample === undefined) map.set(key, sample = new DurationSample(this.#durationLimits));
    sample.add(value);
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
      this.#runStatuses.event(run, type === "RunFinished", a.success);
    }
    const duration = asInt(line.duration_ms);
    if (duration !== undefined) this.#duration(this.#eventDurations, type, duration);
    const error = errorString(a.error, this.#policy);
    if (error !== undefined) this.#error(error);
    this.#observed.event(OBSERVED_FAMILY, type, a, error, line.duration_ms);
    this.#legacy.event(LEGACY_FAMILY, type, a, error, line.duration_ms);
    if ((type === "ToolCallFinished" || type === "ToolCallFailed") && duration !== undefined) {
      this.#toolDurations.add(duration);
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
    if (ms !== undefined) this.#duration(this.#spanDurations, op, ms);
    const isError = span.status === "ERROR";
    if (isError) this.#errorSpans++;
    if (attrs["dra.run_id"] !== undefined) return;
    if (isError) this.#error(spanError(span, attrs, this.#policy));
    if (span.parent_id === null || span.parent_id === undefined) {
      const run = str(attrs["dreadnode.run.id"]) ?? traceId;
      this.#runIds.add(run);
      this.#runStatuses.rootSpan(run, isError);
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
      if (ms !== undefined) this.#toolDurations.add(ms);
    }
  }

  /**
   * Which statistics were estimated to stay within the limits, as warnings of the report (none
   * below the limits, where the report is exact).
   *
   * @returns One message per kind of estimate.
   */
  notes(): string[] {
    return estimateNotes(this.#limits, {
      errorTexts: this.#errorTexts,
      runIds: this.#runIds.exact,
      runStatuses: this.#runStatuses.exact,
      traces: this.#traces.exact,
      sampledDurations: this.#sampledDurations(),
    });
  }

  /** The duration statistics of the report kept as a sample, by name. */
  #sampledDurations(): string[] {
    const names: string[] = [];
    const responses = this.#family(OBSERVED_FAMILY.response).responses;
    const models = [...responses].filter(([, r]) => !r.latencies.exact);
    if (models.length > 0) names.push("models.latency_ms");
    for (const [model] of models) names.push(`models.per_model ${model}`);
    if (!this.#toolDurations.exact) names.push("latency.tool_duration_ms");
    for (const [type, sample] of this.#eventDurations) {
      if (!sample.exact) names.push(`latency.event_duration_ms ${type}`);
    }
    for (const [op, sample] of this.#spanDurations) {
      if (!sample.exact) names.push(`spans.duration_ms ${op}`);
    }
    return names;
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
    const terminal = this.#runStatuses.counts();
    return {
      runs: {
        unique_run_count: this.#runIds.size,
        runs_with_terminal_status: terminal.terminal,
        success_count: terminal.succeeded,
        failure_count: terminal.terminal - terminal.succeeded,
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
        tool_duration_ms: summarizeSamples([this.#toolDurations]),
        event_duration_ms: namedSummaries(this.#eventDurations, topN, false),
      },
      errors: { error_event_count: this.#errors, top_errors: this.#errorTexts.top(topN) },
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
