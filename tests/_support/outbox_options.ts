/**
 * The OTLP exporter options the outbox tests share: a loopback receiver's URL, a storage whose
 * outbox keeps undeliverable batches, short retries within an export, and a redelivery backoff of
 * `backoff` ms doubling to ten times that.
 *
 * @module
 */
import type { OtlpExporterOptions } from "../../src/exporter/otlp_factory.ts";
import type { TraceStorage } from "../../src/storage/types.ts";

/**
 * Options of an exporter to `url` with an outbox in `storage`.
 *
 * @param url The receiver's traces URL.
 * @param storage The storage whose outbox parks batches.
 * @param backoff The outbox's first redelivery delay in ms.
 * @param extra Options that replace these.
 * @returns The options for `createOtlpExporter`.
 */
export function outboxExporterOptions(
  url: string,
  storage: TraceStorage,
  backoff: number,
  extra: OtlpExporterOptions = {},
): OtlpExporterOptions {
  return {
    endpoint: url,
    storage,
    retry: { initialDelayMillis: 5, maxDelayMillis: 20, maxAttempts: 2 },
    outboxRetry: { initialDelayMillis: backoff, maxDelayMillis: 10 * backoff },
    timeoutMillis: 3000,
    ...extra,
  };
}
