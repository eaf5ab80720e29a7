/**
 * An OTLP exporter to a test receiver with a memory outbox, for the outbox outage and hold tests.
 *
 * @module
 */
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import type { OtlpHttpExporter } from "../../src/exporter/otlp_http.ts";
import type { FlushReport } from "../../src/types.ts";
import type { RetryOptions } from "../../src/exporter/_retry.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { OtlpReceiver } from "./otlp_receiver.ts";
import { makeSpanBatch } from "./span_records.ts";

/**
 * An exporter to `receiver` with a memory outbox whose batches are not due again in a test (unless
 * `outboxDelayMillis` says otherwise).
 *
 * @param receiver The loopback receiver.
 * @param options Retry policy, export timeout (default 5 s) and outbox redelivery delay.
 * @returns The storage holding the outbox, and the exporter.
 */
export function outboxExporter(
  receiver: OtlpReceiver,
  options: { retry?: RetryOptions; timeoutMillis?: number; outboxDelayMillis?: number },
): { storage: MemoryStorage; exporter: OtlpHttpExporter } {
  const storage = new MemoryStorage();
  const exporter = createOtlpExporter({
    endpoint: receiver.url,
    storage,
    retry: options.retry,
    outboxRetry: { initialDelayMillis: options.outboxDelayMillis ?? 60_000 },
    timeoutMillis: options.timeoutMillis ?? 5000,
  });
  return { storage, exporter };
}

/** What one export did: the requests the receiver saw for it, and its report. */
export interface ExportOutcome {
  /** Requests the export made. */
  readonly attempted: number;
  /** The export's report. */
  readonly report: FlushReport;
}

/**
 * Exports through `exporter` a batch of `spans` spans after planning the receiver's answers.
 *
 * @param receiver The loopback receiver.
 * @param exporter The exporter sending to it.
 * @param spans Spans a batch (default 2).
 * @returns A function taking the answers to plan (none: the receiver's 200).
 */
export function exportsTo(
  receiver: OtlpReceiver,
  exporter: OtlpHttpExporter,
  spans = 2,
): (...plan: Parameters<OtlpReceiver["plan"]>) => Promise<ExportOutcome> {
  return async (...plan) => {
    receiver.plan(...plan);
    const before = receiver.requests.length;
    const report = await exporter.export(makeSpanBatch(spans));
    return { attempted: receiver.requests.length - before, report };
  };
}
