/**
 * The OpenAI Agents SDK's `BatchTraceProcessor`: a {@linkcode TracingProcessor} that queues each
 * trace when it starts and each span when it ends, and hands them to a {@linkcode TracingExporter}
 * (such as `BackendSpanExporter`) in batches.
 *
 * @module
 */
import { runDetached } from "../context/run_detached.ts";
import { report } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { Fifo } from "../fifo.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { clearBackgroundTimer, MAX_TIMER_MS, setBackgroundTimer } from "../processor/_timer.ts";
import type { TimerHandle } from "../processor/_timer.ts";
import { isPromiseLike } from "../promise_like.ts";
import { runtimeKey } from "../runtime/_globals.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport } from "../types.ts";
import { AbortGroup } from "./_abort_group.ts";
import {
  exportWaitMs,
  flushDeadline,
  givenDeadline,
  pastDeadline,
  reportExportTimeout,
  shutdownWaitMs,
  waitWithin,
} from "./_batch_deadline.ts";
import { BatchDrops } from "./_batch_drops.ts";
import { registerReport } from "./_batch_reports.ts";
import { compactItem } from "./_compact_item.ts";
import { estimateItemBytes } from "./_item_bytes.ts";
import { noteQueuedRedaction } from "./_queued_policy.ts";
import { markShutDown } from "./_shut_down.ts";
import type { SpanView, TraceView, TracingProcessor } from "./processors.ts";

/**
 * Receives batches of traces and spans (the OpenAI SDKs' `TracingExporter`). `BackendSpanExporter`
 * is one; so is any `@openai/agents-core` exporter.
 */
export interface TracingExporter {
  /**
   * Exports one batch. May return a promise; a throw or rejection is reported and the batch
   * dropped (counted as `failed`).
   *
   * @param items Traces and spans, in the order they were queued.
   * @param signal Aborted at the shutdown deadline.
   * @param deadline Epoch-ms limit of a flush or shutdown, when there is one.
   * @param hurry Aborted when a shutdown with a timeout starts: stop waiting between retries
   *   (retry at once; requests go on until `signal` aborts).
   * @param lost Tells the processor how many of `items` the exporter gave up on (not delivered:
   *   rejected, failed after its retries, no API key), when it does not throw for them; they are
   *   counted as `failed`, the others as exported once the export settles.
   */
  export(
    items: (TraceView | SpanView)[],
    signal?: AbortSignal,
    deadline?: number,
    hurry?: AbortSignal,
    lost?: (count: number) => void,
  ): void | Promise<void>;
}

/**
 * Options of {@linkcode BatchTraceProcessor}; the names and defaults are the OpenAI Agents SDK's,
 * except those of tracelet's own additions (`maxQueueBytes`, `exportTimeoutMillis`, `timers`).
 */
export interface BatchTraceProcessorOptions {
  /** Most traces and spans waiting; beyond it new ones are dropped. Default 8192. */
  maxQueueSize?: number | undefined;
  /**
   * Most estimated bytes of the traces and spans waiting; an item that would go beyond it is
   * dropped (`queue_full`, or `too_large` when it is larger than the whole bound). Default 32
   * MiB: twice the core `BatchSpanProcessor`'s 16 MiB, because an agent span's estimate counts
   * its data twice (the span data, and its JSON on the tracelet span it holds). The estimate sums
   * the strings of an item's data and its tracelet span's attributes, in a walk that stops past
   * the bound. An item with no room whose exporter cuts what it sends anyway (a
   * `BackendSpanExporter` posting to the official endpoint) is queued as it will be sent, and
   * sized so, when that is smaller: a generation span holding a large image is queued with its
   * input cut to 100 kB instead of being dropped.
   */
  maxQueueBytes?: number | undefined;
  /** Most items per export. Default 128. */
  maxBatchSize?: number | undefined;
  /**
   * Delay before queued items are exported, in ms; 0 exports right after the current task, with
   * everything queued by then. Default 5000.
   */
  scheduleDelay?: number | undefined;
  /**
   * Share of `maxQueueSize`, and of `maxQueueBytes`, that triggers an export without waiting
   * (0–1]. Default 0.7.
   */
  exportTriggerRatio?: number | undefined;
  /**
   * Longest `forceFlush()` and `shutdown()` in ms (a sooner timeout or deadline given to them is
   * kept); an export on the schedule is waited for this long (plus half a second) at most.
   * Default 30000.
   */
  exportTimeoutMillis?: number | undefined;
  /**
   * Whether to export on a timer (which never keeps a process alive). Default: true, except on
   * Cloudflare Workers, where timers do not run outside a request: there call `flushTraces()`
   * in `ctx.waitUntil` (items are also exported when the trigger size is reached).
   */
  timers?: boolean | undefined;
}

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
  readonly #maxQueueSize: number;
  readonly #maxQueueBytes: number;
  readonly #triggerBytes: number;
  readonly #maxBatchSize: number;
  readonly #triggerSize: number;
  readonly #scheduleDelay: number;
  readonly #exportTimeoutMillis: number;
  readonly #timers: boolean;
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
    this.#maxQueueSize = countAtLeastOne(options.maxQueueSize, 8192);
    this.#maxBatchSize = Math.min(countAtLeastOne(options.maxBatchSize, 128), this.#maxQueueSize);
    const ratio = numberAtLeast(options.exportTriggerRatio, 0, 0.7);
    this.#triggerSize = Math.max(1, Math.floor(this.#maxQueueSize * Math.min(ratio || 0.7, 1)));
    this.#maxQueueBytes = countAtLeastOne(options.maxQueueBytes, 2 ** 25); // 32 MiB
    this.#triggerBytes = Math.max(1, Math.floor(this.#maxQueueBytes * Math.min(ratio || 0.7, 1)));
    this.#scheduleDelay = Math.min(numberAtLeast(options.scheduleDelay, 0, 5000), MAX_TIMER_MS);
    this.#exportTimeoutMillis = Math.min(
      numberAtLeast(options.exportTimeoutMillis, 0, 30_000),
      MAX_TIMER_MS,
    );
    this.#timers = options.timers ?? runtimeKey() !== "workerd";
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
    const deadline = flushDeadline(timeout, this.#exportTimeoutMillis);
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
      const ms = shutdownWaitMs(given, this.#exportTimeoutMillis);
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
    if (this.queueLength >= this.#maxQueueSize) return this.#drops.queueFull();
    const room = this.#maxQueueBytes - this.#queueBytes;
    let size = estimateItemBytes(item, this.#maxQueueBytes);
    if (size > room) {
      // One its exporter cuts anyway is queued as it will be sent, if that fits.
      const compact = compactItem(this.#exporter, item, size);
      if (compact !== undefined) ({ item, bytes: size } = compact);
    }
    if (size > this.#maxQueueBytes) return this.#drops.tooLarge(size, this.#maxQueueBytes);
    if (size > room) return this.#drops.queueFull();
    noteQueuedRedaction(item); // exported under the policy in force now, not a later one
    this.#queue.push(item);
    this.#sizes.push(size);
    this.#queueBytes += size;
    if (this.queueLength >= this.#triggerSize || this.#queueBytes >= this.#triggerBytes) {
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
    if (this.#timers && this.#timer === undefined && this.queueLength > 0 && !this.#closed) {
      this.#timer = runDetached(() =>
        setBackgroundTimer(() => {
          this.#timer = undefined;
          void this.#drain();
        }, this.#scheduleDelay)
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
          const batch = this.#queue.take(Math.min(this.#maxBatchSize, left));
          for (const size of this.#sizes.take(batch.length)) this.#queueBytes -= size;
          left -= batch.length;
          sent += await this.#export(batch, deadline);
        }
        if (!pastDeadline(deadline)) this.#exported += sent;
        if (this.queueLength < this.#maxQueueSize && this.#queueBytes < this.#maxQueueBytes) {
          this.#drops.drained();
        }
        this.#arm();
      })
    );
  }

  /**
   * Exports one batch with controllers of its own, and waits for it until half a second past its
   * deadline (`exportTimeoutMillis` from now without one): an export that never settles (an exporter that
   * ignores its signal) must not hold up the exports after it. One given up on keeps its
   * controllers until it settles, so a shutdown still aborts it. Never rejects. The items the
   * exporter says it gave up on (`lost`), and a batch whose exporter throws or rejects, are
   * counted as failed.
   *
   * @returns How many items it delivered: those of an export that settled in time without an
   *   error, but for the ones the exporter gave up on.
   */
  async #export(batch: (TraceView | SpanView)[], deadline: number | undefined): Promise<number> {
    const stop = this.#stops.open();
    const hurry = this.#hurries.open();
    const release = (): void => {
      this.#stops.release(stop);
      this.#hurries.release(hurry);
    };
    let lost = 0;
    const onLost = (count: number): void => {
      const n = Math.min(Math.floor(numberAtLeast(count, 0, 0)), batch.length - lost);
      lost += n;
      this.#failed += n;
    };
    let settled: Promise<void> | undefined;
    try {
      const result = this.#exporter.export(batch, stop.signal, deadline, hurry.signal, onLost);
      if (!isPromiseLike(result)) return batch.length - lost;
      settled = Promise.resolve(result).finally(release);
      const ms = exportWaitMs(deadline, this.#exportTimeoutMillis);
      if (await settlesWithin(settled, ms)) return batch.length - lost;
      reportExportTimeout(ms, batch.length);
    } catch (error) {
      report(
        "error",
        "agent_export_failed",
        `A trace exporter failed: ${batch.length} traces and spans dropped`,
        error,
      );
      onLost(batch.length);
    } finally {
      if (settled === undefined) release(); // no promise (or a throw): the export is over
    }
    return 0;
  }
}
