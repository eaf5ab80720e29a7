/**
 * Reporting a rejected metric point (`metric_invalid`) once per metric name, so that a loop
 * logging NaN writes one line, not one per step. The rejections themselves are counted where the
 * point was logged (`MetricSeries.rejected`, a task's `droppedCounts.metricInvalid`).
 *
 * @internal
 * @module
 */
import { reportOnce } from "../diagnostics.ts";

/**
 * The most metric names whose invalid points are reported one name at a time (per process);
 * points of further names share one report. This keeps the diagnostics' once-only keys (10,000,
 * forgotten all at once when full) from being flushed by a run that logs NaN under a new name
 * at every step.
 */
export const MAX_INVALID_METRIC_NAMES = 100;

/** The characters of a name that its once-only key keeps. */
const KEY_NAME_CHARS = 256;

const reportedNames = new Set<string>();

/**
 * Reports that a point of metric `name` was rejected, once per name (see
 * {@linkcode MAX_INVALID_METRIC_NAMES}). Never throws.
 *
 * @param name The metric name, as printable text.
 * @param reason Why, e.g. `NaN is not a finite number, boolean or BigInt`.
 * @param cause The error, when reading the point threw.
 */
export function reportInvalidMetric(name: string, reason: string, cause?: unknown): void {
  const key = name.slice(0, KEY_NAME_CHARS);
  if (reportedNames.has(key) || reportedNames.size < MAX_INVALID_METRIC_NAMES) {
    reportedNames.add(key);
    reportOnce(
      `metric_invalid:${key}`,
      "warn",
      "metric_invalid",
      `Cannot log metric ${name}: ${reason}; further invalid points of this metric are counted (droppedCounts.metricInvalid), not reported`,
      cause,
    );
    return;
  }
  reportOnce(
    "metric_invalid:*",
    "warn",
    "metric_invalid",
    `Cannot log metric ${name}: ${reason}; invalid points of more than ${MAX_INVALID_METRIC_NAMES} metric names are counted (droppedCounts.metricInvalid), not reported one name at a time`,
    cause,
  );
}
