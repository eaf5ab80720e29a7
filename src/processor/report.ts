/**
 * Building and merging {@linkcode FlushReport}s.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import type { FlushReport } from "../types.ts";

/**
 * An empty report.
 *
 * @returns A report with every count at zero.
 */
export function emptyReport(): FlushReport {
  return { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };
}

/**
 * Adds `dropped` spans under `reason` to a report.
 *
 * @param report The report to change.
 * @param reason Why they were dropped.
 * @param count How many spans.
 */
export function addDropped(report: FlushReport, reason: string, count: number): void {
  if (count > 0) report.dropped[reason] = (report.dropped[reason] ?? 0) + count;
}

/** A count of a report from elsewhere: a finite number of at least 0 (floored), else 0. */
function count(value: unknown = 0): number {
  if (typeof value == "number" && value >= 0 && value < Infinity) return Math.floor(value);
  reportOnce(
    "invalid_report",
    "warn",
    "invalid_report",
    "Ignored a report count: not a number >= 0",
  );
  return 0;
}

/**
 * Adds `source` into `target`. A count that is not a finite number of at least 0 (a string,
 * NaN, a negative number) is ignored and reported once (`invalid_report`); fractions are floored.
 *
 * @param target The report to change.
 * @param source The report to add (may be undefined or partial).
 * @returns `target`.
 */
export function mergeReport(
  target: FlushReport,
  source: { [K in keyof FlushReport]?: FlushReport[K] | undefined } | void | undefined,
): FlushReport {
  if (source) {
    target.exported += count(source.exported);
    target.retried += count(source.retried);
    target.persisted += count(source.persisted);
    target.failed += count(source.failed);
    for (const reason in source.dropped) addDropped(target, reason, count(source.dropped[reason]));
  }
  return target;
}

/**
 * The total number of dropped spans in a report.
 *
 * @param report The report.
 * @returns The sum over every reason.
 */
export function droppedTotal(report: FlushReport): number {
  let total = 0;
  for (const reason in report.dropped) total += report.dropped[reason];
  return total;
}
