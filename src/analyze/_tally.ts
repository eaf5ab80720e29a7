/**
 * Model, tool and workflow-step statistics for the trace analysis: the event types each event
 * family (Observed or legacy) counts calls, results and steps with, and the {@linkcode Tally}
 * that folds events and spans into the report's `models`, `tools` and `workflow_steps`
 * sections. Also the small record helpers the analysis shares.
 *
 * @module
 */
import type { AnalysisReport, ModelStats, ToolStats } from "./report.ts";
import { asInt, summarize } from "./summary.ts";
import { setOwn } from "../own_property.ts";

/** A parsed JSON object. */
export type Obj = Record<string, unknown>;

/** The event types one family (Observed or legacy) counts calls, results and steps with. */
export interface Family {
  /** A model call. */
  readonly call: string;
  /** A model response. */
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
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Obj : {};
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
 * Orders names by code unit (ties in ranked lists).
 *
 * @param a A name.
 * @param b Another name.
 * @returns -1, 0 or 1.
 */
export const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const modelName = (a: Obj) =>
  str(a.model) ?? str(obj(a.response).model) ?? str(obj(a.request).model) ?? "unknown";

/** Model, tool and workflow-step statistics: one event family's, plus every span's. */
export class Tally {
  /** Model calls. */
  modelCalls = 0;
  /** Failed model calls. */
  modelFailures = 0;
  /** Tool invocations. */
  toolCalls = 0;
  /** Tool results that succeeded. */
  toolOk = 0;
  /** Tool results that failed. */
  toolFailed = 0;
  /** Token usage over all models. */
  readonly tokens = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  /** Model latencies over all models. */
  readonly latencies: number[] = [];
  /** Statistics by model, with each model's latencies. */
  readonly perModel: Map<string, ModelStats & { latencies: number[] }> = new Map();
  /** Statistics by tool. */
  readonly perTool: Map<string, ToolStats> = new Map();
  /** Workflow-step counts. */
  readonly steps = {
    step_execution_count: 0,
    counts_by_step_type: {} as Record<string, number>,
    counts_by_status: {} as Record<string, number>,
  };

  /**
   * One model's statistics, created on first use.
   *
   * @param name The model.
   * @returns Its statistics.
   */
  model(name: string): ModelStats & { latencies: number[] } {
    let m = this.perModel.get(name);
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
      this.perModel.set(name, m);
    }
    return m;
  }

  /**
   * One tool's statistics, created on first use.
   *
   * @param name The tool.
   * @returns Its statistics.
   */
  tool(name: string): ToolStats {
    let t = this.perTool.get(name);
    if (t === undefined) {
      t = { tool_name: name, invocation_count: 0, success_count: 0, failure_count: 0 };
      this.perTool.set(name, t);
    }
    return t;
  }

  /** A model call (or response) with its usage and latency. */
  modelResult(name: string, usage: Obj, latency: unknown, failed: boolean): void {
    const m = this.model(name);
    const prompt = asInt(usage.prompt_tokens) ?? asInt(usage.input_tokens) ?? 0;
    const completion = asInt(usage.completion_tokens) ?? asInt(usage.output_tokens) ?? 0;
    const total = asInt(usage.total_tokens) ?? prompt + completion;
    for (const t of [m, this.tokens]) {
      t.prompt_tokens += prompt;
      t.completion_tokens += completion;
      t.total_tokens += total;
    }
    const ms = asInt(latency);
    if (ms !== undefined) (m.latencies.push(ms), this.latencies.push(ms));
    if (failed) (this.modelFailures++, m.failure_count++);
  }

  /**
   * A tool result.
   *
   * @param name The tool.
   * @param ok Whether it succeeded.
   */
  toolResult(name: string, ok: boolean): void {
    const t = this.tool(name);
    if (ok) (this.toolOk++, t.success_count++);
    else (this.toolFailed++, t.failure_count++);
  }

  /** One event, counted by the family's rules. */
  event(f: Family, type: string, a: Obj, error: string | undefined, duration: unknown): void {
    if (type === f.call) (this.modelCalls++, this.model(modelName(a)).call_count++);
    const failed = error !== undefined && type === f.failed;
    if (type === f.response || failed) {
      const latency = a.latency_ms ?? obj(a.response).latency_ms ?? duration;
      this.modelResult(modelName(a), obj(a.usage ?? obj(a.response).usage), latency, failed);
    }
    if (type === f.invocation) {
      (this.toolCalls++, this.tool(str(a.tool_name) ?? "unknown").invocation_count++);
    }
    if (f.results.includes(type)) {
      const ok = typeof a.ok === "boolean" ? a.ok : error === undefined;
      this.toolResult(str(a.tool_name) ?? "unknown", ok);
    }
    if (type === f.step) {
      this.steps.step_execution_count++;
      bump(this.steps.counts_by_step_type, str(a.step_type) ?? "unknown");
      bump(this.steps.counts_by_status, str(a.status) ?? "unknown");
    }
  }

  /**
   * Builds the `models`, `tools` and `workflow_steps` sections.
   *
   * @param topN How many entries ranked lists keep.
   * @returns The report sections.
   */
  sections(topN: number): Pick<AnalysisReport, "models" | "tools" | "workflow_steps"> {
    return {
      models: {
        model_call_count: this.modelCalls,
        model_failure_count: this.modelFailures,
        tokens: { ...this.tokens },
        per_model: [...this.perModel.values()]
          .sort((a, b) => b.call_count - a.call_count || byName(a.model, b.model))
          .slice(0, topN)
          .map(({ latencies, ...m }) => ({ ...m, latency_ms: summarize(latencies) })),
        latency_ms: summarize(this.latencies),
      },
      tools: {
        tool_invocation_count: this.toolCalls,
        tool_success_count: this.toolOk,
        tool_failure_count: this.toolFailed,
        per_tool: [...this.perTool.values()]
          .sort((a, b) =>
            b.invocation_count - a.invocation_count || byName(a.tool_name, b.tool_name)
          )
          .slice(0, topN)
          .map((t) => ({ ...t })),
      },
      workflow_steps: {
        step_execution_count: this.steps.step_execution_count,
        counts_by_step_type: { ...this.steps.counts_by_step_type },
        counts_by_status: { ...this.steps.counts_by_status },
      },
    };
  }
}
