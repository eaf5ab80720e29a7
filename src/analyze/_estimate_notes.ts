/**
 * The warnings a trace-analysis report carries when a statistic was estimated to keep memory
 * bounded (see {@linkcode AnalysisLimits}): which one, and how far off it may be. None below the
 * limits, where the report is exact.
 *
 * @module
 */
import type { AnalysisLimits } from "./_limits.ts";

/** What was estimated. */
export interface Estimates {
  /** The top errors: texts dropped and cut, and the largest count dropped. */
  readonly errorTexts: { readonly dropped: number; readonly cut: number; readonly floor: number };
  /** Whether the distinct run count is exact. */
  readonly runIds: boolean;
  /** Whether the terminal run counts are exact. */
  readonly runStatuses: boolean;
  /** Whether the distinct trace count is exact. */
  readonly traces: boolean;
  /** The latency summaries computed from a sample, by name. */
  readonly sampledDurations: readonly string[];
}

/** An integer with thousands separators (`1,000,000`). */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** A count of characters, in Mi when whole (`32 Mi`). */
const chars = (n: number) => n % 1048576 === 0 ? `${n / 1048576} Mi` : grouped(n);

/**
 * One warning per kind of estimate.
 *
 * @param l The limits of the analysis.
 * @param e What was estimated.
 * @returns The warnings (none when nothing was).
 */
export function estimateNotes(l: AnalysisLimits, e: Estimates): string[] {
  const notes: string[] = [];
  const texts = e.errorTexts;
  if (texts.dropped > 0) {
    notes.push(
      `errors.top_errors is approximate: more distinct error texts than the ` +
        `${grouped(l.errorTexts)} (or ${chars(l.errorChars)} characters) kept; each count is ` +
        `a lower bound, at most ${grouped(texts.floor)} short`,
    );
  }
  if (texts.cut > 0) {
    notes.push(
      `${grouped(texts.cut)} error text(s) longer than ${grouped(l.errorTextLength)} ` +
        "characters were cut and counted by their start and length",
    );
  }
  const ids = `${grouped(l.distinctIds)} (or ${chars(l.idChars)} characters of ids)`;
  if (!e.runIds) {
    notes.push(`runs.unique_run_count is estimated (about 1% off): more than ${ids} runs`);
  }
  if (!e.runStatuses) {
    notes.push(
      `runs' terminal counts are approximate: more than ${ids} runs had a terminal status; ` +
        `one whose status came again after ${grouped(l.distinctIds)} other runs' counts twice`,
    );
  }
  if (!e.traces) {
    notes.push(`spans.trace_count is estimated (about 1% off): more than ${ids} traces`);
  }
  const sampled = e.sampledDurations;
  if (sampled.length > 0) {
    const shown = sampled.slice(0, 5).join(", ") +
      (sampled.length > 5 ? ` and ${sampled.length - 5} more` : "");
    notes.push(
      `p50 and p95 are estimated from a uniform sample of ${grouped(l.durationSample)} values ` +
        `where more than ${grouped(l.exactDurations)} durations were read (count, min and max ` +
        `are exact): ${shown}`,
    );
  }
  return notes;
}
