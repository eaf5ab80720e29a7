/**
 * The options, the rule's view of a trace and the statistics of a
 * `TailSamplingProcessor`.
 *
 * @module
 */
import type { SpanRecord } from "../types.ts";

/** A trace as a tail-sampling rule sees it. */
export interface TailSamplingTrace {
  /**
   * The local root (the span whose parent is not a span of this process) that ended last, or
   * undefined when a bound decides the trace before any local root of it ended.
   */
  readonly root: SpanRecord | undefined;
  /** The spans of the trace that have ended, in the order they ended. */
  readonly spans: readonly SpanRecord[];
  /** True when every local root of the trace has ended; false when a bound decides it early. */
  readonly complete: boolean;
}

/** Options of `TailSamplingProcessor`. */
export interface TailSamplingOptions {
  /** A trace whose local root lasted at least this many ms is kept. Default 5000. */
  slowMillis?: number | undefined;
  /**
   * The share of the other traces (no error, not slow) kept, from 0 to 1, decided by a hash of
   * the trace id's random bits: the same trace id is always decided the same way, independently
   * of a head `traceIdRatio` sampler (a tail `ratio` of 0.1 behind a head ratio of 0.5 keeps 5 %
   * of all traces). Default 0.
   */
  ratio?: number | undefined;
  /**
   * Replaces the default rule (errors, `slowMillis`, `ratio`): true keeps the trace. It must
   * answer synchronously: a rule that throws or returns a promise keeps the trace and is reported
   * once (`sampler_failed`).
   */
  keep?: ((trace: TailSamplingTrace) => boolean) | undefined;
  /**
   * Traces followed at once (buffered, or decided early while a local root of theirs still runs);
   * past it the oldest is decided early and no longer followed (its decision is remembered with
   * the recent ones: a kept trace stays kept). Default 1000.
   */
  maxTraces?: number | undefined;
  /** Ended spans buffered per trace; a trace reaching it is decided at once. Default 1000. */
  maxSpansPerTrace?: number | undefined;
  /** Ended spans buffered in all; the oldest traces are decided early past it. Default 10000. */
  maxBufferedSpans?: number | undefined;
  /** Estimated bytes buffered in all (as the batch queue counts them). Default 16 MiB. */
  maxBufferedBytes?: number | undefined;
  /**
   * The most spans, and estimated bytes, `shutdown()` hands the inner processor before it flushes
   * it: keep them at or below the inner batch queue's `maxQueueSize` and `maxQueueBytes`, or the
   * queue drops the rest of a chunk (`queue_full`). Default `maxSpansPerTrace` and
   * `maxBufferedBytes` (at most those); `configure()` sets them from its `batch` options.
   */
  handOverChunk?:
    | { readonly spans?: number | undefined; readonly bytes?: number | undefined }
    | undefined;
}

/**
 * Every key of {@linkcode TailSamplingOptions} (the type checker fails when one is missing), for
 * reporting the keys of `configure({ tailSampling })` that no option has.
 */
export const TAIL_SAMPLING_OPTION_KEYS: Readonly<Record<keyof TailSamplingOptions, true>> = {
  slowMillis: true,
  ratio: true,
  keep: true,
  maxTraces: true,
  maxSpansPerTrace: true,
  maxBufferedSpans: true,
  maxBufferedBytes: true,
  handOverChunk: true,
};

/** What a `TailSamplingProcessor` decided so far (counts since it was created). */
export interface TailSamplingStats {
  /** Traces kept (each trace is counted once, by its first decision). */
  keptTraces: number;
  /** Traces dropped by the rule (each trace is counted once, by its first decision). */
  droppedTraces: number;
  /** Spans handed on to the inner processor. */
  keptSpans: number;
  /** Spans dropped by the rule (with their trace, or ending after it was dropped). */
  droppedSpans: number;
  /**
   * Traces decided before their local root ended, by reason: `max_traces`, `max_spans_per_trace`,
   * `max_buffered_spans`, `max_buffered_bytes` (by the rule), `shutdown` or `keep_trace` (kept).
   */
  decidedEarly: Record<string, number>;
  /** Traces waiting for their local root to end. */
  bufferedTraces: number;
  /** Ended spans waiting for their trace's decision. */
  bufferedSpans: number;
}
