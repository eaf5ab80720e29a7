/**
 * The options of a `BatchSpanProcessor` and the OpenAI Agents SDK's values for them.
 *
 * @module
 */

/** Options of `BatchSpanProcessor`. Defaults follow OpenTelemetry's batch processor. */
export interface BatchSpanProcessorOptions {
  /** Maximum spans waiting in the queue. Default 2048. */
  maxQueueSize?: number | undefined;
  /** Maximum estimated bytes of spans waiting in the queue. Default 16 MiB. */
  maxQueueBytes?: number | undefined;
  /** Maximum spans per export. Default 512. */
  maxExportBatchSize?: number | undefined;
  /**
   * Queue length that triggers an export without waiting for the timer. Default
   * `maxExportBatchSize`.
   */
  exportTriggerSize?: number | undefined;
  /** Delay before queued spans are exported, in ms (at most 2^31 - 1). Default 5000. */
  scheduledDelayMillis?: number | undefined;
  /** Time budget of one flush, in ms. Default 30000. */
  exportTimeoutMillis?: number | undefined;
  /** Whether to use timers at all; Workers presets turn them off. Default true. */
  timers?: boolean | undefined;
  /**
   * Which span to give up on when the queue is full: `"newest"` (the default) keeps what was
   * already accepted; `"oldest"` keeps the most recent data, like OpenTelemetry's queue.
   */
  dropPolicy?: "newest" | "oldest" | undefined;
}

/** The OpenAI Agents SDK's batch defaults: 8192 queued, batches of 128, 5 s, trigger at 70 %. */
export const OPENAI_BATCH_DEFAULTS: Readonly<BatchSpanProcessorOptions> = /* @__PURE__ */ Object
  .freeze({
    maxQueueSize: 8192,
    maxExportBatchSize: 128,
    scheduledDelayMillis: 5000,
    exportTriggerSize: 5734, // 70 % of the queue
  });
