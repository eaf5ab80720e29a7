/**
 * The aggregation behind the trace analysis: event lines (design_research_agents' rules) and
 * tracelet span lines (GenAI attributes), folded into one {@linkcode AnalysisReport}.
 *
 * @module
 */
import type { AnalysisReport, ModelStats, NamedSummary, ToolStats } from "./report.ts";
import { asInt, summarize } from "./summary.ts";
import { OBSERVED_EVENT_TYPES } from "../events/event.ts";
import { setOwn } from "../own_property.ts";

type Obj = Record<string, unknown>;

const OBSERVED = new Set(OBSERVED_EVENT_TYPES);
const MODEL_OPERATIONS = new Set(["chat", "text_completion", "generate_content"]);

interface EventLine {
  readonly type: string;
  readonly run: string | undefined;
  readonly attrs: Obj;
  readonly duration: unknown;
}

function obj(value: unknown): Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Obj : {};
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Error text: a string, an object's `message`, else its JSON with sorted keys. */
export function errorString(error: unknown): string | undefined {
  if (error === undefined || error === null || error === "" || error === false) return undefined;
  if (typeof error === "string") return error;
  const message = str(obj(error).message);
  if (message !== undefined) return message;
  try {
    return JSON.stringify(
      error,
      (_k, v) =>
        typeof v === "object" && v !== null && !Array.isArray(v)
          ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Obj)[k]]))
          : v,
    );
  } catch {
    return String(error);
  }
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  setOwn(map, key, (Object.hasOwn(map, key) ? map[key] : 0) + by);
}

function topCounts(map: Record<string, number>, n: number): { error: string; count: number }[] {
  return Object.entries(map)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, n)
    .map(([error, count]) => ({ error, count }));
}

function namedSummaries(values: Map<string, number[]>, n: number): NamedSummary[] {
  return [...values.entries()]
    .map(([name, list]) => ({ name, ...summarize(list) }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, n);
}

function spanDurationMs(span: Obj): number | undefined {
  const start = Date.parse(String(span.start_time));
  const end = Date.parse(String(span.end_time));
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, end - start) : undefined;
}

function spanError(span: Obj, attrs: Obj): string {
  const events = Array.isArray(span.events) ? span.events : [];
  for (const e of events) {
    const message = str(obj(obj(e).attributes)["exception.message"]);
    if (obj(e).name === "exception" && message !== undefined) return message;
  }
  const openaiError = str(attrs["openai.error"]);
  if (openaiError !== undefined) {
    try {
      return errorString(JSON.parse(openaiError)) ?? "error";
    } catch {
      return openaiError;
    }
  }
  return str(attrs["dra.error"]) ?? "error";
}

/** Collects lines, then builds the report. */
export class Accumulator {
  readonly #events: EventLine[] = [];
  readonly #spans: Obj[] = [];
  malformed = 0;

  /**
   * Adds one parsed line.
   *
   * @param line A parsed JSON object.
   */
  add(line: Obj): void {
    if (typeof line.event_type === "string" || !("span_id" in line && "trace_id" in line)) {
      this.#events.push({
        type: str(line.event_type) ?? "unknown",
        run: str(line.run_id),
        attrs: obj(line.attributes),
        duration: line.duration_ms,
      });
    } else {
      this.#spans.push(line);
    }
  }

  /**
   * Builds every section except `inputs` and `warnings`.
   *
   * @param topN How many entries ranked lists keep.
   * @returns The report sections.
   */
  build(topN: number): Omit<AnalysisReport, "inputs" | "warnings"> {
    const events = this.#events;
    const observed = events.some((e) => OBSERVED.has(e.type));
    const countsByType: Record<string, number> = {};
    const runIds = new Set<string>();
    const terminal = new Map<string, { fromRun: boolean; success: boolean }>();
    const perModel = new Map<string, ModelStats & { latencies: number[] }>();
    const perTool = new Map<string, ToolStats>();
    const tokens = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    const modelLatencies: number[] = [];
    const toolDurations: number[] = [];
    const eventDurations = new Map<string, number[]>();
    const steps = {
      step_execution_count: 0,
      counts_by_step_type: {} as Record<string, number>,
      counts_by_status: {} as Record<string, number>,
    };
    const errorCounts: Record<string, number> = {};
    let modelCalls = 0,
      modelFailures = 0,
      toolCalls = 0,
      toolOk = 0,
      toolFailed = 0,
      errorEvents = 0;

    const model = (name: string) => {
      let m = perModel.get(name);
      if (m === undefined) {
        m = {
          model: name,
          call_count: 0,
          failure_count: 0,
          prompt_tokens: 0,
          completion_tokens: 0,
          total_tokens: 0,
          latency_ms: summarize([]),
          latencies: [],
        };
        perModel.set(name, m);
      }
      return m;
    };
    const tool = (name: string) => {
      let t = perTool.get(name);
      if (t === undefined) {
        perTool.set(
          name,
          t = { tool_name: name, invocation_count: 0, success_count: 0, failure_count: 0 },
        );
      }
      return t;
    };
    const addUsage = (m: ModelStats, usage: Obj) => {
      const prompt = asInt(usage.prompt_tokens) ?? asInt(usage.input_tokens) ?? 0;
      const completion = asInt(usage.completion_tokens) ?? asInt(usage.output_tokens) ?? 0;
      const total = asInt(usage.total_tokens) ?? prompt + completion;
      m.prompt_tokens += prompt;
      m.completion_tokens += completion;
      m.total_tokens += total;
      tokens.prompt_tokens += prompt;
      tokens.completion_tokens += completion;
      tokens.total_tokens += total;
    };
    const addLatency = (m: { latencies: number[] }, value: unknown) => {
      const ms = asInt(value);
      if (ms === undefined) return;
      m.latencies.push(ms);
      modelLatencies.push(ms);
    };
    const modelName = (a: Obj) =>
      str(a.model) ?? str(obj(a.response).model) ?? str(obj(a.request).model) ?? "unknown";
    const toolResult = (name: string, ok: boolean) => {
      const t = tool(name);
      if (ok) (toolOk++, t.success_count++);
      else (toolFailed++, t.failure_count++);
    };

    const callType = observed ? "ModelRequestObserved" : "ModelCallStarted";
    const responseType = observed ? "ModelResponseObserved" : "ModelCallFinished";
    const invocationType = observed ? "ToolInvocationObserved" : "ToolCallStarted";
    const stepType = observed ? "WorkflowStepResultObserved" : "WorkflowStepFinished";
    for (const e of events) {
      const a = e.attrs;
      bump(countsByType, e.type);
      if (e.run !== undefined) runIds.add(e.run);
      if (
        (e.type === "RunFinished" || e.type === "AgentRunFinished") && e.run !== undefined &&
        typeof a.success === "boolean"
      ) {
        const fromRun = e.type === "RunFinished";
        if (fromRun || !terminal.get(e.run)?.fromRun) {
          terminal.set(e.run, { fromRun, success: a.success });
        }
      }
      const duration = asInt(e.duration);
      if (duration !== undefined) {
        if (!eventDurations.has(e.type)) eventDurations.set(e.type, []);
        eventDurations.get(e.type)!.push(duration);
      }
      const error = errorString(a.error);
      if (error !== undefined) (errorEvents++, bump(errorCounts, error));
      if (e.type === callType) (modelCalls++, model(modelName(a)).call_count++);
      const failed = error !== undefined &&
        (e.type === (observed ? "ModelResponseObserved" : "ModelCallFailed"));
      if (e.type === responseType || failed) {
        const m = model(modelName(a));
        addUsage(m, obj(a.usage ?? obj(a.response).usage));
        addLatency(m, a.latency_ms ?? obj(a.response).latency_ms ?? e.duration);
        if (failed) (modelFailures++, m.failure_count++);
      }
      if (e.type === invocationType) {
        (toolCalls++, tool(str(a.tool_name) ?? "unknown").invocation_count++);
      }
      const isResult = observed
        ? e.type === "ToolResultObserved"
        : e.type === "ToolCallFinished" || e.type === "ToolCallFailed";
      if (isResult) {
        toolResult(
          str(a.tool_name) ?? "unknown",
          typeof a.ok === "boolean" ? a.ok : error === undefined,
        );
      }
      if (
        (e.type === "ToolCallFinished" || e.type === "ToolCallFailed") && duration !== undefined
      ) toolDurations.push(duration);
      if (e.type === stepType) {
        steps.step_execution_count++;
        bump(steps.counts_by_step_type, str(a.step_type) ?? "unknown");
        bump(steps.counts_by_status, str(a.status) ?? "unknown");
      }
    }

    // Tracelet span lines. Spans mirrored from event runs (`dra.run_id`) are counted only here,
    // so a directory holding both never counts a call twice.
    const traces = new Set<string>();
    const spanOps: Record<string, number> = {};
    const spanDurations = new Map<string, number[]>();
    let errorSpans = 0;
    for (const span of this.#spans) {
      const attrs = obj(span.attributes);
      const traceId = str(span.trace_id) ?? "unknown";
      traces.add(traceId);
      const op = str(attrs["gen_ai.operation.name"]) ?? str(attrs["openai.span.type"]) ??
        str(attrs["dreadnode.type"]) ?? "span";
      bump(spanOps, op);
      const ms = spanDurationMs(span);
      if (ms !== undefined) {
        if (!spanDurations.has(op)) spanDurations.set(op, []);
        spanDurations.get(op)!.push(ms);
      }
      const isError = span.status === "ERROR";
      if (isError) errorSpans++;
      if (attrs["dra.run_id"] !== undefined) continue;
      if (isError) (errorEvents++, bump(errorCounts, spanError(span, attrs)));
      if (span.parent_id === null || span.parent_id === undefined) {
        runIds.add(traceId);
        terminal.set(traceId, { fromRun: true, success: !isError });
      }
      if (MODEL_OPERATIONS.has(op)) {
        const m = model(
          str(attrs["gen_ai.request.model"]) ?? str(attrs["gen_ai.response.model"]) ?? "unknown",
        );
        modelCalls++;
        m.call_count++;
        addUsage(m, {
          input_tokens: attrs["gen_ai.usage.input_tokens"],
          output_tokens: attrs["gen_ai.usage.output_tokens"],
        });
        addLatency(m, ms);
        if (isError) (modelFailures++, m.failure_count++);
      } else if (op === "execute_tool") {
        const name = str(attrs["gen_ai.tool.name"]) ?? "unknown";
        toolCalls++;
        tool(name).invocation_count++;
        toolResult(name, !isError);
        if (ms !== undefined) toolDurations.push(ms);
      }
    }

    const byCount = <T>(list: T[], count: (t: T) => number, name: (t: T) => string) =>
      list.sort((a, b) =>
        count(b) - count(a) || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0)
      ).slice(0, topN);
    let success = 0, failure = 0;
    for (const t of terminal.values()) t.success ? success++ : failure++;
    return {
      runs: {
        unique_run_count: runIds.size,
        runs_with_terminal_status: terminal.size,
        success_count: success,
        failure_count: failure,
      },
      events: {
        total: events.length,
        counts_by_type: countsByType,
        malformed_lines: this.malformed,
      },
      models: {
        model_call_count: modelCalls,
        model_failure_count: modelFailures,
        tokens,
        per_model: byCount([...perModel.values()], (m) => m.call_count, (m) => m.model)
          .map(({ latencies, ...m }) => ({ ...m, latency_ms: summarize(latencies) })),
        latency_ms: summarize(modelLatencies),
      },
      tools: {
        tool_invocation_count: toolCalls,
        tool_success_count: toolOk,
        tool_failure_count: toolFailed,
        per_tool: byCount([...perTool.values()], (t) => t.invocation_count, (t) => t.tool_name),
      },
      workflow_steps: steps,
      latency: {
        tool_duration_ms: summarize(toolDurations),
        event_duration_ms: namedSummaries(eventDurations, topN),
      },
      errors: { error_event_count: errorEvents, top_errors: topCounts(errorCounts, topN) },
      spans: {
        span_count: this.#spans.length,
        trace_count: traces.size,
        error_span_count: errorSpans,
        counts_by_operation: spanOps,
        duration_ms: namedSummaries(spanDurations, topN),
      },
    };
  }
}
