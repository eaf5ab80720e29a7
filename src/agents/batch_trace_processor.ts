/**
 * The OpenAI Agents SDK's `BatchTraceProcessor`: a {@linkcode TracingProcessor} that queues each
 * trace when it starts and each span when it ends, and hands them to a {@linkcode TracingExporter}
 * (such as `BackendSpanExporter`) in batches.
 *
 * @module
 */
import { runDetached } from "../context/run_detached.ts";
import { TracerError } from "../errors.ts";
import { Fifo } from "../fifo.ts";
import { clearBackgroundTimer, setBackgroundTimer } from "../processor/_timer.ts";
import type { TimerHandle } from "../processor/_timer.ts";
import type { FlushReport } from "../types.ts";
import { AbortGroup } from "./_abort_group.ts";
import {
  flushDeadline,
  givenDeadline,
  pastDeadline,
  shutdownWaitMs,
  waitWithin,
} from "./_batch_deadline.ts";
import { BatchDrops } from "./_batch_drops.ts";
import { type BatchExportTarget, exportBatch } from "./_batch_export.ts";
import { registerReport } from "./_batch_reports.ts";
import { type BatchSettings, batchSettings } from "./_batch_settings.ts";
import { compactItem } from "./_compact_item.ts";
import { estimateItemBytes } from "./_item_bytes.ts";
import { noteQueuedRedaction } from "./_queued_policy.ts";
import { markShutDown } from "./_shut_down.ts";
import type { BatchTraceProcessorOptions } from "./batch_trace_processor_options.ts";
import type { SpanView, TraceView, TracingProcessor } from "./processors.ts";
import type { TracingExporter } from "./tracing_exporter.ts";

export type { BatchTraceProcessorOptions } from "./batch_trace_processor_options.ts";
export type { TracingExporter } from "./tracing_exporter.ts";

/**
 * What the `on*` callbacks return: one promise, already resolved, so the processor has the
 * `Promise<void>` signatures of `@openai/agents-core`'s `TracingProcessor` and needs no cast in
 * `setTraceProcessors([...])`, without a new promise per span.
 */
const DONE: Promise<void> = Promise.resolve();

/**
 * Queues traces (on start) and spans (on end) and exports them in batches: after
 * `scheduleDelay`, as soon as `exportTriggerRatio` of the queue is filled, on `forceFlush()`
 * and on `shutdown()`. A trace is therefore exported before its spans. The queue is bounded, by
 * item count and by estimated bytes: when it is full the new item is dropped, counted in
 * {@linkcode BatchTraceProcessor.dropped} (`queue_full`) and reported once as `agent_queue_full`
 * until the queue drains, with the count so far; an item larger than the whole queue is dropped
 * as `too_large` (`agent_item_too_large`), one that comes after `shutdown()` as `shutdown`
 * (`agent_queue_closed`, once).
 * Exports run one at a time; an exporter that throws loses only its batch (reported as
 * `agent_export_failed`). What it exported, what it could not deliver (`failed`: a batch whose
 * exporter threw, the items a `BackendSpanExporter` gave up on) and what it dropped are counted in
 * the flush reports of the tracer it was added to (`flushTraces()`, `tracing.shutdown()`), since
 * the last one. An export still unsettled half a second past its deadline (the flush's
 * or shutdown's, else `exportTimeoutMillis` after it started), such as one whose exporter ignores
 * its signal, is no longer waited for (`agent_export_timeout`): the next export starts, and its
 * batch is not counted as delivered though a slow exporter may still deliver it. `forceFlush` and
 * `shutdown` take a timeout in ms, or an epoch-ms deadline (10^12 or more). The processor holds
 * no `AbortController` between exports, so it can be made at a Worker's global scope and used
 * from every request. Its timer and exports run outside the context of the span that queued an
 * item, so they never keep that span (nor its trace's values) alive.
 *
 * @example
 * ```ts
 * import { addTraceProcessor, BatchTraceProcessor } from "@tracelet/tracelet/agents";
 * addTraceProcessor(new BatchTraceProcessor({
 *   export: (items) => console.log(items.map((item) => item.toJSON())),
 * }, { scheduleDelay: 1000 }));
 * ```
 */
export class BatchTraceProcessor implements TracingProcessor {
  readonly #exporter: TracingExporter;
  /** Its options, defaults applied. */
  readonly #settings: BatchSettings;
  /** What each export runs with. */
  readonly #target: BatchExportTarget;
  /**
   * The `signal` and `hurry` controllers of the exports in progress, one each per export, made by
   * the request that exports (workerd ties a controller to the request that made it, and refuses
   * one at global scope); aborted by `shutdown()`, which leaves later exports' aborted too.
   */
  readonly #stops = new AbortGroup();
  readonly #hurries = new AbortGroup();
  /** Items waiting to be exported, oldest first (a head-index queue: taking a batch is O(batch)). */
  readonly #queue = new Fifo<TraceView | SpanView>();
  /** The estimated bytes of each item of `#queue`, in step with it. */
  readonly #sizes = new Fifo<number>();
  #queueBytes = 0;
  #timer: TimerHandle | undefined;
  #running: Promise<void> = Promise.resolve();
  #exportQueued = false;
  /** Items dropped, by reason (the core `BatchSpanProcessor`'s reasons), and their diagnostics. */
  readonly #drops = new BatchDrops();
  /** Items exported, and items lost to failed exports, since the last report. */
  #exported = 0;
  #failed = 0;
  #closed = false;
  #shutdown: Promise<void> | undefined;

  /**
   * Creates a batch processor; add it with `addTraceProcessor`.
   *
   * @param exporter Where batches go.
   * @param options Queue and schedule settings.
   * @throws {TracerError} `INVALID_CONFIG` when `exporter` has no `export` method.
   */
  constructor(exporter: TracingExporter, options: BatchTraceProcessorOptions = {}) {
    if (typeof exporter?.export !== "function") {
      throw new TracerError(
        "INVALID_CONFIG",
        "Cannot create BatchTraceProcessor: it needs an exporter with an export(items) method",
      );
    }
    this.#exporter = exporter;
    this.#settings = batchSettings(options);
    this.#target = {
      exporter,
      stops: this.#stops,
      hurries: this.#hurries,
      exportTimeoutMillis: this.#settings.exportTimeoutMillis,
      fail: (count) => {
        this.#failed += count;
      },
    };
    registerReport(this, () => this.#takeReport());
  }

  /** What it did since the last report, and counting anew. */
  #takeReport(): FlushReport {
    const report = {
      exported: this.#exported,
      retried: 0,
      persisted: 0,
      dropped: this.#drops.take(),
      failed: this.#failed,
    };
    this.#exported = this.#failed = 0;
    return report;
  }

  /** Traces and spans waiting to be exported. */
  get queueLength(): number {
    return this.#queue.length;
  }

  /** Estimated bytes of the traces and spans waiting to be exported (at most `maxQueueBytes`). */
  get queueBytes(): number {
    return this.#queueBytes;
  }

  /**
   * Traces and spans dropped since the processor was created, by reason, as the core
   * `BatchSpanProcessor` counts spans in its `FlushReport`: `queue_full` (the queue was full),
   * `too_large` (larger than `maxQueueBytes` on its own), `shutdown` (queued after `shutdown()`
   * began), `deadline` (still queued at the shutdown deadline). A reason appears once something
   * was dropped for it.
   */
  get dropped(): Readonly<Record<string, number>> {
    return this.#drops.dropped;
  }

  /**
   * Nothing to start: the timer is armed when the first item is queued. Present so that the
   * processor can also be registered with `@openai/agents-core` (`setTraceProcessors`).
   */
  start(): void {}

  /**
   * Queues the trace (its header is exported before its spans).
   *
   * @param trace The trace that started.
   * @returns A promise already resolved (the `Promise<void>` agents-core's interface asks for).
   */
  onTraceStart(trace: TraceView): Promise<void> {
    this.#add(trace);
    return DONE;
  }

  /**
   * Does nothing: a trace is queued when it starts (as in the OpenAI Agents SDKs).
   *
   * @param _trace The trace that ended.
   * @returns A promise already resolved.
   */
  onTraceEnd(_trace: TraceView): Promise<void> {
    return DONE;
  }

  /**
   * Does nothing: a span is queued when it ends (as in the OpenAI Agents SDKs).
   *
   * @param _span The span that started.
   * @returns A promise already resolved.
   */
  onSpanStart(_span: SpanView): Promise<void> {
    return DONE;
  }

  /**
   * Queues the span.
   *
   * @param span The span that ended.
   * @returns A promise already resolved.
   */
  onSpanEnd(span: SpanView): Promise<void> {
    this.#add(span);
    return DONE;
  }

  /**
   * Exports what is queued now, in batches, after any export in progress.
   *
   * @param timeout Time limit in ms, or an epoch-ms deadline (10^12 or more), if sooner than
   *   `exportTimeoutMillis` from now.
   * @returns Resolves when done, or at the time limit (what is left stays queued).
   */
  async forceFlush(timeout?: number): Promise<void> {
    this.#clearTimer();
    const deadline = flushDeadline(timeout, this.#settings.exportTimeoutMillis);
    await waitWithin(this.#drain(deadline), Math.max(0, deadline - Date.now()), "forceFlush");
  }

  /**
   * Stops accepting items and exports what is queued within `timeout`, and within
   * `exportTimeoutMillis`. Given a timeout, it first tells the exporter to stop waiting between
   * retries (an export backing off retries at once), as the OpenAI Agents SDK does. At the
   * deadline requests are aborted and what is still queued is dropped (reported as
   * `agent_queue_dropped`); an export no longer waited for is aborted when the shutdown ends.
   * Idempotent. Items that come later are dropped (`shutdown`, reported once).
   *
   * @param timeout Time limit in ms, or an epoch-ms deadline (10^12 or more), if sooner than
   *   `exportTimeoutMillis` from now. Without one, retries wait as usual.
   * @returns Resolves when done, at the deadline at the latest.
   */
  shutdown(timeout?: number): Promise<void> {
    // Kept for later calls: made outside the caller's context, so it does not keep it alive.
    return this.#shutdown ??= runDetached(async () => {
      this.#closed = true;
      markShutDown(this);
      this.#clearTimer();
      const given = givenDeadline(timeout);
      if (given < Infinity) this.#hurries.abort();
      const ms = shutdownWaitMs(given, this.#settings.exportTimeoutMillis);
      const abort = setBackgroundTimer(() => this.#stops.abort(), ms);
      await waitWithin(this.#drain(Date.now() + ms), ms, "shutdown");
      clearBackgroundTimer(abort);
      // At the deadline, or now: the exports no longer waited for are told to stop too.
      this.#stops.abort();
      const left = this.queueLength;
      this.#queue.clear();
      this.#sizes.clear();
      this.#queueBytes = 0;
      this.#drops.atDeadline(left);
    });
  }

  #add(item: TraceView | SpanView): void {
    if (this.#closed) return this.#drops.afterShutdown();
    const { maxQueueSize, maxQueueBytes, triggerSize, triggerBytes } = this.#settings;
    if (this.queueLength >= maxQueueSize) return this.#drops.queueFull();
    const room = maxQueueBytes - this.#queueBytes;
    let size = estimateItemBytes(item, maxQueueBytes);
    if (size > room) {
      // One its exporter cuts anyway is queued as it will be sent, if that fits.
      const compact = compactItem(this.#exporter, item, size);
      if (compact !== undefined) ({ item, bytes: size } = compact);
    }
    if (size > maxQueueBytes) return this.#drops.tooLarge(size, maxQueueBytes);
    if (size > room) return this.#drops.queueFull();
    noteQueuedRedaction(item); // exported under the policy in force now, not a later one
    this.#queue.push(item);
    this.#sizes.push(size);
    this.#queueBytes += size;
    if (this.queueLength >= triggerSize || this.#queueBytes >= triggerBytes) {
      this.#exportSoon();
    } else this.#arm();
  }

  /**
   * Queues one export after the running one. The flag is cleared when a drain starts, not when
   * it is queued: under load every item would otherwise queue one more drain, a chain growing
   * without bound (see the core BatchSpanProcessor).
   */
  #exportSoon(): void {
    if (this.#exportQueued) return;
    this.#exportQueued = true;
    void this.#drain();
  }

  #arm(): void {
    const { timers, scheduleDelay } = this.#settings;
    if (timers && this.#timer === undefined && this.queueLength > 0 && !this.#closed) {
      this.#timer = runDetached(() =>
        setBackgroundTimer(() => {
          this.#timer = undefined;
          void this.#drain();
        }, scheduleDelay)
      );
    }
  }

  #clearTimer(): void {
    clearBackgroundTimer(this.#timer);
    this.#timer = undefined;
  }

  /**
   * After any export in progress, exports in batches the items queued when it starts (not those
   * arriving meanwhile, so it ends under a steady stream) until the deadline. Never rejects. The
   * chain is kept between drains: it is made outside the caller's context, which it would
   * otherwise keep alive (the span that queued an item, and everything reachable from it).
   * What a drain that ran into its deadline delivered is not counted as exported: an export that
   * waits until the deadline (a backend that never answers) is no progress for the exit flush.
   */
  #drain(deadline?: number): Promise<void> {
    return this.#running = runDetached(() =>
      this.#running.then(async () => {
        this.#exportQueued = false;
        let sent = 0;
        for (let left = this.queueLength; left > 0 && this.queueLength > 0;) {
          if (pastDeadline(deadline)) break;
          const batch = this.#queue.take(Math.min(this.#settings.maxBatchSize, left));
          for (const size of this.#sizes.take(batch.length)) this.#queueBytes -= size;
          left -= batch.length;
          sent += await exportBatch(this.#target, batch, deadline);
        }
        if (!pastDeadline(deadline)) this.#exported += sent;
        const { maxQueueSize, maxQueueBytes } = this.#settings;
        if (this.queueLength < maxQueueSize && this.#queueBytes < maxQueueBytes) {
          this.#drops.drained();
        }
        this.#arm();
      })
    );
  }
}
