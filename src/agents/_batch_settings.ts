/**
 * The settings a `BatchTraceProcessor` runs with: its {@linkcode BatchTraceProcessorOptions} read
 * with their defaults (the OpenAI Agents SDK's, and tracelet's own), a bad value meaning the
 * default, and every delay capped at what a timer can wait.
 *
 * @internal
 * @module
 */
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { MAX_TIMER_MS } from "../processor/_timer.ts";
import { runtimeKey } from "../runtime/_globals.ts";
import type { BatchTraceProcessorOptions } from "./batch_trace_processor_options.ts";

/**
 * The settings of a `BatchTraceProcessor`, defaults applied.
 *
 * @internal
 */
export interface BatchSettings {
  /** Most traces and spans waiting. */
  readonly maxQueueSize: number;
  /** Most estimated bytes of the traces and spans waiting. */
  readonly maxQueueBytes: number;
  /** Estimated bytes waiting that trigger an export without waiting. */
  readonly triggerBytes: number;
  /** Most items per export (at most `maxQueueSize`). */
  readonly maxBatchSize: number;
  /** Items waiting that trigger an export without waiting. */
  readonly triggerSize: number;
  /** Delay before queued items are exported, in ms. */
  readonly scheduleDelay: number;
  /** Longest flush, shutdown and export without a deadline, in ms. */
  readonly exportTimeoutMillis: number;
  /** Whether to export on a timer. */
  readonly timers: boolean;
}

/**
 * Reads a `BatchTraceProcessor`'s options.
 *
 * @param options The options as given.
 * @returns The settings to run with.
 * @internal
 */
export function batchSettings(options: BatchTraceProcessorOptions): BatchSettings {
  // The options are read in this order, once each (as the processor always read them).
  const maxQueueSize = countAtLeastOne(options.maxQueueSize, 8192);
  const maxBatchSize = Math.min(countAtLeastOne(options.maxBatchSize, 128), maxQueueSize);
  const share = Math.min(numberAtLeast(options.exportTriggerRatio, 0, 0.7) || 0.7, 1);
  const maxQueueBytes = countAtLeastOne(options.maxQueueBytes, 2 ** 25); // 32 MiB
  return {
    maxQueueSize,
    maxQueueBytes,
    triggerBytes: Math.max(1, Math.floor(maxQueueBytes * share)),
    maxBatchSize,
    triggerSize: Math.max(1, Math.floor(maxQueueSize * share)),
    scheduleDelay: Math.min(numberAtLeast(options.scheduleDelay, 0, 5000), MAX_TIMER_MS),
    exportTimeoutMillis: Math.min(
      numberAtLeast(options.exportTimeoutMillis, 0, 30_000),
      MAX_TIMER_MS,
    ),
    timers: options.timers ?? runtimeKey() !== "workerd",
  };
}
