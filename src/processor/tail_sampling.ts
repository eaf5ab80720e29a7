/**
 * Tail sampling: a processor that holds the ended spans of each local trace until its local root
 * ends, then decides once, on the whole trace, whether every one of its spans goes on to the inner
 * processor (kept) or none does (dropped). By default failed and slow traces are kept.
 *
 * @module
 */
import { report, reportOnce } from "../diagnostics.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { traceIdRatio } from "../sampling.ts";
import type { Sampler } from "../span_types.ts";
import type { FlushReport, SpanRecord, TraceInfo } from "../types.ts";
import { estimateSpanBytes } from "./batch.ts";
import { notify } from "./fan_out.ts";
import { emptyReport, mergeReport } from "./report.ts";
import type { SpanProcessor } from "./types.ts";

/** A trace as a tail-sampling rule sees it. */
export interface TailSamplingTrace {
  /**
   * The local root (the span whose parent is not a span of this process) that ended last, or
   * undefined when the trace is decided before any local root ended (a bound, or shutdown).
   */
  readonly root: SpanRecord | undefined;
  /** The spans of the trace that have ended, in the order they ended. */
  readonly spans: readonly SpanRecord[];
  /** True when every local root of the trace has ended; false when it is decided early. */
  readonly complete: boolean;
}

/** Options of {@linkcode TailSamplingProcessor}. */
export interface TailSamplingOptions {
  /** A trace whose local root lasted at least this many ms is kept. Default 5000. */
  slowMillis?: number;
  /**
   * The share of the other traces (no error, not slow) kept, from 0 to 1, decided by the trace id
   * as `traceIdRatio` decides. Default 0.
   */
  ratio?: number;
  /**
   * Replaces the default rule (errors, `slowMillis`, `ratio`): true keeps the trace. A rule that
   * throws keeps the trace and is reported once (`sampler_failed`).
   */
  keep?: (trace: TailSamplingTrace) => boolean;
  /** Traces buffered at once; the oldest is decided early past it. Default 1000. */
  maxTraces?: number;
  /** Ended spans buffered per trace; a trace reaching it is decided at once. Default 1000. */
  maxSpansPerTrace?: number;
  /** Ended spans buffered in all; the oldest traces are decided early past it. Default 10000. */
  maxBufferedSpans?: number;
  /** Estimated bytes buffered in all (as the batch queue counts them). Default 16 MiB. */
  maxBufferedBytes?: number;
}

/** What a {@linkcode TailSamplingProcessor} decided so far (counts since it was created). */
export interface TailSamplingStats {
  /** Traces kept. */
  keptTraces: number;
  /** Traces dropped by the rule. */
  droppedTraces: number;
  /** Spans handed on to the inner processor. */
  keptSpans: number;
  /** Spans dropped by the rule (with their trace, or ending after it was dropped). */
  droppedSpans: number;
  /**
   * Traces decided before their local root ended, by reason: `max_traces`, `max_spans_per_trace`,
   * `max_buffered_spans`, `max_buffered_bytes` or `shutdown`.
   */
  decidedEarly: Record<string, number>;
  /** Traces waiting for their local root to end. */
  bufferedTraces: number;
  /** Ended spans waiting for their trace's decision. */
  bufferedSpans: number;
}

/** A trace waiting for its decision. */
interface Pending {
  readonly id: string;
  readonly spans: SpanRecord[];
  /** Local roots started and not yet ended. */
  openRoots: number;
  root: SpanRecord | undefined;
  /** The longest duration of its ended local roots, in ms. */
  rootMillis: number;
  /** Epoch ms when its first local root started. */
  readonly openedAt: number;
  bytes: number;
}

/**
 * Keeps whole traces by what happened in them: holds the ended spans of each local trace (spans
 * grouped by trace id) and, when its local root ends, decides once: keep (every buffered span
 * goes to `inner.onSpanEnd`, in end order) or drop. By default it keeps a trace when any of its
 * spans has status `ERROR` or its local root lasted at least `slowMillis`, else a `ratio` share.
 *
 * It learns which spans are local roots from the tracer's `onTraceStart`/`onTraceEnd` (a span
 * whose parent is not a span of this process), so register it on a `Tracer`. A span that ends
 * after its trace was decided follows the decision (the last 4 × `maxTraces` decisions are
 * remembered); a span of a trace it never saw start (one that started before it was installed,
 * or whose decision was forgotten) is handed on. Bounds never drop a span: past one, a trace is
 * decided early by the rule on what it has. The inner processor gets `onSpanEnd` (kept spans only),
 * `forceFlush` and `shutdown`, never `onSpanStart` or trace events. It sets no timers.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, TailSamplingProcessor, Tracer } from "@tracelet/tracelet";
 * import type { SpanExporter } from "@tracelet/tracelet";
 * const exporter: SpanExporter = {
 *   export: (spans) => Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
 * };
 * const tail = new TailSamplingProcessor(new BatchSpanProcessor(exporter), { ratio: 0.01 });
 * const tracer = new Tracer({ processors: [tail] });
 * tracer.withSpan("fast", () => {}); // dropped (unless in the 1 %)
 * tracer.withSpan("failed", (span) => span.setStatus({ code: "ERROR" })); // kept
 * await tracer.shutdown();
 * ```
 */
export class TailSamplingProcessor implements SpanProcessor {
  readonly #inner: SpanProcessor;
  readonly #forwardTo: SpanProcessor[];
  readonly #slowMillis: number;
  readonly #sample: Sampler;
  readonly #keep: ((trace: TailSamplingTrace) => boolean) | undefined;
  readonly #maxTraces: number;
  readonly #maxSpansPerTrace: number;
  readonly #maxSpans: number;
  readonly #maxBytes: number;
  /** Buffered traces by trace id, oldest first. */
  readonly #pending = new Map<string, Pending>();
  /** Recent decisions by trace id, oldest first. */
  readonly #decided = new Map<string, boolean>();
  #spans = 0;
  #bytes = 0;
  #lastEnded: SpanRecord | undefined;
  readonly #stats = { keptTraces: 0, droppedTraces: 0, keptSpans: 0, droppedSpans: 0 };
  readonly #early: Record<string, number> = {};
  #closed = false;
  #shutdown: Promise<FlushReport> | undefined;

  /**
   * Creates a tail-sampling processor. Numbers that are not finite and in range mean the
   * option's default, as in the batch processor.
   *
   * @param inner Receives the spans of kept traces (for example a `BatchSpanProcessor`).
   * @param options The rule and the bounds.
   */
  constructor(inner: SpanProcessor, options: TailSamplingOptions = {}) {
    this.#inner = inner;
    this.#forwardTo = typeof inner.onSpanEnd === "function" ? [inner] : [];
    this.#slowMillis = numberAtLeast(options.slowMillis, 0, 5000);
    const ratio = options.ratio;
    this.#sample = traceIdRatio(typeof ratio === "number" && ratio >= 0 && ratio <= 1 ? ratio : 0);
    this.#keep = typeof options.keep === "function" ? options.keep : undefined;
    this.#maxTraces = countAtLeastOne(options.maxTraces, 1000);
    this.#maxSpans = countAtLeastOne(options.maxBufferedSpans, 10_000);
    this.#maxSpansPerTrace = Math.min(
      countAtLeastOne(options.maxSpansPerTrace, 1000),
      this.#maxSpans,
    );
    this.#maxBytes = countAtLeastOne(options.maxBufferedBytes, 16 * 1024 * 1024);
  }

  /** What it decided so far, and what it holds now. */
  get stats(): TailSamplingStats {
    return {
      ...this.#stats,
      decidedEarly: { ...this.#early },
      bufferedTraces: this.#pending.size,
      bufferedSpans: this.#spans,
    };
  }

  /**
   * A local root started: its trace is buffered until every local root of it has ended.
   * @param trace The trace (its id).
   */
  onTraceStart(trace: TraceInfo): void {
    if (this.#closed) return;
    let pending = this.#pending.get(trace.traceId);
    if (pending === undefined) {
      pending = {
        id: trace.traceId,
        spans: [],
        openRoots: 0,
        root: undefined,
        rootMillis: 0,
        openedAt: Date.now(),
        bytes: 0,
      };
      this.#pending.set(pending.id, pending);
      if (this.#pending.size > this.#maxTraces) this.#decideOldest("max_traces");
    }
    pending.openRoots++;
  }

  /**
   * Buffers the span with its trace, or follows the trace's decision when it was already made.
   * @param span The finished span.
   */
  onSpanEnd(span: SpanRecord): void {
    this.#lastEnded = span;
    const pending = this.#closed ? undefined : this.#pending.get(span.traceId);
    if (pending !== undefined) {
      const bytes = estimateSpanBytes(span);
      pending.spans.push(span);
      pending.bytes += bytes;
      this.#spans++;
      this.#bytes += bytes;
      if (pending.spans.length >= this.#maxSpansPerTrace) {
        this.#decide(pending, "max_spans_per_trace");
      } else if (pending.bytes > this.#maxBytes) {
        this.#decide(pending, "max_buffered_bytes"); // alone over the bound: not the others' fault
      }
      while (this.#spans > this.#maxSpans) this.#decideOldest("max_buffered_spans");
      while (this.#bytes > this.#maxBytes) this.#decideOldest("max_buffered_bytes");
    } else if (this.#decided.get(span.traceId) === false) {
      this.#stats.droppedSpans++;
    } else {
      // Kept, or undecided here (after shutdown the inner processor counts it as it does).
      this.#stats.keptSpans++;
      this.#forward(span);
    }
  }

  /**
   * A local root ended (the tracer calls this right after its `onSpanEnd`): when it was the
   * trace's last open local root, the trace is decided.
   * @param trace The trace (its id).
   */
  onTraceEnd(trace: TraceInfo): void {
    const pending = this.#pending.get(trace.traceId);
    const root = this.#lastEnded;
    this.#lastEnded = undefined;
    if (pending === undefined) return;
    if (root !== undefined && root.traceId === pending.id) {
      pending.root = root;
      pending.rootMillis = Math.max(pending.rootMillis, (root.endTime - root.startTime) / 1e6);
    }
    if (--pending.openRoots <= 0) this.#decide(pending);
  }

  #decideOldest(reason: string): void {
    // The counts are sums over #pending, so there is always an oldest trace while they are over.
    this.#decide(this.#pending.values().next().value!, reason);
  }

  /** Decides a trace by the rule (`early`: why before its roots ended), forwarding if kept. */
  #decide(pending: Pending, early?: string): void {
    this.#pending.delete(pending.id);
    this.#spans -= pending.spans.length;
    this.#bytes -= pending.bytes;
    if (early !== undefined) {
      this.#early[early] = (this.#early[early] ?? 0) + 1;
      if (early !== "shutdown") {
        reportOnce(
          `tail_sampling:${early}`,
          "warn",
          "tail_sampling_early",
          `Tail sampling: a trace was decided before its local root ended (${early})`,
        );
      }
    }
    let keep = true;
    try {
      keep = this.#rule({ root: pending.root, spans: pending.spans, complete: !early }, pending);
    } catch (error) {
      reportOnce(
        "tail_sampling_rule",
        "error",
        "sampler_failed",
        "The tail-sampling rule threw: the trace is kept",
        error,
      );
    }
    this.#decided.delete(pending.id); // re-inserted as the newest
    this.#decided.set(pending.id, keep);
    if (this.#decided.size > 4 * this.#maxTraces) {
      this.#decided.delete(this.#decided.keys().next().value!);
    }
    const count = pending.spans.length;
    if (keep) {
      this.#stats.keptTraces++;
      this.#stats.keptSpans += count;
      for (let i = 0; i < count; i++) this.#forward(pending.spans[i]);
    } else {
      this.#stats.droppedTraces++;
      this.#stats.droppedSpans += count;
    }
  }

  #rule(trace: TailSamplingTrace, pending: Pending): boolean {
    if (this.#keep !== undefined) return !!this.#keep(trace);
    if (trace.spans.some((span) => span.status.code === "ERROR")) return true;
    // A trace decided early has lasted at least as long as it has been open.
    const millis = trace.complete
      ? pending.rootMillis
      : Math.max(pending.rootMillis, Date.now() - pending.openedAt);
    return millis >= this.#slowMillis ||
      this.#sample(pending.id, undefined, trace.root?.name ?? "", {});
  }

  #forward(span: SpanRecord): void {
    notify(this.#forwardTo, "onSpanEnd", span);
  }

  /** Calls the inner processor's `forceFlush` or `shutdown`; never rejects. */
  async #settle(method: "forceFlush" | "shutdown", deadline?: number): Promise<FlushReport> {
    const result = emptyReport();
    try {
      const call = this.#inner[method] as ((deadline?: number) => unknown) | undefined;
      mergeReport(result, await call?.call(this.#inner, deadline) as FlushReport | undefined);
    } catch (error) {
      report("error", "processor_failed", `A span processor failed in ${method}`, error);
    }
    return result;
  }

  /**
   * Flushes the inner processor. Traces whose local root has not ended stay buffered: they are
   * not done yet.
   *
   * @param deadline Epoch-ms limit, passed on.
   * @returns The inner processor's report; always resolves.
   */
  forceFlush(deadline?: number): Promise<FlushReport> {
    return this.#settle("forceFlush", deadline);
  }

  /**
   * Decides every buffered trace by the rule (as incomplete), hands the kept spans on, then shuts
   * the inner processor down. Spans ending later go straight to it. Idempotent.
   *
   * @param deadline Epoch-ms limit, passed on.
   * @returns The inner processor's final report; always resolves.
   */
  shutdown(deadline?: number): Promise<FlushReport> {
    return this.#shutdown ??= (() => {
      this.#closed = true;
      for (const pending of [...this.#pending.values()]) this.#decide(pending, "shutdown");
      return this.#settle("shutdown", deadline);
    })();
  }
}
