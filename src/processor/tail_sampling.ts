/**
 * Tail sampling: a processor that holds the ended spans of each local trace until its local root
 * ends, then decides once, on the whole trace, whether every one of its spans goes on to the inner
 * processor (kept) or none does (dropped). By default failed and slow traces are kept.
 *
 * @module
 */
import { runDetached } from "../context/run_detached.ts";
import { toDeadline } from "../deadline.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import type { FlushReport, SpanRecord, TraceInfo } from "../types.ts";
import { handOverInChunks } from "./_chunked_handover.ts";
import { mixTraceId } from "./_trace_id_mix.ts";
import { notify } from "./fan_out.ts";
import { type Decision, RecentDecisions } from "./recent_decisions.ts";
import {
  type Buffer,
  DROPPED,
  DROPPED_EARLY,
  endRoot,
  FollowedTraces,
  KEPT,
  rootEnded,
  type Trace,
} from "./_tail_trace.ts";
import type {
  TailSamplingOptions,
  TailSamplingStats,
  TailSamplingTrace,
} from "./tail_sampling_options.ts";
import { emptyReport, mergeReport } from "./report.ts";
import type { SpanProcessor } from "./types.ts";

export type {
  TailSamplingOptions,
  TailSamplingStats,
  TailSamplingTrace,
} from "./tail_sampling_options.ts";

/**
 * Keeps whole traces by what happened in them: holds the ended spans of each local trace (spans
 * grouped by trace id) and, when its local root ends, decides once: keep (every buffered span
 * goes to `inner.onSpanEnd`, in end order) or drop. By default it keeps a trace when any of its
 * spans has status `ERROR` or its local root lasted at least `slowMillis`, else a `ratio` share.
 *
 * It learns which spans are local roots (a span whose parent is not a span of this process) from
 * the tracer's `onTraceStart` and the `onSpanStart` that follows it, so register it on a `Tracer`;
 * a local root is known by its span id, so its end decides the trace even when it reaches the
 * processor through another tracer (after `configure()` was called again). A span that ends after
 * its trace was decided follows the decision: pinned while a local root of the trace runs, then
 * among the last 4 × `maxTraces` decisions remembered exactly, then by hashed trace id for at
 * least 16 × `maxTraces` more, or 524 288 (2^19) more from `maxTraces` 32 768 on (in two tables
 * of 4-byte slots made when first needed: 256 KiB at the default 1000; at most about 1 M
 * decisions by hash, 8 MiB; with odds of about 10^-8, a span of a trace no longer remembered
 * takes the decision of another). So do the spans of a local root that starts while a kept
 * trace's root runs; one that starts in a trace dropped early, or in a trace that is over, is
 * buffered and decided again (that request may still fail). A span of a trace it never saw start
 * (one that started before it was installed, or whose decision was forgotten) is handed on.
 *
 * Deciding before a trace is over errs toward keeping. Bounds never drop a span: past one, a trace
 * is decided early by the rule on what it has, and with the default rule a trace dropped so early
 * is kept from its first later failed span on. Local roots of one trace running at once are known
 * by span id up to `maxSpansPerTrace` more than the first; one starting past that is known by count
 * only, and what the trace holds is decided then (`max_roots_per_trace`). `shutdown` and
 * {@linkcode TailSamplingProcessor.keepTrace} keep what is buffered. The inner processor gets `onSpanEnd` (kept spans only), `forceFlush` and `shutdown`,
 * never `onSpanStart` or trace events. It sets no timers.
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
  /** The `ratio` share of 2^32: a trace is kept when its {@linkcode mixTraceId} is below it. */
  readonly #ratio: number;
  readonly #keep: ((trace: TailSamplingTrace) => boolean) | undefined;
  readonly #maxTraces: number;
  readonly #maxSpansPerTrace: number;
  readonly #maxSpans: number;
  readonly #maxBytes: number;
  /** The most spans and bytes shutdown hands on before flushing the inner processor. */
  readonly #chunkSpans: number;
  readonly #chunkBytes: number;
  /** Followed traces (at most `maxTraces`) and what they buffer. */
  readonly #traces: FollowedTraces;
  /** Decisions of traces no longer followed. */
  readonly #decided: RecentDecisions;
  /** The trace whose local root starts now (its `onSpanStart` comes right after). */
  #starting: Trace | undefined;
  #lastEnded: SpanRecord | undefined;
  /** Whether `#lastEnded` was handled as a local root already (by its span id). */
  #lastWasRoot = false;
  readonly #stats = { keptTraces: 0, droppedTraces: 0, keptSpans: 0, droppedSpans: 0 };
  readonly #early: Record<string, number> = {};
  #closed = false;
  #shutdown: Promise<FlushReport> | undefined;
  /** While shutdown decides what is buffered: the kept spans, handed on in chunks after. */
  #handover: SpanRecord[] | undefined;

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
    this.#ratio = typeof ratio === "number" && ratio >= 0 && ratio <= 1 ? ratio * 2 ** 32 : 0;
    this.#keep = typeof options.keep === "function" ? options.keep : undefined;
    this.#maxTraces = countAtLeastOne(options.maxTraces, 1000);
    this.#maxSpans = countAtLeastOne(options.maxBufferedSpans, 10_000);
    this.#maxSpansPerTrace = Math.min(
      countAtLeastOne(options.maxSpansPerTrace, 1000),
      this.#maxSpans,
    );
    this.#maxBytes = countAtLeastOne(options.maxBufferedBytes, 16 * 1024 * 1024);
    const chunk = options.handOverChunk;
    this.#chunkSpans = Math.min(countAtLeastOne(chunk?.spans, Infinity), this.#maxSpansPerTrace);
    this.#chunkBytes = Math.min(countAtLeastOne(chunk?.bytes, Infinity), this.#maxBytes);
    this.#decided = new RecentDecisions(4 * this.#maxTraces);
    this.#traces = new FollowedTraces(this.#maxSpansPerTrace);
  }

  /** What it decided so far, and what it holds now. */
  get stats(): TailSamplingStats {
    return {
      ...this.#stats,
      decidedEarly: { ...this.#early },
      bufferedTraces: this.#traces.bufferedTraces,
      bufferedSpans: this.#traces.spans,
    };
  }

  /**
   * Keeps a trace now, whatever the rule would say: its buffered spans go on at once, and its
   * spans that end later follow (`pushUpdate()` does this for the run it updates). A trace it
   * never saw (or forgot) is left alone: its spans are handed on anyway.
   * @param traceId The trace id.
   */
  keepTrace(traceId: string): void {
    const trace = this.#traces.get(traceId);
    if (trace?.buffer !== undefined) this.#decide(trace.buffer, "keep_trace");
    else if (trace !== undefined) trace.decision = KEPT;
    // A trace never seen (or long forgotten) is not remembered: its spans are handed on anyway,
    // and remembering it would push a real decision out.
    else if (this.#decided.get(traceId) !== undefined) this.#decided.set(traceId, KEPT);
  }

  /**
   * Keeps every trace still buffered, as `shutdown` does, handing its spans on at once: the
   * process is ending without a shutdown (an uncaught error, `process.exit()`), and the presets'
   * exit writer writes what reached the local files' queue. Never throws.
   *
   * @internal
   */
  keepBuffered(): void {
    for (const trace of [...this.#traces.values()]) {
      if (trace.buffer !== undefined) this.#decide(trace.buffer, "exit");
    }
  }

  /**
   * A local root started: its trace is buffered until every local root of it has ended.
   * @param trace The trace (its id).
   */
  onTraceStart(trace: TraceInfo): void {
    if (this.#closed) return;
    const id = trace.traceId;
    let followed = this.#traces.get(id);
    // A new local root of a kept trace follows the decision, whether or not the trace's other
    // roots still run (a trace forgotten past `maxTraces` may have one running). One of a trace
    // dropped, early or when it was over, buffers again (that request may still fail), as the
    // newest trace; only its stats count (once) comes from its old decision.
    if (followed === undefined || (followed.buffer === undefined && followed.decision !== KEPT)) {
      followed = this.#traces.follow(id, followed, followed?.decision ?? this.#decided.get(id));
      if (this.#traces.size > this.#maxTraces) this.#forgetOldest();
    }
    followed.openRoots++;
    this.#starting = followed;
  }

  /**
   * Learns the span id of a local root (the tracer calls this right after `onTraceStart`).
   * @param span The span that started.
   */
  onSpanStart(span: SpanRecord): void {
    const trace = this.#starting;
    if (trace === undefined) return;
    this.#starting = undefined;
    if (span.traceId !== trace.id || !this.#traces.follows(trace)) return;
    if (!this.#traces.learnRoot(trace, span) && trace.buffer?.spans.length) {
      // `maxSpansPerTrace` more local roots of the trace run (never-ended ones under one remote
      // parent grew the set without bound): this one is known by count only, and what the trace
      // holds is decided now, as past the other bounds.
      this.#decide(trace.buffer, "max_roots_per_trace");
    }
  }

  /**
   * Buffers the span with its trace, or follows the trace's decision when it was already made.
   * When it is a local root and the last one of its trace, the trace is decided.
   * @param span The finished span.
   */
  onSpanEnd(span: SpanRecord): void {
    this.#lastEnded = span;
    const trace = this.#traces.get(span.traceId);
    const isRoot = this.#lastWasRoot = trace !== undefined && endRoot(trace, span.spanId);
    if (isRoot) trace!.openRoots--;
    const buffer = trace?.buffer;
    if (buffer === undefined) {
      this.#follow(trace?.decision ?? this.#decided.get(span.traceId), span);
      if (isRoot && trace!.openRoots <= 0) this.#forget(trace!);
      return;
    }
    this.#traces.hold(buffer, span);
    if (isRoot) rootEnded(buffer, span);
    if (isRoot && trace!.openRoots <= 0) {
      this.#decide(buffer);
    } else if (buffer.spans.length >= this.#maxSpansPerTrace) {
      this.#decide(buffer, "max_spans_per_trace");
    } else if (buffer.bytes > this.#maxBytes) {
      this.#decide(buffer, "max_buffered_bytes"); // alone over the bound: not the others' fault
    }
    while (this.#traces.spans > this.#maxSpans && this.#decideOldest("max_buffered_spans"));
    while (this.#traces.bytes > this.#maxBytes && this.#decideOldest("max_buffered_bytes"));
  }

  /** Frees memory: decides the trace that has held spans longest (one holding none frees none). */
  #decideOldest(reason: string): boolean {
    const oldest = this.#traces.oldestHolding();
    if (oldest !== undefined) this.#decide(oldest, reason);
    return oldest !== undefined;
  }

  /**
   * A local root ended (the tracer calls this right after its `onSpanEnd`). Local roots known
   * by span id were handled there; this covers one whose start it did not see whole.
   * @param trace The trace (its id).
   */
  onTraceEnd(trace: TraceInfo): void {
    const root = this.#lastEnded;
    const handled = this.#lastWasRoot;
    this.#lastEnded = undefined;
    this.#lastWasRoot = false;
    if (handled) return;
    const followed = this.#traces.get(trace.traceId);
    // Only a root not known by id: a known one still running is not this one.
    if (followed === undefined || followed.openRoots <= followed.knownRoots) return;
    const buffer = followed.buffer;
    if (buffer !== undefined && root?.traceId === followed.id) rootEnded(buffer, root);
    if (--followed.openRoots > 0) return;
    if (buffer !== undefined) this.#decide(buffer);
    else this.#forget(followed);
  }

  /** Stops following the oldest trace (`max_traces`), deciding it first when undecided. */
  #forgetOldest(): void {
    const oldest = this.#traces.oldest();
    if (oldest === undefined) return;
    if (oldest.buffer !== undefined) this.#decide(oldest.buffer, "max_traces");
    if (this.#traces.follows(oldest)) this.#forget(oldest);
  }

  /** Stops following a decided trace; its decision is remembered with the recent ones. */
  #forget(trace: Trace): void {
    this.#traces.forget(trace);
    if (trace.decision !== undefined) this.#decided.set(trace.id, trace.decision);
  }

  /**
   * Decides a buffered trace (`early`: why before its roots ended), forwarding its spans if kept.
   * Shutdown and `keepTrace` keep it whole; a bound asks the rule.
   */
  #decide(buffer: Buffer, early?: string): void {
    const trace = buffer.trace;
    this.#traces.release(buffer);
    const forced = early === "shutdown" || early === "keep_trace" || early === "exit";
    if (early !== undefined) {
      this.#early[early] = (this.#early[early] ?? 0) + 1;
      if (!forced) {
        reportOnce(
          `tail_sampling:${early}`,
          "warn",
          "tail_sampling_early",
          `Tail sampling: a trace was decided before its local root ended (${early})`,
        );
      }
    }
    let keep = true;
    if (!forced) {
      try {
        keep = this.#rule(buffer, early === undefined);
      } catch (error) {
        reportOnce(
          "tail_sampling_rule",
          "error",
          "sampler_failed",
          "The tail-sampling rule threw: the trace is kept",
          error,
        );
      }
    }
    const first = +(trace.decision === undefined);
    // Dropped early stays so: a root of that decision may still run (forgotten while running,
    // `max_traces`), and its failing later keeps the rest of the trace.
    trace.decision = keep
      ? KEPT
      : (early === undefined && trace.decision !== DROPPED_EARLY) || this.#keep
      ? DROPPED
      : DROPPED_EARLY;
    const count = buffer.spans.length;
    if (keep) {
      this.#stats.keptTraces += first;
      this.#stats.keptSpans += count;
      for (let i = 0; i < count; i++) this.#forward(buffer.spans[i]);
    } else {
      this.#stats.droppedTraces += first;
      this.#stats.droppedSpans += count;
    }
    if (trace.openRoots <= 0) this.#forget(trace);
  }

  #rule(buffer: Buffer, complete: boolean): boolean {
    const { root, spans } = buffer;
    if (this.#keep !== undefined) {
      const keep: unknown = this.#keep({ root, spans, complete });
      if (typeof (keep as PromiseLike<unknown> | undefined)?.then !== "function") return !!keep;
      Promise.resolve(keep).catch(() => {}); // its outcome is not waited for
      reportOnce(
        "tail_sampling_async",
        "error",
        "sampler_failed",
        "The tail-sampling rule returned a promise; a rule must answer synchronously: the trace is kept",
      );
      return true;
    }
    if (spans.some((span) => span.status.code === "ERROR")) return true;
    // A trace decided early has lasted at least as long as its first local root has run.
    const millis = complete
      ? buffer.rootMillis
      : Math.max(buffer.rootMillis, Date.now() - buffer.startedAt / 1e6);
    return millis >= this.#slowMillis || mixTraceId(buffer.trace.id) < this.#ratio;
  }

  /** Hands on or drops a span of a decided trace (undefined: undecided here, handed on). */
  #follow(decision: Decision | undefined, span: SpanRecord): void {
    if (decision === DROPPED_EARLY && span.status.code === "ERROR") {
      // Dropped on part of the trace, and it failed after all: keep what is left of it.
      decision = KEPT;
      const trace = this.#traces.get(span.traceId);
      if (trace !== undefined) trace.decision = KEPT;
      else this.#decided.set(span.traceId, KEPT);
    }
    if (decision === DROPPED || decision === DROPPED_EARLY) {
      this.#stats.droppedSpans++;
    } else {
      // Kept, or undecided here (after shutdown the inner processor counts it as it does).
      this.#stats.keptSpans++;
      this.#forward(span);
    }
  }

  #forward(span: SpanRecord): void {
    if (this.#handover !== undefined) this.#handover.push(span);
    else notify(this.#forwardTo, "onSpanEnd", span);
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
   * @param deadline Epoch-ms limit (a number below 10^12 is a timeout in ms from now), passed on
   *   in epoch ms.
   * @returns The inner processor's report; always resolves.
   */
  forceFlush(deadline?: number): Promise<FlushReport> {
    return this.#settle("forceFlush", toDeadline(deadline));
  }

  /**
   * Keeps every buffered trace (they are not over, so they may still fail: nothing is dropped
   * unseen), hands their spans on, then shuts the inner processor down. Spans ending later go
   * straight to it, but those of traces already dropped. Idempotent.
   *
   * It may hold far more spans than the inner processor queues (`maxBufferedSpans` against a
   * batch queue of 2048), so it hands them on in chunks (`handOverChunk`: by default at most
   * `maxSpansPerTrace` spans and `maxBufferedBytes`, what it hands on at once for one trace
   * anyway), flushing the inner
   * processor between chunks until the deadline (without one, for 30 s in all: one default export
   * timeout). After a flush that does not settle by then, fails spans or delivers none (an
   * unreachable collector), the rest goes on at once, and the inner processor is shut down (the
   * report of that late flush still counts, waited for while the inner shutdown runs).
   *
   * @param deadline Epoch-ms limit (a number below 10^12 is a timeout in ms from now), passed on
   *   in epoch ms.
   * @returns What the inner processor reported for those flushes and its shutdown; always
   *   resolves.
   */
  shutdown(deadline?: number): Promise<FlushReport> {
    // Outside the caller's context (see runDetached): the memoized promise would keep it alive.
    return this.#shutdown ??= runDetached(() => this.#close(toDeadline(deadline)));
  }

  async #close(deadline?: number): Promise<FlushReport> {
    this.#closed = true;
    this.#starting = undefined;
    const spans: SpanRecord[] = this.#handover = [];
    for (const trace of [...this.#traces.values()]) {
      if (trace.buffer !== undefined) this.#decide(trace.buffer, "shutdown");
      if (this.#traces.follows(trace)) this.#forget(trace);
    }
    this.#handover = undefined;
    return await handOverInChunks(spans, this.#chunkSpans, this.#chunkBytes, {
      forward: (span) => this.#forward(span),
      settle: (method, until) => this.#settle(method, until),
    }, deadline);
  }
}
