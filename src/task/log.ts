/**
 * Module-level logging helpers acting on the innermost current task. Outside a task each helper
 * reports one `outside_task` diagnostic (once per helper) and does nothing; an internal failure is
 * reported (`internal_error`) and never reaches the caller.
 *
 * @module
 */
import { readRecord } from "./_read.ts";
import { readArray } from "../safe_read.ts";
import { within } from "./_within.ts";
import type { LogMetricOptions, MetricEntry } from "./_task_state.ts";
import type {
  ArtifactRecord,
  ArtifactSource,
  DirectoryArtifact,
  LogArtifactOptions,
} from "./artifacts.ts";
import type { Metric } from "./metric_point.ts";
import type { LogObjectRefOptions } from "./task_span.ts";

/**
 * Logs a parameter on the current task.
 *
 * @param key The name.
 * @param value Any value.
 * @example
 * ```ts
 * import { logParam, logParams, run } from "@tracelet/tracelet";
 * run("exp", {}, () => {
 *   logParam("model", "gpt-4o");
 *   logParams({ temperature: 0.7, max_tokens: 1000 });
 * });
 * ```
 */
export function logParam(key: string, value: unknown): void {
  within("logParam", undefined, (t) => void t.logParam(key, value));
}

/**
 * Logs several parameters on the current task.
 *
 * @param params Name → value: an object or a `Map` with string keys.
 */
export function logParams(
  params: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
): void {
  within("logParams", undefined, (t) => void t.logParams(params));
}

/**
 * Logs an input on the current task.
 *
 * @param name The name.
 * @param value Any value.
 * @param options Label and attributes.
 * @returns The object hash, or undefined outside a task.
 */
export function logInput(
  name: string,
  value: unknown,
  options?: LogObjectRefOptions,
): string | undefined {
  return within("logInput", undefined, (t) => t.logInput(name, value, options));
}

/**
 * Logs several inputs on the current task.
 *
 * @param inputs Name → value: an object or a `Map` with string keys.
 */
export function logInputs(
  inputs: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
): void {
  within("logInputs", undefined, (t) => {
    const record = readRecord(inputs, "inputs");
    for (const key of Object.keys(record)) t.logInput(key, record[key]);
  });
}

/**
 * Logs an output on the current task.
 *
 * @param name The name.
 * @param value Any value.
 * @param options Label and attributes.
 * @returns The object hash, or undefined outside a task.
 */
export function logOutput(
  name: string,
  value: unknown,
  options?: LogObjectRefOptions,
): string | undefined {
  return within("logOutput", undefined, (t) => t.logOutput(name, value, options));
}

/**
 * Logs several outputs on the current task.
 *
 * @param outputs Name → value: an object or a `Map` with string keys.
 */
export function logOutputs(
  outputs: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>,
): void {
  within("logOutputs", undefined, (t) => {
    const record = readRecord(outputs, "outputs");
    for (const key of Object.keys(record)) t.logOutput(key, record[key]);
  });
}

/**
 * Logs a metric on the current task (step and timestamp reach the stored point).
 *
 * @param name The name.
 * @param value A finite number, boolean or BigInt, or a `Metric`.
 * @param options Step, timestamp, aggregation, prefix, origin, attributes.
 * @returns The stored metric, or undefined.
 */
export function logMetric(
  name: string,
  value: number | boolean | bigint | Metric,
  options?: LogMetricOptions,
): Metric | undefined {
  return within("logMetric", undefined, (t) => t.logMetric(name, value, options));
}

/**
 * Logs several metrics: a `{name: value}` record sharing `defaults`, or a list of entries each
 * overriding them.
 *
 * @param metrics `{name: value}` (an object or a `Map` with string keys) or `{name, value, …}`
 *   entries.
 * @param defaults Shared step, timestamp, aggregation, attributes, origin.
 * @returns The stored metrics.
 */
export function logMetrics(
  metrics:
    | Readonly<Record<string, number | boolean | bigint>>
    | ReadonlyMap<string, number | boolean | bigint>
    | readonly MetricEntry[],
  defaults: LogMetricOptions = {},
): Metric[] {
  return within("logMetrics", [], (t) => t.logMetrics(metrics, defaults));
}

/**
 * Adds tags to the current task. An array among them gives its items, as `TaskSpan.addTags`
 * takes them: `tag(["a", "b"])` (dreadnode's `tag(*tags)` ported with a list) adds `a` and `b`,
 * not the one tag `a_b` its text would clean to.
 *
 * @param tags Tags (cleaned), or arrays of tags.
 */
export function tag(...tags: (string | readonly string[])[]): void {
  // One level: an array's items are tags, cleaned one by one (an unreadable one stays one tag).
  const flat = tags.flatMap((item) => readArray(item) ?? [item]) as string[];
  within("tag", undefined, (t) => void t.addTags(flat));
}

/**
 * Links two values: both are stored as objects on the current task and a
 * `dreadnode.object.link` event records the link.
 *
 * @param origin The value that links (e.g. an output).
 * @param link The value linked to (e.g. its input).
 * @param attributes Event attributes.
 */
export function linkObjects(
  origin: unknown,
  link: unknown,
  attributes?: Record<string, unknown>,
): void {
  within(
    "linkObjects",
    undefined,
    (t) => void t.linkObjects(t.logObject(origin), t.logObject(link), attributes),
  );
}

/**
 * Logs an artifact on the current task (never rejects; see `TaskSpan.logArtifact`).
 *
 * @param source A path or bytes / `Blob`.
 * @param options The name.
 * @returns The record, a directory wrapper, or undefined.
 */
export function logArtifact(
  source: ArtifactSource,
  options?: LogArtifactOptions,
): Promise<ArtifactRecord | DirectoryArtifact | undefined> {
  return within("logArtifact", Promise.resolve(undefined), (t) => t.logArtifact(source, options));
}
