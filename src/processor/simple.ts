/**
 * A processor that exports every span as soon as it ends. Good for development and tests; use
 * the batch processor in production.
 *
 * @module
 */
import { runDetached } from "../context/run_detached.ts";
import { toDeadline } from "../deadline.ts";
import { report } from "../diagnostics.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { checkExporter } from "./batch.ts";
import { addDropped, emptyReport, mergeReport } from "./report.ts";
import { untilWoken } from "./_until_woken.ts";
import type { SpanExporter, SpanProcessor } from "./types.ts";

/** Options of {@linkcode SimpleSpanProcessor}. */
export interface SimpleSpanProcessorOptions {
  /**
   * Maximum exports in flight before new spans are dropped. Default 256; anything but a finite
   * number of at least 1 means the default (never an unbounded or empty limit).
   */
  maxPending?: number | undefined;
}

/**
 * Exports each span immediately; `forceFlush` waits for the exports in flight when it is called
 * (until its deadline, when it has one).
 *
 * @example
 * ```ts
 * import { SimpleSpanProcessor, Tracer } from "@tracelet/tracelet";
 * import type { SpanExporter } from "@tracelet/tracelet";
 * const exporter: SpanExporter = {
 *   export: (spans) => Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
 * };
 * const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
 * tracer.startSpan("work").end();
 * await tracer.shutdown();
 * ```
 */
export class SimpleSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #maxPending: number;
  /** Exports in flight, each with the controller that aborts it at the shutdown deadline. */
  readonly #pending = new Map<Promise<void>, AbortController>();
  #report: FlushReport = emptyReport();
  #closed = false;
  #shutdown: Promise<FlushReport> | undefined;
  /** Flushes waiting for exports; the shutdown's flush wakes them when it ends. */
  readonly #waiting = new Set<() => void>();

  /**
   * Creates a processor exporting through `exporter`.
   *
   * @param exporter Where spans go.
   * @param options Bound on exports in flight (default 256).
   * @throws {TracerError} `INVALID_CONFIG` when `exporter` has no `export` method.
   */
  constructor(exporter: SpanExporter, options: SimpleSpanProcessorOptions = {}) {
    this.#exporter = checkExporter(exporter, "SimpleSpanProcessor");
    this.#maxPending = countAtLeastOne(options.maxPending, 256);
  }

  /**
   * Starts exporting the span at once. After shutdown, or with `maxPending` exports in flight,
   * the span is dropped and counted (`shutdown`, `too_many_pending`).
   *
   * @param span The finished span.
   */
  onSpanEnd(span: SpanRecord): void {
    if (this.#closed) return addDropped(this.#report, "shutdown", 1);
    if (this.#pending.size >= this.#maxPending) {
      return addDropped(this.#report, "too_many_pending", 1);
    }
    // The executor turns an exporter that throws synchronously into a rejection. An export the
    // shutdown gave up on (no longer pending) was counted then: its outcome is not counted again.
    // One controller per export: workerd binds it to the request that makes it.
    const stop = new AbortController();
    const task: Promise<void> = new Promise<FlushReport>((resolve) =>
      resolve(this.#exporter.export([span], { signal: stop.signal }))
    ).then(
      (result) => void (this.#pending.delete(task) && mergeReport(this.#report, result)),
      (error) => {
        if (this.#pending.delete(task)) this.#report.failed++;
        report("error", "export_failed", "The exporter rejected a span", error);
      },
    );
    this.#pending.set(task, stop);
  }

  /**
   * Waits for the exports in flight when it is called (not those started meanwhile, so it ends
   * under a steady stream of spans), then flushes the exporter. With a deadline it waits at most
   * half a second past it: exports still running then are counted in the next report, or, in the
   * shutdown's own flush, aborted at the deadline (the exporter counts or parks the span at once)
   * and, if they have not ended half a second later, counted as dropped (`deadline`). A flush
   * waiting (with or without a deadline) when the shutdown's flush ends settles then.
   *
   * @param deadline Epoch-ms limit of the wait, passed to the exporter's flush
   *   (a number below 10^12 is a timeout in ms from now).
   * @returns What happened since the last flush; never rejects.
   */
  forceFlush(deadline?: number): Promise<FlushReport> {
    return this.#flush(deadline);
  }

  /** {@linkcode SimpleSpanProcessor.forceFlush}, or with `closing` the shutdown's own flush. */
  async #flush(deadline?: number, closing?: boolean): Promise<FlushReport> {
    deadline = toDeadline(deadline); // also for the exporter's flush below
    const limit = numberAtLeast(deadline, 0, Infinity);
    // The exports in flight now, not those of spans that keep ending meanwhile: a flush ends under
    // a steady stream of spans. (Exports never reject; after a shutdown no new ones start.) The
    // shutdown's flush ends this wait: by then every export has ended or was given up on.
    const settled = untilWoken(Promise.all(this.#pending.keys()), this.#waiting);
    if (limit < Infinity) {
      if (closing && !await settlesWithin(settled, limit - Date.now())) {
        for (const stop of this.#pending.values()) {
          try {
            stop.abort("deadline");
          } catch {
            // Made by another request (workerd refuses its I/O): that export keeps its deadline.
          }
        }
      }
      if (!await settlesWithin(settled, limit + 500 - Date.now()) && closing) {
        addDropped(this.#report, "deadline", this.#pending.size);
        this.#pending.clear();
      }
    } else await settled;
    try {
      if (this.#exporter.forceFlush) {
        const got = await this.#exporter.forceFlush({ deadline, closing });
        mergeReport(this.#report, got); // read after the await: another flush may have taken it
      }
    } catch (error) {
      report("error", "export_failed", "The exporter failed to flush", error);
    }
    const result = this.#report;
    this.#report = emptyReport();
    if (closing) { for (const wake of this.#waiting) wake(); }
    return result;
  }

  /**
   * Stops accepting spans (later ones are counted as dropped, `shutdown`), flushes and shuts the
   * exporter down. Idempotent. The exporter's flush is marked `closing` (its last chance: the OTLP
   * exporter then tries every batch of an in-memory outbox).
   *
   * @param deadline Epoch-ms limit passed to the exporter's flush and shutdown
   *   (a number below 10^12 is a timeout in ms from now).
   * @returns The final flush report (the same promise on every call).
   */
  shutdown(deadline?: number): Promise<FlushReport> {
    // Outside the caller's context (see runDetached): the memoized promise would keep it alive.
    this.#shutdown ??= runDetached(async () => {
      this.#closed = true;
      deadline = toDeadline(deadline);
      const result = await this.#flush(deadline, true);
      try {
        await this.#exporter.shutdown?.({ deadline });
      } catch (error) {
        report("error", "export_failed", "The exporter failed to shut down", error);
      }
      return result;
    });
    return this.#shutdown;
  }
}
