/**
 * Metrics of a task: named series of raw points `{value, step, timestamp, attributes}` (one point
 * is a `MetricPoint`, see `metric_point.ts`).
 *
 * Two aggregation styles, both from dreadnode (the modes and their arithmetic are in
 * `metric_aggregation.ts`):
 * - **log time** (v1, the documented behaviour): with `aggregation` set, the stored value is the
 *   running `min`/`max`/`avg`/`sum`/`count` over every raw value logged to the series so far,
 *   and the raw value is kept in `attributes.original` (the mode in `attributes.aggregation`); a
 *   point whose running aggregate would not be finite (a sum past ±1.8e308) is rejected
 *   (`metric_invalid`), the earlier points kept.
 * - **read time** (v2): {@linkcode MetricSeries.aggregate} (and `mean`, `min`, `max`, `sum`,
 *   `count`) over the raw values of a series, every point logged counted; `first`, `last`,
 *   `value`, `atStep` and `valuesAtSteps` read the stored values.
 *
 * @module
 */
import { isoFromNs } from "../clock.ts";
import { reportOnce } from "../diagnostics.ts";
import { safeString } from "../safe_string.ts";
import { reportInvalidMetric } from "./_metric_invalid.ts";
import { metricTimeMs } from "./_metric_time.ts";
import { readOptions, readRecord } from "./_read.ts";
import { Metric, metricStep, toMetricValue } from "./metric_point.ts";
import type { MetricPoint } from "./metric_point.ts";
import {
  aggregateOf,
  NO_AGGREGATES,
  runningAggMode,
  runningValue,
  withValue,
} from "./metric_aggregation.ts";
import type { MetricAggMode, RunningAggMode } from "./metric_aggregation.ts";
import {
  placePoint,
  pointChars,
  reportBudgetFull,
  reportSeriesFull,
} from "./metric_series_bounds.ts";

export { METRIC_AGG_MODES } from "./metric_aggregation.ts";
export type { MetricAggMode } from "./metric_aggregation.ts";
export { MAX_METRIC_CHARS_PER_TASK, MAX_POINTS_PER_SERIES } from "./metric_series_bounds.ts";

/** The exported JSON form of a series (dreadnode's `{values, steps, timestamps}` plus attributes). */
export interface MetricSeriesJson {
  /** Stored values. */
  values: number[];
  /** Steps. */
  steps: number[];
  /** ISO-8601 UTC timestamps. */
  timestamps: string[];
  /** Attributes of each point (tracelet addition; dreadnode v2 drops them). */
  attributes: Record<string, unknown>[];
}

/** The fields of a point, read once each by {@linkcode MetricSeries.add}. */
const POINT_FIELDS: readonly (keyof MetricPoint)[] = ["value", "step", "timestamp", "attributes"];

/** The point attribute holding the hash of the object a metric describes. */
const ORIGIN_HASH = "dreadnode.origin.hash";

/** One named series with raw values kept for read-time aggregation. */
export class MetricSeries {
  readonly #points: MetricPoint[] = [];
  /** The raw values of the stored points. */
  readonly #raw: number[] = [];
  /** Aggregates of the raw values accepted, stored or not: they count them all. */
  #aggregates = NO_AGGREGATES;
  /** The characters of the last stored point's JSON (given back when it is replaced). */
  #lastChars = 0;
  #mode: RunningAggMode | undefined;
  readonly #budget: { left: number; dropped: number } | undefined;
  /** Points dropped or replaced because the series was full (see `MAX_POINTS_PER_SERIES`). */
  dropped = 0;
  /**
   * Points rejected as invalid (`metric_invalid`, reported once per metric name): a value that is
   * not a finite number, boolean or BigInt, a running aggregate that would not be finite, or
   * attributes without a JSON form.
   */
  rejected = 0;

  /**
   * Creates an empty series.
   *
   * @param budget Characters of JSON that the series of one task share (a task's start at
   *   {@linkcode MAX_METRIC_CHARS_PER_TASK}): a point whose JSON does not fit in `budget.left` is
   *   dropped and counted in `budget.dropped`. Default: no budget.
   */
  constructor(budget?: { left: number; dropped: number }) {
    this.#budget = budget;
  }

  /** The stored points, in log order (`count` counts every point logged, stored or not). */
  get points(): readonly MetricPoint[] {
    return this.#points;
  }
  /** Stored values. */
  get values(): number[] {
    return this.#points.map((p) => p.value);
  }
  /** Raw (logged) values of the stored points, before any log-time aggregation. */
  get rawValues(): readonly number[] {
    return this.#raw;
  }
  /** Steps. */
  get steps(): number[] {
    return this.#points.map((p) => p.step);
  }
  /**
   * Number of values logged to the series (dreadnode's `count()`): every accepted point, stored
   * or not, as `sum`, `mean` and `aggregate("count")` count them, so `sum / count` is the mean.
   * Past `MAX_POINTS_PER_SERIES` (or the task's metric budget) the series stores fewer:
   * `points.length` is the number stored. Rejected points are not counted.
   */
  get count(): number {
    return this.#aggregates.count;
  }
  /** The last stored value, or undefined when empty. */
  get last(): number | undefined {
    return this.#points.at(-1)?.value;
  }
  /** The first stored value, or undefined when empty. */
  get first(): number | undefined {
    return this.#points[0]?.value;
  }

  /**
   * Adds a point, applying a log-time aggregation mode. Never throws. A point whose value is not a
   * finite number, boolean or BigInt (read as {@linkcode toMetricValue} does), whose running
   * aggregate would not be finite (a sum past ±1.8e308), or whose attributes have no JSON form in
   * a task's series, is rejected (`metric_invalid`, reported once per metric name, counted in
   * {@linkcode MetricSeries.rejected}); the points already stored stay. A timestamp outside
   * 1970–2540 means now; missing attributes are `{}`.
   *
   * @param metric The raw metric.
   * @param mode The aggregation mode (`direct` or undefined: stored as is).
   * @param name The series name (for diagnostics).
   * @param originHash Stores the object the metric describes and returns its hash, kept as the
   *   point's `dreadnode.origin.hash`; called only once the point is accepted, so that a dropped
   *   or rejected point stores no object. When it returns undefined (the object could not be
   *   stored) the point is kept without an origin hash.
   * @returns The stored point, or undefined when the series is full, the budget is spent or the
   *   point is rejected.
   */
  add(
    metric: MetricPoint,
    mode: MetricAggMode | undefined,
    name: string,
    originHash?: () => string | undefined,
  ): MetricPoint | undefined {
    try {
      return this.#add(metric, mode, safeString(name), originHash);
    } catch (error) {
      return this.#reject(safeString(name), "the point cannot be read", error);
    }
  }

  #reject(name: string, reason: string, cause?: unknown): undefined {
    this.rejected++;
    reportInvalidMetric(name, reason, cause);
    return undefined;
  }

  #add(
    metric: MetricPoint,
    mode: MetricAggMode | undefined,
    name: string,
    originHash: (() => string | undefined) | undefined,
  ): MetricPoint | undefined {
    const given = readOptions(metric, POINT_FIELDS, "metric point");
    const raw = toMetricValue(given.value);
    if (raw === undefined) {
      return this.#reject(
        name,
        `${safeString(given.value)} is not a finite number, boolean or BigInt`,
      );
    }
    const effective = runningAggMode(mode);
    const next = withValue(this.#aggregates, raw);
    const value = effective === undefined ? raw : runningValue(next, effective);
    if (!Number.isFinite(value)) {
      return this.#reject(name, `its running ${effective} would not be a finite number`);
    }
    const step = metricStep(given.step);
    const attributes = readRecord(given.attributes, "metric attributes");
    // A placeholder of the hash's length, so that the point's size is known before it is stored.
    if (originHash !== undefined) attributes[ORIGIN_HASH] = "0".repeat(16);
    if (effective !== undefined) {
      attributes.original = raw;
      attributes.aggregation = effective;
    }
    const budget = this.#budget;
    let chars = 0;
    if (budget !== undefined) {
      const size = pointChars(value, step, attributes);
      if (size === undefined) return this.#reject(name, "its attributes are not JSON");
      chars = size;
    }
    // Past a bound, the newest point takes the last stored one's place, so the series still ends
    // with the newest value; every point counts in the running aggregates either way.
    const stored = this.#points.length;
    const { full, overBudget, fits, replace } = placePoint(stored, chars, this.#lastChars, budget);
    if (full) {
      this.dropped++;
      reportSeriesFull(name);
    } else if (overBudget) {
      budget!.dropped++;
      reportBudgetFull(name);
    }
    if (this.#points.length > 0 && effective !== this.#mode) {
      reportOnce(
        `metric_mode_changed:${name}`,
        "warn",
        "metric_mode_changed",
        `Metric ${name} was logged with aggregation ${this.#mode ?? "direct"}, now ${
          effective ?? "direct"
        }`,
      );
    }
    this.#mode = effective;
    this.#aggregates = next;
    if (!fits) return undefined;
    // A point in the last one's place stores no origin object: each would stay in the task's
    // object store after its point is replaced, and fill it (10,000 objects) for a long loop.
    const origin = replace || originHash === undefined ? undefined : originHash();
    if (origin !== undefined) attributes[ORIGIN_HASH] = origin;
    else if ((replace || originHash !== undefined) && ORIGIN_HASH in attributes) {
      // No origin stored (the point is in the last one's place, or the task's object store is
      // full): the point names no object, and gives its characters back.
      delete attributes[ORIGIN_HASH];
      if (budget !== undefined) chars = pointChars(value, step, attributes) ?? chars;
    }
    if (budget !== undefined) budget.left -= chars - (replace ? this.#lastChars : 0);
    this.#lastChars = chars;
    const point: MetricPoint = {
      value,
      step,
      timestamp: metricTimeMs(given.timestamp),
      attributes: Object.freeze(attributes),
    };
    if (replace) {
      this.#points[stored - 1] = point;
      this.#raw[stored - 1] = raw;
    } else {
      this.#points.push(point);
      this.#raw.push(raw);
    }
    return point;
  }

  /**
   * Read-time aggregation over the raw values: `avg`, `sum`, `min`, `max`, `count`, or `direct`
   * (the last raw value).
   *
   * @param mode The aggregation.
   * @returns The aggregate; `undefined` for an empty series (`sum`/`count` give 0).
   */
  aggregate(mode: MetricAggMode = "avg"): number | undefined {
    return aggregateOf(this.#aggregates, mode);
  }

  /** Mean of the raw values, or undefined when empty. */
  get mean(): number | undefined {
    return this.aggregate("avg");
  }
  /** Smallest raw value, or undefined when empty. */
  get min(): number | undefined {
    return this.aggregate("min");
  }
  /** Largest raw value, or undefined when empty. */
  get max(): number | undefined {
    return this.aggregate("max");
  }
  /** Sum of the raw values (0 when empty). */
  get sum(): number {
    return this.#aggregates.sum;
  }
  /** The value of a single-value series: the last stored value (as {@linkcode last}). */
  get value(): number | undefined {
    return this.last;
  }

  /**
   * The first stored value at a step.
   *
   * @param step The step.
   * @returns The value, or undefined.
   */
  atStep(step: number): number | undefined {
    return this.#points.find((p) => p.step === step)?.value;
  }

  /**
   * The first stored value at each of several steps (dreadnode's `values_at_steps`).
   *
   * @param steps The steps.
   * @returns One entry per step, undefined where the series has no point at that step.
   */
  valuesAtSteps(steps: readonly number[]): (number | undefined)[] {
    try {
      return Array.from(steps, (step) => this.atStep(step));
    } catch {
      return []; // Not iterable.
    }
  }

  /**
   * Aggregates the series into one metric (dreadnode's `to_metric`).
   *
   * @param mode The aggregation (default `avg`).
   * @returns A metric at the last step and timestamp with `{aggregation, count}` attributes, or
   *   undefined for an empty series or an aggregate that is not finite (a sum past ±1.8e308).
   */
  toMetric(mode: MetricAggMode = "avg"): Metric | undefined {
    const value = this.aggregate(mode);
    const last = this.#points.at(-1);
    if (!Number.isFinite(value) || last === undefined) return undefined;
    return new Metric(value as number, {
      step: last.step,
      timestamp: last.timestamp,
      attributes: { aggregation: mode, count: this.#aggregates.count },
    });
  }

  /**
   * The series in dreadnode's wire form: parallel arrays, one entry per point.
   *
   * @returns The exported JSON form.
   */
  toJSON(): MetricSeriesJson {
    return {
      values: this.values,
      steps: this.steps,
      timestamps: this.#points.map((p) => isoFromNs(p.timestamp * 1e6)),
      attributes: this.#points.map((p) => ({ ...p.attributes })),
    };
  }
}
