/**
 * Metric logging rules and the wire encoding of a task's state (dreadnode §2.2): JSON-string
 * attributes `dreadnode.params/inputs/outputs/metrics/objects/object_schemas/artifacts`, plus
 * `dreadnode.large_attributes` when the task holds objects.
 *
 * @internal
 * @module
 */
import { cleanStr } from "../clean.ts";
import { cutText } from "../cut_text.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { safeString } from "../safe_string.ts";
import { type OptionHints, readOptions, readRecord, readUserOptions } from "./_read.ts";
import { isInstance, readArray } from "../safe_read.ts";
import { serializedForSpan } from "./_redact.ts";
import type { ArtifactRecord } from "./artifacts.ts";
import { Metric, toMetricValue } from "./metric_point.ts";
import { METRIC_AGG_MODES } from "./metrics.ts";
import type { MetricAggMode, MetricSeries } from "./metrics.ts";
import type { TaskMetrics } from "./_task_metrics.ts";
import type { ObjectRef, ObjectStore } from "./objects.ts";
import { setOwn } from "../own_property.ts";
import { jsonWithPythonNumbers, pythonFloatJson, pythonNumber } from "../serialize/python_json.ts";
import { metricAttributesJson } from "./_metric_attributes_json.ts";

/** Options of `logMetric`. */
export interface LogMetricOptions {
  /** X-axis index (default 0). */
  step?: number | undefined;
  /** When it was measured (`Date`, epoch ms or an ISO-8601 date-time string, UTC without an offset; default now). */
  timestamp?: Date | number | string | undefined;
  /** Log-time aggregation (default `direct`). */
  aggregation?: MetricAggMode | undefined;
  /** Prepended to the cleaned name as `<prefix>.<name>`. */
  prefix?: string | undefined;
  /**
   * The value the metric describes; stored as an object, its hash in `dreadnode.origin.hash`
   * (none for `null`, as dreadnode skips an origin of `None`).
   */
  origin?: unknown;
  /** Point attributes. */
  attributes?: Record<string, unknown> | undefined;
}

/** One entry of the list form of `logMetrics`. */
export interface MetricEntry extends LogMetricOptions {
  /** The name. */
  name: string;
  /** The value. */
  value: number | boolean | bigint;
}

/** Every field of {@linkcode LogMetricOptions}, read once each from what the caller passed. */
export const METRIC_OPTION_KEYS: readonly (keyof LogMetricOptions)[] = [
  "step",
  "timestamp",
  "aggregation",
  "prefix",
  "origin",
  "attributes",
];

/**
 * What the metric options' check knows beyond their keys: a bare number is the step
 * (`logMetric(name, value, 3)`), and `mode` (dreadnode 1's name) or `agg` means `aggregation`.
 */
export const METRIC_OPTION_HINTS: OptionHints = {
  positional: "step",
  aliases: { mode: "aggregation", agg: "aggregation" },
};

const ENTRY_KEYS: readonly (keyof MetricEntry)[] = ["name", "value", ...METRIC_OPTION_KEYS];

/**
 * Normalizes the record and list forms of `logMetrics`. Never throws: a record (an object or a
 * `Map`, see `readRecord`) keeps its readable entries; list entries that are not `{name, …}`
 * objects (a `[name, value]` pair as `Object.entries` gives, an entry without a `name`) are
 * reported once and left out.
 *
 * @param metrics `{name: value}` or a list of entries.
 * @returns The entries.
 */
export function metricEntries(
  metrics:
    | Readonly<Record<string, number | boolean | bigint>>
    | ReadonlyMap<string, number | boolean | bigint>
    | readonly MetricEntry[],
): readonly MetricEntry[] {
  const items = readArray(metrics);
  if (items === undefined) {
    const record = readRecord(metrics, "metrics");
    return Object.keys(record).map((name) => ({ name, value: record[name] as number }));
  }
  const out: MetricEntry[] = [];
  for (const item of items) {
    const pair = readArray(item) !== undefined;
    const entry = typeof item === "object" && item !== null && !pair
      ? readOptions(item as MetricEntry, ENTRY_KEYS, "metric") as MetricEntry
      : undefined;
    if (entry !== undefined && entry.name !== undefined && entry.name !== null) {
      out.push(entry);
      continue;
    }
    const given = pair
      ? `that is an array ([${safeString(item)}])`
      : entry === undefined
      ? `of type ${item === null ? "null" : typeof item}`
      : "without a name";
    reportOnce(
      "metric_entry",
      "warn",
      "invalid_task_input",
      `Cannot log a metric entry ${given}: logMetrics takes {name: value} (an object or a Map) ` +
        `or a list of {name, value, …} entries; for [name, value] pairs, pass ` +
        `Object.fromEntries(pairs) or new Map(pairs)`,
    );
  }
  return out;
}

/**
 * Reports once per name a metric name with none of `a-z 0-9 / @ .` (all Chinese, Japanese,
 * Cyrillic, emoji): dreadnode's `clean_str` makes it `""`, so every such name is one series.
 */
function emptyName(name: string): void {
  const text = cutText(safeString(name), 80);
  if (text === "") return;
  reportOnce(
    `metric_name_empty:${text}`,
    "warn",
    "metric_name_empty",
    `Metric name ${JSON.stringify(text)} has none of a-z 0-9 / @ . and is stored as "" ` +
      "(dreadnode's clean_str), one series with every such name: give it a Latin name or prefix",
  );
}

/**
 * Validates and stores one metric point. Never throws on what the caller gave: an unreadable
 * option is ignored, a value that is not a finite number, boolean or BigInt is rejected
 * (reported once per metric name, counted by `metrics`). With a {@linkcode Metric} value, the
 * `step`, `timestamp` and `attributes` options that are given win over the Metric's own
 * (attributes are merged, the options' keys winning).
 * The origin is stored as an object only when the point is; the point keeps no origin hash when
 * the object cannot be stored.
 *
 * @param metrics The task's series.
 * @param name The raw name.
 * @param value The value.
 * @param options The options.
 * @param logOrigin Stores an origin value as an object, returning its hash (undefined when it
 *   cannot be stored).
 * @returns The stored metric, or undefined when rejected.
 */
export function logMetricTo(
  metrics: TaskMetrics,
  name: string,
  value: number | boolean | bigint | Metric,
  options: LogMetricOptions,
  logOrigin: (origin: unknown) => string | undefined,
): Metric | undefined {
  const given = isInstance(value, Metric) ? value : undefined;
  const o = readUserOptions(options, METRIC_OPTION_KEYS, "logMetric()", METRIC_OPTION_HINTS);
  // The stored name (cleaned, prefixed) is what a rejection is reported once for.
  let key = cleanStr(name);
  if (key === "") emptyName(name);
  if (o.prefix !== undefined && o.prefix !== "") key = `${safeString(o.prefix)}.${key}`;
  const number = toMetricValue(given === undefined ? value : given.value);
  if (number === undefined) {
    metrics.reject(
      key,
      `${safeString(given?.value ?? value)} is not a finite number, boolean or BigInt`,
    );
    return undefined;
  }
  let mode = o.aggregation;
  if (mode !== undefined && !METRIC_AGG_MODES.includes(mode)) {
    const text = safeString(mode);
    reportOnce(
      `metric_mode:${text}`,
      "warn",
      "metric_invalid_mode",
      `Unknown metric aggregation ${text}; using direct`,
    );
    mode = undefined;
  }
  // Options passed with a Metric win over its fields (which are defaults: step 0, now, {}).
  const own = o.attributes === undefined
    ? undefined
    : readRecord(o.attributes, "metric attributes");
  const raw = given === undefined || own === undefined
    ? own ?? given?.attributes
    : { ...given.attributes, ...own };
  const attrsJson = raw === undefined ? {} : serializedForSpan(raw);
  const metric = new Metric(number, {
    step: o.step ?? given?.step,
    timestamp: o.timestamp ?? given?.timestamp,
    attributes: attrsJson !== null && typeof attrsJson === "object" && !Array.isArray(attrsJson)
      ? attrsJson
      : {},
  });
  // dreadnode skips an origin of None.
  const origin = o.origin;
  const point = metrics.add(
    key,
    metric,
    mode,
    origin === undefined || origin === null ? undefined : () => logOrigin(origin),
  );
  if (point === undefined) return undefined;
  return new Metric(point.value, {
    step: point.step,
    timestamp: point.timestamp,
    attributes: { ...point.attributes },
  });
}

/** A task's state, as gathered for encoding. */
export interface TaskState {
  readonly params: Record<string, unknown>;
  readonly inputs: readonly ObjectRef[];
  readonly outputs: readonly ObjectRef[];
  readonly metrics: ReadonlyMap<string, MetricSeries>;
  readonly objects: ObjectStore;
  readonly artifacts: readonly ArtifactRecord[];
}

/**
 * Encodes a task's state as dreadnode wire attributes, each on its own: one that cannot be
 * encoded (`JSON.stringify` throws) is left out and reported (`task_state_unencodable`), the
 * others are written all the same. Numbers are written in Python's forms, as the JSONL line writes
 * its own: integers with all their digits (a step of 2^60 is `1152921504606846976`, not
 * JavaScript's `1152921504606847000`, which Python reads as another int), and metric values as
 * the floats they are in dreadnode (`0.5`, `3.0`, `1.8446744073709552e+19`).
 *
 * @param state The state.
 * @returns Attribute map (JSON strings, plus the `dreadnode.large_attributes` string array).
 */
export function stateAttributes(state: TaskState): Record<string, string | string[]> {
  const parts: [string, () => string][] = [
    ["dreadnode.params", () => jsonWithPythonNumbers(state.params)],
    ["dreadnode.inputs", () => jsonWithPythonNumbers(state.inputs)],
    ["dreadnode.outputs", () => jsonWithPythonNumbers(state.outputs)],
    ["dreadnode.metrics", () => metricsJson(state.metrics)],
    ["dreadnode.objects", () => jsonWithPythonNumbers(state.objects.objectsJson())],
    ["dreadnode.object_schemas", () => jsonWithPythonNumbers(state.objects.schemasJson())],
    ["dreadnode.artifacts", () => jsonWithPythonNumbers(state.artifacts)],
  ];
  const out: Record<string, string | string[]> = {};
  for (const [key, json] of parts) {
    try {
      out[key] = json();
    } catch (error) {
      report(
        "error",
        "task_state_unencodable",
        `Cannot encode ${key}: it is left out of the task's state`,
        error,
      );
    }
  }
  if (state.objects.size > 0) {
    out["dreadnode.large_attributes"] = ["dreadnode.objects", "dreadnode.object_schemas"];
  }
  return out;
}

/**
 * `dreadnode.metrics`: name → `{values, steps, timestamps, attributes}`, in the order of a
 * JavaScript object's keys (integer-like names first). Values are written as Python floats (a
 * `count` aggregate as an int, as dreadnode computes it), steps and attributes with Python's number
 * forms (see {@linkcode stateAttributes}), but a log-time aggregation's raw value
 * (`attributes.original`) as the float dreadnode keeps there (see `metricAttributesJson`).
 */
function metricsJson(metrics: ReadonlyMap<string, MetricSeries>): string {
  const byName: Record<string, MetricSeries> = {};
  for (const [key, series] of metrics) setOwn(byName, key, series);
  let out = "{";
  for (const key of Object.keys(byName)) {
    const { values, steps, timestamps, attributes } = byName[key].toJSON();
    if (out.length > 1) out += ",";
    // dreadnode holds values as floats, but a `count` point's as an int (`len(others) + 1`).
    const value = (v: number, i: number) =>
      attributes[i]?.aggregation === "count" ? pythonNumber(v) : pythonFloatJson(v);
    out += `${JSON.stringify(key)}:{"values":[${values.map(value).join(",")}],` +
      `"steps":${jsonWithPythonNumbers(steps)},"timestamps":${JSON.stringify(timestamps)},` +
      `"attributes":[${attributes.map(metricAttributesJson).join(",")}]}`;
  }
  return out + "}";
}
