/**
 * Building and merging {@linkcode FlushReport}s.
 *
 * @module
 */
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

/**
 * Adds `source` into `target`.
 *
 * @param target The report to change.
 * @param source The report to add (may be undefined or partial).
 * @returns `target`.
 */
export function mergeReport(
  target: FlushReport,
  source: Partial<FlushReport> | void | undefined,
): FlushReport {
  if (source) {
    target.exported += source.exported ?? 0;
    target.retried += source.retried ?? 0;
    target.persisted += source.persisted ?? 0;
    target.failed += source.failed ?? 0;
    for (const reason in source.dropped) addDropped(target, reason, source.dropped[reason]);
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
