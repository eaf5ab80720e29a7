/**
 * The aggregation modes of a metric series and their arithmetic, both from dreadnode:
 * - **log time** (v1, the documented behaviour): with a mode other than `direct`, the value
 *   stored for a point is the running `min`/`max`/`avg`/`sum`/`count` over every raw value logged
 *   to the series so far ({@linkcode withValue}, then {@linkcode runningValue}). dreadnode's
 *   running sum added the *largest* prior value; tracelet adds the previous running total over the
 *   raw values, which is the documented intent. The running mean is kept incrementally, so it is
 *   finite for finite values, and the running sum survives an overflow on the way
 *   (`1.5e308 + 1.5e308 - 1.5e308` is `1.5e308`).
 * - **read time** (v2): {@linkcode aggregateOf}, one aggregate of the raw values of a series.
 *
 * @module
 */

/** How a logged value is combined with the earlier values of its series. */
export type MetricAggMode = "direct" | "min" | "max" | "avg" | "sum" | "count";

/** The aggregation modes, `direct` (no aggregation) first. */
export const METRIC_AGG_MODES: readonly MetricAggMode[] = [
  "direct",
  "min",
  "max",
  "avg",
  "sum",
  "count",
];

/** A mode that aggregates at log time: any but `direct`. */
export type RunningAggMode = Exclude<MetricAggMode, "direct">;

/**
 * The mode a point is stored with.
 *
 * @param mode A mode as given (`direct`, undefined or not a mode: none).
 * @returns The log-time mode, or undefined when the raw value is stored as is.
 */
export function runningAggMode(mode: unknown): RunningAggMode | undefined {
  return mode === "direct" || !METRIC_AGG_MODES.includes(mode as MetricAggMode)
    ? undefined
    : mode as RunningAggMode;
}

/** The running aggregates over the raw values of a series, every accepted value counted. */
export interface RunningAggregates {
  /** Values counted. */
  readonly count: number;
  /** The last value (0 when none). */
  readonly last: number;
  /** Their sum: ±Infinity only while the true sum is past ±1.8e308. */
  readonly sum: number;
  /** Their sum times `SUM_SCALE`: always finite. */
  readonly scaledSum: number;
  /** Their running mean (0 when none). */
  readonly mean: number;
  /** The smallest (Infinity when none). */
  readonly min: number;
  /** The largest (-Infinity when none). */
  readonly max: number;
}

/** The aggregates of no values. */
export const NO_AGGREGATES: RunningAggregates = {
  count: 0,
  last: 0,
  sum: 0,
  scaledSum: 0,
  mean: 0,
  min: Infinity,
  max: -Infinity,
};

/**
 * The running sums are also kept scaled by this power of two (exact, bar subnormals):
 * `MAX_POINTS_PER_SERIES` (10,000) values of at most ±1.8e308 then sum to a finite number, so a
 * plain running sum that overflowed on the way (`1.5e308 + 1.5e308 - 1.5e308`) is recovered.
 */
const SUM_SCALE = 2 ** -14;

/**
 * The running mean after a value, as dreadnode v1 computes it (`prev + (x - prev) / n`); when
 * `x - prev` overflows (values near ±1.8e308 of opposite signs), the same mean without that
 * difference, which stays finite.
 */
function nextMean(prev: number, x: number, n: number): number {
  const mean = prev + (x - prev) / n;
  return Number.isFinite(mean) ? mean : prev + (x / n - prev / n);
}

/**
 * The aggregates once a value is counted too.
 *
 * @param prev The aggregates so far.
 * @param x The new raw value (finite).
 * @returns New aggregates (`prev` is left as is).
 */
export function withValue(prev: RunningAggregates, x: number): RunningAggregates {
  const count = prev.count + 1;
  const scaledSum = prev.scaledSum + x * SUM_SCALE;
  const plainSum = prev.sum + x;
  return {
    count,
    last: x,
    sum: Number.isFinite(plainSum) ? plainSum : scaledSum / SUM_SCALE,
    scaledSum,
    mean: nextMean(prev.mean, x, count),
    min: Math.min(prev.min, x),
    max: Math.max(prev.max, x),
  };
}

/**
 * The value a point logged with a log-time mode stores: the running aggregate of that mode.
 *
 * @param aggregates The aggregates including the point's raw value.
 * @param mode The log-time mode.
 * @returns The running `min`, `max`, mean, `sum` or `count` (not finite for a sum past ±1.8e308).
 */
export function runningValue(aggregates: RunningAggregates, mode: RunningAggMode): number {
  return aggregates[mode === "avg" ? "mean" : mode];
}

/**
 * Read-time aggregation over the raw values: `avg`, `sum`, `min`, `max`, `count`, or `direct`
 * (the last raw value).
 *
 * @param aggregates The aggregates of the values.
 * @param mode The aggregation.
 * @returns The aggregate; `undefined` for no values (`sum`/`count` give 0).
 */
export function aggregateOf(
  aggregates: RunningAggregates,
  mode: MetricAggMode,
): number | undefined {
  const n = aggregates.count;
  if (mode === "count") return n;
  if (mode === "sum") return aggregates.sum;
  if (n === 0) return undefined;
  if (mode === "min") return aggregates.min;
  if (mode === "max") return aggregates.max;
  // The plain mean where the sum is finite (dreadnode's), else the running one (still finite).
  if (mode === "avg") return Number.isFinite(aggregates.sum) ? aggregates.sum / n : aggregates.mean;
  return aggregates.last;
}
