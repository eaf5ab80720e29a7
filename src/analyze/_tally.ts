/**
 * Model, tool and workflow-step statistics for the trace analysis: the event types each event
 * family (Observed or legacy) counts calls, responses, tool invocations, tool results and steps
 * with, and the {@linkcode Tally} that folds events and spans into them. As in
 * design_research_agents, the family is chosen per statistic ({@linkcode buildSections}), so a
 * directory holding one `ModelRequestObserved` still counts legacy tool events. Also the small
 * record helpers the analysis shares.
 *
 * @module
 */
import type { AnalysisReport, ModelStats, ToolStats } from "./report.ts";
import { asInt } from "./summary.ts";
import { setOwn } from "../own_property.ts";
import { pythonText } from "./_python_str.ts";
import { byCodePoint } from "../serialize/code_point_order.ts";
import { DurationSample, type DurationSampleLimits, summarizeSamples } from "./_duration_sample.ts";

const labelOf = (value: unknown) => value === undefined ? "unknown" : pythonText(value);

/** A parsed JSON object. */
export type Obj = Record<string, unknown>;

/** The event types one family (Observed or legacy) counts calls, results and steps with. */
export interface Family {
  /** A model call. */
  readonly call: string;
  /** A model response (its usage and latency are counted). */
  readonly response: string;
  /** A failed model call (counted when it carries an error). */
  readonly failed: string;
  /** A tool invocation. */
  readonly invocation: string;
  /** A tool result. */
  readonly results: readonly string[];
  /** A finished workflow step. */
  readonly step: string;
}

/** The Observed event family. */
export const OBSERVED_FAMILY: Family = {
  call: "ModelRequestObserved",
  response: "ModelResponseObserved",
  failed: "ModelResponseObserved",
  invocation: "ToolInvocationObserved",
  results: ["ToolResultObserved"],
  step: "WorkflowStepResultObserved",
};

/** The legacy event family. */
export const LEGACY_FAMILY: Family = {
  call: "ModelCallStarted",
  response: "ModelCallFinished",
  failed: "ModelCallFailed",
  invocation: "ToolCallStarted",
  results: ["ToolCallFinished", "ToolCallFailed"],
  step: "WorkflowStepFinished",
};

/**
 * A value as an object: a plain (non-array) object, else an empty one.
 *
 * @param value Any value.
 * @returns The object.
 */
export function obj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

/**
 * Whether a value is a (non-array) object, as Python's `isinstance(value, Mapping)` is for a
 * parsed JSON value.
 *
 * @param value Any value.
 * @returns True for an object.
 */
export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A value as a non-empty string.
 *
 * @param value Any value.
 * @returns The string, or undefined.
 */
export function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Adds to a counter.
 *
 * @param map Counters by key.
 * @param key The counter.
 * @param by How much to add.
 */
export function bump(map: Record<string, number>, key: string, by = 1): void {
  setOwn(map, key, (Object.hasOwn(map, key) ? map[key] : 0) + by);
}

/**
 * Orders names as Python's `sorted()` does, by code point: the order of ties in `per_model` and
 * `per_tool`, which design_research_agents lists by name before a stable sort by count.
 *
 * @param a A name.
 * @param b Another name.
 * @returns -1, 0 or 1.
 */
export const byName: (a: string, b: string) => number = byCodePoint;

const modelName = (a: Obj) =>
  str(a.model) ?? str(obj(a.response).model) ?? str(obj(a.request).model) ?? "unknown";

/** One model's responses: summed usage, latencies and failures. */
interface Responses {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  failures: number;
  latencies: DurationSample;
}

function entry<T>(map: Map<string, T>, key: string, make: () => T): T {
  let value = map.get(key);
  if (value === undefined) map.set(key, value = make());
  return value;
}

/** Model, tool and workflow-step counts of one event family, plus every span's. */
export class Tally {
  readonly #durations: DurationSampleLimits;
  /** Model calls by model. */
  readonly calls: Map<string, number> = new Map();
  /** Model responses and failures by model. */
  readonly responses: Map<string, Responses> = new Map();
  /** Tool invocations by tool. */
  readonly invocations: Map<string, number> = new Map();
  /** Tool results by tool. */
  readonly results: Map<string, { ok: number; failed: number }> = new Map();
  /** Workflow-step counts. */
  readonly steps = {
    step_execution_count: 0,
    counts_by_step_type: {} as Record<string, number>,
    counts_by_status: {} as Record<string, number>,
  };

  /**
   * Starts empty.
   *
   * @param durations The bounds of each model's latencies.
   */
  constructor(durations: DurationSampleLimits) {
    this.#durations = durations;
  }

  /** A model call. */
  modelCall(name: string): void {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
  }

  /**
   * A model response: its usage (the OpenAI-style `prompt_tokens`/`completion_tokens`/
   * `total_tokens`, each read on its own, as design_research_agents does) and latency.
   */
  modelResponse(name: string, usage: Obj, latency: unknown): void {
    const r = this.#response(name);
    r.prompt_tokens += asInt(usage.prompt_tokens) ?? 0;
    r.completion_tokens += asInt(usage.completion_tokens) ?? 0;
    r.total_tokens += asInt(usage.total_tokens) ?? 0;
    const ms = asInt(latency);
    if (ms !== undefined) r.latencies.add(ms);
  }

  /** A failed model call. */
  modelFailure(name: string): void {
    this.#response(name).failures++;
  }

  #response(name: string): Responses {
    return entry(this.responses, name, () => ({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      failures: 0,
      latencies: new DurationSample(this.#durations),
    }));
  }

  /** A tool invocation. */
  toolCall(name: string): void {
    this.invocations.set(name, (this.invocations.get(name) ?? 0) + 1);
  }

  /**
   * A tool result.
   *
   * @param name The tool.
   * @param ok Whether it succeeded.
   */
  toolResult(name: string, ok: boolean): void {
    const r = entry(this.results, name, () => ({ ok: 0, failed: 0 }));
    if (ok) r.ok++;
    else r.failed++;
  }

  /**
   * One event, counted by the family's rules: usage and latency (`response.latency_ms`, else the
   * event's `duration_ms`) from responses only; a failure from a failed-type event with an error.
   */
  event(f: Family, type: string, a: Obj, error: string | undefined, duration: unknown): void {
    if (type === f.call) this.modelCall(modelName(a));
    if (type === f.response) {
      const response = obj(a.response);
      // DRA's `_extract_usage`: `usage` when it is an object, else `response.usage`.
      const usage = isObj(a.usage) ? a.usage : obj(response.usage);
      this.modelResponse(modelName(a), usage, asInt(response.latency_ms) ?? duration);
    }
    if (type === f.failed && error !== undefined) this.modelFailure(modelName(a));
    if (type === f.invocation) this.toolCall(str(a.tool_name) ?? "unknown");
    if (f.results.includes(type)) {
      // Legacy results succeed or fail by type; an Observed one by `ok`, else by no error.
      const ok = type === "ToolCallFinished" ||
        (type !== "ToolCallFailed" && (typeof a.ok === "boolean" ? a.ok : error === undefined));
      this.toolResult(str(a.tool_name) ?? "unknown", ok);
    }
    if (type === f.step) {
      this.steps.step_execution_count++;
      // DRA's `str(attributes.get("step_type", "unknown"))`: null is `None`, 5 is `5`.
      bump(this.steps.counts_by_step_type, labelOf(a.step_type));
      bump(this.steps.counts_by_status, labelOf(a.status));
    }
  }
}

/** Which tally counts each statistic. */
export interface Picks {
  /** Model calls. */
  readonly call: Tally;
  /** Model responses (usage, latency) and failures. */
  readonly response: Tally;
  /** Tool invocations. */
  readonly invocation: Tally;
  /** Tool results. */
  readonly result: Tally;
  /** Workflow steps. */
  readonly step: Tally;
}

const sum = (values: Iterable<number>) => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

function models(p: Picks, topN: number): AnalysisReport["models"] {
  const tokens = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  const latencies: DurationSample[] = [];
  let failures = 0;
  for (const r of p.response.responses.values()) {
    tokens.prompt_tokens += r.prompt_tokens;
    tokens.completion_tokens += r.completion_tokens;
    tokens.total_tokens += r.total_tokens;
    latencies.push(r.latencies);
    failures += r.failures;
  }
  const names = new Set([...p.call.calls.keys(), ...p.response.responses.keys()]);
  const perModel: ModelStats[] = [...names].map((model) => {
    const r = p.response.responses.get(model);
    return {
      model,
      call_count: p.call.calls.get(model) ?? 0,
      failure_count: r?.failures ?? 0,
      prompt_tokens: r?.prompt_tokens ?? 0,
      completion_tokens: r?.completion_tokens ?? 0,
      total_tokens: r?.total_tokens ?? 0,
      latency_ms: summarizeSamples(r === undefined ? [] : [r.latencies]),
    };
  });
  return {
    model_call_count: sum(p.call.calls.values()),
    model_failure_count: failures,
    tokens,
    // DRA: `sorted(names)`, stable-sorted by calls (descending), cut to top n.
    per_model: perModel
      .sort((a, b) => b.call_count - a.call_count || byName(a.model, b.model))
      .slice(0, topN),
    latency_ms: summarizeSamples(latencies),
  };
}

function tools(p: Picks, topN: number): AnalysisReport["tools"] {
  let ok = 0;
  let failed = 0;
  for (const r of p.result.results.values()) (ok += r.ok, failed += r.failed);
  const names = new Set([...p.invocation.invocations.keys(), ...p.result.results.keys()]);
  const perTool: ToolStats[] = [...names].map((tool_name) => ({
    tool_name,
    invocation_count: p.invocation.invocations.get(tool_name) ?? 0,
    success_count: p.result.results.get(tool_name)?.ok ?? 0,
    failure_count: p.result.results.get(tool_name)?.failed ?? 0,
  }));
  return {
    tool_invocation_count: sum(p.invocation.invocations.values()),
    tool_success_count: ok,
    tool_failure_count: failed,
    // DRA: `sorted(names)`, stable-sorted by invocations (descending), cut to top n (its
    // `--top-n` help says "Top N rows for per-model/per-tool summaries").
    per_tool: perTool
      .sort((a, b) => b.invocation_count - a.invocation_count || byName(a.tool_name, b.tool_name))
      .slice(0, topN),
  };
}

/**
 * Builds the `models`, `tools` and `workflow_steps` sections, each statistic from its tally.
 *
 * @param picks The tally of each statistic.
 * @param topN How many entries ranked lists keep.
 * @returns The report sections.
 */
export function buildSections(
  picks: Picks,
  topN: number,
): Pick<AnalysisReport, "models" | "tools" | "workflow_steps"> {
  const steps = picks.step.steps;
  return {
    models: models(picks, topN),
    tools: tools(picks, topN),
    workflow_steps: {
      step_execution_count: steps.step_execution_count,
      counts_by_step_type: { ...steps.counts_by_step_type },
      counts_by_status: { ...steps.counts_by_status },
    },
  };
}
