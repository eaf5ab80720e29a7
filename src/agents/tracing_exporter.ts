/**
 * The OpenAI SDKs' `TracingExporter`: what a `BatchTraceProcessor` hands its batches of traces
 * and spans to.
 *
 * @module
 */
import type { SpanView, TraceView } from "./processors.ts";

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
