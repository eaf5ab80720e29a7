/**
 * How much the trace analysis keeps in memory, whatever the size of its input. Below every limit
 * the report is exact (design_research_agents' numbers); past one, the statistic it bounds is
 * estimated and the report's `warnings` say which (see `Accumulator.notes`).
 *
 * @module
 */

/** The bounds of one analysis. */
export interface AnalysisLimits {
  /** Distinct error texts counted exactly; past it, the top errors are heavy hitters. */
  readonly errorTexts: number;
  /** UTF-16 code units of the error texts kept, in all. */
  readonly errorChars: number;
  /** The longest error text kept whole; a longer one is cut (and its count kept apart). */
  readonly errorTextLength: number;
  /** Durations kept per statistic for exact percentiles; past it, a uniform sample is kept. */
  readonly exactDurations: number;
  /** The size of that sample. */
  readonly durationSample: number;
  /** Distinct run ids (or trace ids) counted exactly; past it, their count is estimated. */
  readonly distinctIds: number;
  /** UTF-16 code units of the ids kept by one such count, in all. */
  readonly idChars: number;
}

/** The CLI's and `analyzeTraceDir`'s limits: tens of MB at most, each statistic. */
export const DEFAULT_LIMITS: AnalysisLimits = {
  errorTexts: 10_000,
  errorChars: 32 * 1024 * 1024,
  errorTextLength: 64 * 1024,
  exactDurations: 1_000_000,
  durationSample: 128 * 1024,
  distinctIds: 1_000_000,
  idChars: 32 * 1024 * 1024,
};
