/**
 * The batch processor: a bounded queue (by span count and estimated bytes) that exports in
 * batches when a batch fills up, when the schedule delay passes, on `forceFlush()` and on
 * `shutdown()`. Timers never keep a process alive and can be switched off (Workers). The timer, the
 * export chain and the memoized shutdown are made in the root context, so an idle processor keeps
 * no caller's context (the spans in it, a finished run's task tree) alive.
 *
 * @module
 */
import { runDetached } from "../context/run_detached.ts";
import { toDeadline } from "../deadline.ts";
import { report } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { estimateSpanBytes } from "./span_bytes.ts";
import { setBackgroundTimer } from "./_timer.ts";
import type { TimerHandle } from "./_timer.ts";
import { addDropped, emptyReport, mergeReport } from "./report.ts";
import { untilWoken } from "./_until_woken.ts";
import type { SpanExporter, SpanProcessor } from "./types.ts";
import type { BatchSpanProcessorOptions } from "./batch_options.ts";

/** The queue's default bounds: `maxQueueSize` spans and `maxQueueBytes` estimated bytes (16 MiB). */
export const DEFAULT_QUEUE_SIZE = 2048;
/** See {@linkcode DEFAULT_QUEUE_SIZE}. */
export const DEFAULT_QUEUE_BYTES: number = 2 ** 24;

/**
 * Checks a processor's exporter, so a missing one fails where the processor is made, not as a
 * failed export per batch.
 *
 * @param exporter The exporter given.
 * @param processor The processor's class name, for the message.
 * @returns The exporter.
 * @throws {TracerError} `INVALID_CONFIG` when `exporter` has no `export` method.
 * @internal
 */
export function checkExporter(exporter: SpanExporter, processor: string): SpanExporter {
  if (typeof exporter?.export != "function") {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot create ${processor}: it needs an exporter with an export(spans) method`,
    );
  }
  return exporter;
}

/**
 * Queues finished spans and exports them in batches.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, Tracer } from "@tracelet/tracelet";
 * import type { SpanExporter } from "@tracelet/tracelet";
 * const exporter: SpanExporter = {
 *   export: (spans) => Promise.resolve({ exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 }),
 * };
 * const processor = new BatchSpanProcessor(exporter, { maxExportBatchSize: 100 });
 * const tracer = new Tracer({ processors: [processor] });
 * tracer.startSpan("work").end();
 * const report = await tracer.forceFlush(); // { exported: 1, ... }
 * await tracer.shutdown();
 * ```
 */
export class BatchSpanProcessor implements SpanProcessor {
  readonly #exporter: SpanExporter;
  readonly #maxQueueSize: number;
  readonly #maxQueueBytes: number;
  readonly #maxExportBatchSize: number;
  readonly #triggerSize: number;
  readonly #delayMs: number;
  readonly #timeoutMs: number;
  readonly #timers: boolean;
  readonly #dropOldest: boolean;
  #queue: SpanRecord[] = [];
  #sizes: number[] = [];
  /**
   * Where the queue starts in `#queue` and `#sizes`: taking spans moves it instead of shifting the
   * arrays (that cost O(queue) per span dropped with `"oldest"`). `#take` compacts the arrays, so
   * they are empty whenever the queue is, and hold taken spans at most a quarter of its length.
   */
  #head = 0;
  #queueBytes = 0;
  #report: FlushReport = emptyReport();
  #timer: TimerHandle | undefined;
  #running: Promise<void> = Promise.resolve();
  #exportQueued = false;
  /**
   * Spans dropped as `queue_full` since the last `queue_full` diagnostic, and when that was (at
   * most one a minute, with the count: a diagnostic once per process hid every later outage).
   */
  #fullDrops = 0;
  #fullReportedAt = -1 / 0;
  /** Set when a shutdown begins (before anything else can run): the processor is closed. */
  #shutdown: Promise<FlushReport> | undefined;
  /** The shutdown flush's deadline (0 until then): a drain exports until it at least. */
  #closeBy = 0;
  /** The running drain's; aborted at the shutdown deadline, and then kept for later drains. */
  #stop: AbortController | undefined;
  /** The batch being exported (empty between exports); a shutdown gives up on it by clearing it. */
  #batch: SpanRecord[] = [];
  /** Flushes waiting for a drain; the shutdown's flush wakes them when it ends. */
  readonly #waiting = new Set<() => void>();

  /**
   * Creates a batch processor.
   * @param exporter Where batches go.
   * @param options Queue and schedule options.
   * @throws {TracerError} `INVALID_CONFIG` when `exporter` has no `export` method.
   */
  constructor(exporter: SpanExporter, options: BatchSpanProcessorOptions = {}) {
    this.#exporter = checkExporter(exporter, "BatchSpanProcessor");
    this.#maxQueueSize = countAtLeastOne(options.maxQueueSize, DEFAULT_QUEUE_SIZE);
    this.#maxQueueBytes = countAtLeastOne(options.maxQueueBytes, DEFAULT_QUEUE_BYTES);
    this.#maxExportBatchSize = Math.min(
      countAtLeastOne(options.maxExportBatchSize, 512),
      this.#maxQueueSize,
    );
    this.#triggerSize = Math.min(
      countAtLeastOne(options.exportTriggerSize, this.#maxExportBatchSize),
      this.#maxQueueSize,
    );
    this.#delayMs = countAtLeastOne(options.scheduledDelayMillis, 5000);
    this.#timeoutMs = countAtLeastOne(options.exportTimeoutMillis, 30_000);
    this.#timers = options.timers ?? true;
    this.#dropOldest = options.dropPolicy == "oldest";
  }

  /** Spans currently queued. */
  get queueLength(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Queues a finished span, dropping it by the drop policy when the queue is full.
   * @param span The finished span.
   */
  onSpanEnd(span: SpanRecord): void {
    if (this.#shutdown) return addDropped(this.#report, "shutdown", 1);
    const size = estimateSpanBytes(span);
    if (this.#full(size) && !this.#spill(size)) {
      this.#fullDrops++;
      this.#reportFull();
      if (!this.#dropOldest || size > this.#maxQueueBytes) {
        return addDropped(this.#report, "queue_full", 1);
      }
      do this.#take(1), addDropped(this.#report, "queue_full", 1); while (this.#full(size));
    }
    this.#queue.push(span);
    this.#sizes.push(size);
    this.#queueBytes += size;
    // Half the byte bound queued (large spans: long prompts, logprobs) exports everything queued,
    // as a full batch would: waiting for the count or the timer filled the byte bound and dropped
    // spans while the receiver took all it got (64 KiB spans at 100/s lost half).
    if (this.queueLength < this.#triggerSize && this.#queueBytes * 2 < this.#maxQueueBytes) {
      this.#arm();
    } else if (!this.#exportQueued) {
      // One export of full batches after the running one (or, with a trigger below the batch
      // size, of what reached the trigger). The flag is cleared when the drain starts, not when it
      // is queued: under load (a slow or unreachable endpoint) every span would otherwise queue one
      // more drain, a chain growing without bound that a flush waits behind.
      this.#exportQueued = true;
      // (Queued by bytes, below the trigger: everything queued.)
      void this.#drain(Math.min(this.queueLength, this.#triggerSize, this.#maxExportBatchSize));
    }
  }

  /**
   * Reports the spans dropped as `queue_full` since the last report, unless that was less than a
   * minute ago: at a drop, and at the end of each drain, so the rest of an outage's drops are told
   * a minute after its first, not with the next outage's.
   */
  #reportFull(): void {
    const now = Date.now();
    if (this.#fullDrops && now - this.#fullReportedAt >= 60_000) {
      report(
        "warn",
        "queue_full",
        `Span queue full: ${this.#fullDrops} span(s) dropped since the last report`,
      );
      this.#fullReportedAt = now;
      this.#fullDrops = 0;
    }
  }

  /**
   * Takes the `count` oldest spans off the queue (all of them if fewer) in time independent of its
   * length. The arrays are compacted once the spans taken reach a quarter of those left: amortized
   * O(1) a span, and a head past the end (`count` beyond the queue, or Infinity) empties them.
   */
  #take(count: number): SpanRecord[] {
    const taken = this.#queue.slice(this.#head, count += this.#head);
    for (const size of this.#sizes.slice(this.#head, this.#head = count)) this.#queueBytes -= size;
    if (count * 4 >= this.queueLength) {
      this.#queue.splice(0, count);
      this.#sizes.splice(0, count);
      this.#head = 0;
    }
    return taken;
  }

  /**
   * With a full queue, an exporter that writes at once (`exportSync`: local files) takes the whole
   * queue now, so the span fits: a program that only awaits (a loop of tasks that never waits on
   * I/O) gives the running export no chance to finish, and the queue dropped the spans it ended,
   * its run's root last of all.
   */
  #spill(size: number): boolean {
    const exporter = this.#exporter;
    if (!exporter.exportSync || size > this.#maxQueueBytes) return false;
    const spans = this.#take(Infinity);
    try {
      mergeReport(this.#report, exporter.exportSync(spans));
    } catch (error) {
      this.#report.failed += spans.length;
      report("error", "export_failed", "exportSync failed", error);
    }
    return true;
  }

  /**
   * Writes the queued spans at once through the exporter's `exportSync` (local files), when it
   * has one: the process is ending (an uncaught error, `process.exit()`) and no export will
   * finish. Never throws.
   *
   * @internal
   */
  exportQueuedSync(): void {
    if (this.queueLength) this.#spill(0);
  }

  #full(size: number): boolean {
    return this.queueLength >= this.#maxQueueSize ||
      this.#queueBytes + size > this.#maxQueueBytes;
  }

  #arm(): void {
    if (this.#timers && !this.#timer && this.#queue.length && !this.#shutdown) {
      this.#timer = runDetached(() =>
        setBackgroundTimer(() => {
          this.#timer = undefined;
          void this.#drain(1);
        }, this.#delayMs)
      );
    }
  }

  /**
   * After any export already running, exports in batches the spans queued when it starts (not
   * those that arrive meanwhile, so it ends under a steady stream of spans) while at least
   * `minimum` are queued (1 drains everything; the batch size exports only full batches) and
   * the deadline has not passed. What is left stays queued for the timer; after shutdown nothing
   * is left: the exporter gets every span, with the later of the deadline and the shutdown's (a
   * flush's deadline may have passed while it waited; once the shutdown's passed, with an aborted
   * signal), and parks or counts it. Never rejects.
   */
  #drain(minimum: number, deadline?: number): Promise<void> {
    // Outside the caller's context (see runDetached): the chain, its exports and the timer armed
    // at its end would keep the span that ended (its task tree, its logged values) alive while
    // the process idles.
    return this.#running = runDetached(() =>
      this.#running.then(async () => {
        this.#exportQueued = false; // this drain exports what is queued now; later spans queue one more
        deadline ??= Date.now() + this.#timeoutMs;
        // One per drain, never one read from another drain: workerd binds it to the request that
        // made it, and touching it from another request throws. After a shutdown's deadline, each
        // starts aborted.
        const stop = this.#stop = new AbortController();
        if (this.#closeBy < 0) stop.abort("deadline");
        for (
          let left = this.queueLength;
          left > 0 && this.queueLength >= minimum && (this.#shutdown || Date.now() < deadline);
        ) {
          const batch = this.#batch = this.#take(this.#maxExportBatchSize);
          left -= batch.length;
          deadline = Math.max(deadline, this.#closeBy);
          await this.#call(
            "export",
            () => this.#exporter.export(batch, { deadline, signal: stop.signal }),
            batch,
          );
        }
        this.#batch = [];
        this.#reportFull();
        this.#arm();
      })
    );
  }

  /**
   * Calls the exporter and merges what it reports into the report read after the await (a flush
   * may have taken and replaced it meanwhile, and these counts belong to the next one); a throw
   * or rejection counts the batch's spans failed. Nothing is merged for a batch that a shutdown
   * gave up on: it counted the batch then.
   */
  async #call(
    method: string,
    fn: () => Promise<FlushReport | void> | undefined,
    batch?: SpanRecord[],
  ): Promise<void> {
    let got: Partial<FlushReport> | void;
    try {
      got = await fn();
    } catch (error) {
      report("error", "export_failed", `Exporter ${method} failed`, error);
      got = { failed: batch?.length };
    }
    if (!batch || this.#batch == batch) mergeReport(this.#report, got);
  }

  /**
   * Exports the spans already queued (not those that keep arriving meanwhile), then lets the
   * exporter deliver what it holds (e.g. its outbox), within `exportTimeoutMillis` and `deadline`.
   * Spans it has not exported by then stay queued for the next export. With a deadline, an
   * export already running (it keeps its own) is waited for at most half a second past it; one
   * that ends later is counted in the next report.
   *
   * @param deadline Epoch-ms limit, if sooner than `exportTimeoutMillis` from now
   *   (a number below 10^12 is a timeout in ms from now).
   * @returns What happened since the previous flush; always resolves.
   */
  forceFlush(deadline?: number): Promise<FlushReport> {
    return this.#flush(deadline);
  }

  /** {@linkcode BatchSpanProcessor.forceFlush}, or with `closing` the shutdown's own flush. */
  async #flush(deadline?: number, closing?: boolean): Promise<FlushReport> {
    clearTimeout(this.#timer as number); // setBackgroundTimer's handle is setTimeout's
    this.#timer = undefined;
    // A deadline that is not a number (NaN, a string) means none, as a bad option does.
    const given = numberAtLeast(toDeadline(deadline), 0, Infinity);
    deadline = Math.min(given, Date.now() + this.#timeoutMs);
    if (closing) this.#closeBy = deadline;
    // Once closed, the shutdown's flush exports everything (no span is accepted after it): a later
    // flush waits for the shutdown, never behind an export it gave up on (that may never settle);
    // one waiting already is woken when the shutdown's flush ends.
    const drained = this.#shutdown ?? untilWoken(this.#drain(1, deadline), this.#waiting);
    // An export already running keeps its own deadline (exportTimeoutMillis from its start). With a
    // deadline (without one, no timer: Workers), the flush waits for it at most half a second
    // past its own. A shutdown aborts the exports at its deadline, so the exporter counts or parks
    // their spans at once, and counts what is still unsettled half a second later as dropped
    // (`deadline`): the queue, and the batch being exported, whose late outcome is not counted.
    if (given < Infinity) {
      if (closing && !await settlesWithin(drained, deadline - Date.now())) {
        this.#closeBy = -1; // later drains start aborted
        try {
          this.#stop?.abort("deadline");
        } catch {
          // Made by another request (workerd): its export keeps its own deadline.
        }
      }
      if (!await settlesWithin(drained, deadline + 500 - Date.now()) && closing) {
        addDropped(
          this.#report,
          "deadline",
          this.#take(Infinity).length + this.#batch.length,
        );
        this.#batch = [];
      }
    } else await drained;
    await this.#call("forceFlush", () => this.#exporter.forceFlush?.({ deadline, closing }));
    const result = this.#report;
    this.#report = emptyReport();
    if (closing) { for (const wake of this.#waiting) wake(); }
    return result;
  }

  /**
   * Flushes, stops accepting spans and shuts the exporter down. Idempotent. The exporter's flush is
   * marked `closing` (its last chance: the OTLP exporter then tries every batch of an in-memory
   * outbox). An export still running at the deadline (one started before, with its own
   * `exportTimeoutMillis`) is aborted through its signal (reason `"deadline"`), so the exporter
   * counts or parks its spans at once; later exports get an aborted signal. Spans not settled half
   * a second past the deadline (an exporter that ignores the signal) are counted as dropped
   * (`deadline`) and never exported. Spans a flush left queued are exported with this deadline, not
   * the flush's; a flush called once the shutdown began waits for it (within its own deadline).
   *
   * @param deadline Epoch-ms limit for the final export and the exporter's shutdown
   *   (a number below 10^12 is a timeout in ms from now).
   * @returns The final flush report.
   */
  shutdown(deadline?: number): Promise<FlushReport> {
    // Outside the caller's context (see runDetached): the memoized promise would keep it alive.
    return this.#shutdown ??= runDetached(async () => {
      deadline = toDeadline(deadline);
      const result = await this.#flush(deadline, true);
      await this.#call("shutdown", () => this.#exporter.shutdown?.({ deadline }));
      return result;
    });
  }
}
