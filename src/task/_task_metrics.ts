/**
 * The metric series of one task, bounded three ways: {@linkcode MAX_METRIC_SERIES} names,
 * `MAX_POINTS_PER_SERIES` points per name and `MAX_METRIC_CHARS_PER_TASK` characters of
 * `dreadnode.metrics` JSON in all. What the bounds drop, and the points rejected as invalid, are
 * counted (`droppedCounts`).
 *
 * @internal
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { reportInvalidMetric } from "./_metric_invalid.ts";
import { MAX_METRIC_CHARS_PER_TASK, MetricSeries } from "./metrics.ts";
import type { MetricAggMode } from "./metrics.ts";
import type { MetricPoint } from "./metric_point.ts";

/** The most metric names one task keeps. */
export const MAX_METRIC_SERIES = 10_000;

/**
 * The characters an empty series takes in `dreadnode.metrics` besides its quoted name:
 * `:{"values":[],"steps":[],"timestamps":[],"attributes":[]}` and a comma.
 */
const SERIES_CHARS = 58;

/** A task's metric series and what their bounds dropped. */
export class TaskMetrics {
  readonly #series = new Map<string, MetricSeries>();
  /** What is left of the JSON budget (less the `{}` around the series); shared by the series. */
  readonly #budget = { left: MAX_METRIC_CHARS_PER_TASK - 2, dropped: 0 };
  #droppedNames = 0;
  /** Points rejected outside a kept series. */
  #rejected = 0;

  /** The series by name, in the order they were first logged. */
  get series(): ReadonlyMap<string, MetricSeries> {
    return this.#series;
  }

  /**
   * Points dropped because their series held `MAX_POINTS_PER_SERIES` points or the task's
   * metrics reached `MAX_METRIC_CHARS_PER_TASK`.
   */
  get droppedPoints(): number {
    let dropped = this.#budget.dropped;
    for (const series of this.#series.values()) dropped += series.dropped;
    return dropped;
  }

  /** Points rejected as invalid (`metric_invalid`). */
  get rejectedPoints(): number {
    let rejected = this.#rejected;
    for (const series of this.#series.values()) rejected += series.rejected;
    return rejected;
  }

  /**
   * Counts a point rejected before it reached a series, and reports it once per metric name.
   *
   * @param name The metric name, as printable text.
   * @param reason Why it was rejected.
   */
  reject(name: string, reason: string): void {
    this.#rejected++;
    reportInvalidMetric(name, reason);
  }

  /** Points dropped because their name would have been a new series past the name cap. */
  get droppedSeries(): number {
    return this.#droppedNames;
  }

  /**
   * Adds a point to the series named `key`, creating it when the point is stored. Never throws.
   *
   * @param key The series name (cleaned).
   * @param metric The point.
   * @param mode The aggregation mode.
   * @param originHash Stores the point's origin object once the point is accepted; returns its
   *   hash, or undefined when it cannot be stored (the point then keeps no origin).
   * @returns The stored point, or undefined when it was dropped or rejected.
   */
  add(
    key: string,
    metric: MetricPoint,
    mode: MetricAggMode | undefined,
    originHash?: () => string | undefined,
  ): MetricPoint | undefined {
    const known = this.#series.get(key);
    if (known !== undefined) return known.add(metric, mode, key, originHash);
    if (this.#series.size >= MAX_METRIC_SERIES) {
      this.#droppedNames++;
      reportOnce(
        "metric_series_limit",
        "warn",
        "metric_series_limit",
        `Cannot log metric ${key}: the task holds ${MAX_METRIC_SERIES} metrics`,
      );
      return undefined;
    }
    // A new series takes its name and empty arrays from the budget; they are given back when its
    // first point is not stored (and the series not kept).
    const chars = JSON.stringify(key).length + SERIES_CHARS;
    this.#budget.left -= chars;
    const series = new MetricSeries(this.#budget);
    const point = series.add(metric, mode, key, originHash);
    if (point === undefined) {
      this.#budget.left += chars;
      this.#rejected += series.rejected;
    } else this.#series.set(key, series);
    return point;
  }
}
