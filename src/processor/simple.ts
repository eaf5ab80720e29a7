/**
 * A processor that exports every span as soon as it ends. Good for development and tests; use
 * the batch processor in production.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { countAtLeastOne } from "../number_option.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { addDropped, emptyReport, mergeReport } from "./report.ts";
import type { SpanExporter, SpanProcessor } from "./types.ts";

/** Options of {@linkcode SimpleSpanProcessor}. */
export interface SimpleSpanProcessorOptions {
  /**
   * Maximum exports in flight before new spans are dropped. Default 256; anything but a finite
   * number of at least 1 means the default (never an unbounded or empty limit).
   */
  maxPending?: number;
}

/**
 * Exports each span immediately; `forceFlush` waits for every export in flight.
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
  readonly #pending = new Set<Promise<void>>();
  #report: FlushReport = emptyReport();
  #closed = false;
  #shutdown: Promise<FlushReport> | undefined;

  /**
   * Creates a processor exporting through `exporter`.
   *
   * @param exporter Where spans go.
   * @param options Bound on exports in flight (default 256).
   */
  constructor(exporter: SpanExporter, options: SimpleSpanProcessorOptions = {}) {
    this.#exporter = exporter;
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
    // The executor turns an exporter that throws synchronously into a rejection.
    const task = new Promise<FlushReport>((resolve) => resolve(this.#exporter.export([span]))).then(
      (result) => void mergeReport(this.#report, result),
      (error) => {
        this.#report.failed++;
        report("error", "export_failed", "The exporter rejected a span", error);
      },
    ).finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  /**
   * Waits for every export in flight, then flushes the exporter.
   *
   * @param deadline Epoch-ms limit passed to the exporter's flush.
   * @returns What happened since the last flush; never rejects.
   */
  async forceFlush(deadline?: number): Promise<FlushReport> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
    try {
      if (this.#exporter.forceFlush) {
        const got = await this.#exporter.forceFlush({ deadline });
        mergeReport(this.#report, got); // read after the await: another flush may have taken it
      }
    } catch (error) {
      report("error", "export_failed", "The exporter failed to flush", error);
    }
    const result = this.#report;
    this.#report = emptyReport();
    return result;
  }

  /**
   * Stops accepting spans (later ones are counted as dropped, `shutdown`), flushes and shuts the
   * exporter down. Idempotent.
   *
   * @param deadline Epoch-ms limit passed to the exporter's flush and shutdown.
   * @returns The final flush report (the same promise on every call).
   */
  shutdown(deadline?: number): Promise<FlushReport> {
    this.#shutdown ??= (async () => {
      this.#closed = true;
      const result = await this.forceFlush(deadline);
      try {
        await this.#exporter.shutdown?.({ deadline });
      } catch (error) {
        report("error", "export_failed", "The exporter failed to shut down", error);
      }
      return result;
    })();
    return this.#shutdown;
  }
}
