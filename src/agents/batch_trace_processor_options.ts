/**
 * The options of a `BatchTraceProcessor`: the OpenAI Agents SDK's names and defaults, and
 * tracelet's own additions.
 *
 * @module
 */

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
