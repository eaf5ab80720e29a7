/**
 * The OTLP/HTTP span exporter: OTLP protobuf (default) or JSON bodies, gzip, `fetch` with
 * per-attempt timeouts, retries with backoff and `Retry-After` inside one deadline, at most two
 * requests in flight, partial-success accounting, and a durable outbox in the storage adapter for
 * batches that cannot be delivered now. `export()` never rejects and never creates spans; every
 * span of every batch ends up counted in the returned {@linkcode FlushReport}.
 *
 * Outcomes: delivered spans are `exported` (and `retried` when it took more than one attempt or
 * came from the outbox); spans the receiver rejected in a partial success are dropped as
 * `partial_success_rejected`; undeliverable batches are `persisted` to the outbox (reason and
 * not-before time stored; headers are never stored, they are re-applied at send time), or, with
 * no storage, dropped as `http_<status>`, `deadline`, `retries_exhausted` or `aborted`; outbox
 * evictions are dropped as `outbox_full`.
 *
 * @module
 */
import { report as diagnose } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { encodeTracesJson, JSON_CONTENT_TYPE } from "../otlp/encode_json.ts";
import { encodeTracesProtobuf, PROTOBUF_CONTENT_TYPE } from "../otlp/encode_protobuf.ts";
import type { EnvReader } from "../otlp/resource.ts";
import { addDropped, emptyReport } from "../processor/report.ts";
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import type { OutboxEntry, TraceStorage } from "../storage/types.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { VERSION } from "../version.ts";
import { type Compressor, defaultGzip, toPayload } from "./_gzip.ts";
import { type OtlpConfig, type OtlpConfigOptions, resolveOtlpConfig } from "./_otlp_config.ts";
import {
  dropReasonOf,
  type FetchLike,
  send,
  type SendResult,
  type Transport,
} from "./_otlp_send.ts";
import {
  destinationTag,
  drainOutbox,
  type OutboxRetryOptions,
  type OutboxRetryPolicy,
  outboxRetryPolicy,
  parkBatch,
} from "./_outbox.ts";
import { Limiter, type RetryOptions, retryPolicy } from "./_retry.ts";
import { ThrottledWarner } from "./_warn.ts";

export { resolveOtlpConfig, resolveTraceBackend } from "./_otlp_config.ts";
export type {
  BackendCredentials,
  OtlpCompression,
  OtlpConfig,
  OtlpConfigOptions,
  OtlpProtocol,
  TraceBackend,
} from "./_otlp_config.ts";
export type { Compressor } from "./_gzip.ts";
export type { FetchLike } from "./_otlp_send.ts";
export type { OutboxRetryOptions } from "./_outbox.ts";
export type { RetryOptions } from "./_retry.ts";

/** Options of {@linkcode OtlpHttpExporter}. */
export interface OtlpHttpExporterOptions extends OtlpConfigOptions {
  /** Environment reader for `OTEL_EXPORTER_OTLP_*` (presets pass one); none by default. */
  env?: EnvReader;
  /** Storage whose outbox keeps undeliverable batches; without it they are dropped and counted. */
  storage?: TraceStorage;
  /** gzip codec; default `CompressionStream("gzip")` (uncompressed, reported once, where missing). */
  compress?: Compressor;
  /** The fetch used for export requests. Default: the global `fetch` at construction time. */
  fetch?: FetchLike;
  /** Retry backoff within one export. */
  retry?: RetryOptions;
  /** Upper bound of one HTTP attempt in ms. Default: the whole remaining export time. */
  attemptTimeoutMillis?: number;
  /** Requests in flight at most. Default 2. */
  maxConcurrentRequests?: number;
  /** Outbox redelivery backoff (default 5 s doubling to 1 h, 20 attempts). */
  outbox?: OutboxRetryOptions;
}

const RECHECK_MILLIS = 30_000;

/**
 * Exports spans over OTLP/HTTP.
 *
 * @example
 * ```ts
 * import { OtlpHttpExporter } from "./otlp_http.ts";
 * const exporter = new OtlpHttpExporter({ endpoint: "http://127.0.0.1:4318/v1/traces" });
 * const report = await exporter.export([]);
 * console.log(report.exported); // 0
 * await exporter.shutdown();
 * ```
 */
export class OtlpHttpExporter implements SpanExporter {
  readonly #config: OtlpConfig;
  readonly #transport: Transport;
  readonly #storage: TraceStorage | undefined;
  readonly #compress: Compressor | undefined;
  readonly #outboxPolicy: OutboxRetryPolicy;
  readonly #pending = new Set<Promise<unknown>>();
  readonly #warner: ThrottledWarner;
  readonly #destination: string;
  #nextDrainAt = 0;
  #draining: Promise<void> | undefined;
  #closed = false;

  /**
   * @param options Endpoint, protocol, storage and transport settings.
   * @throws {TracerError} For an invalid explicit option, or no `fetch` on this runtime
   *   (configuration time, never in export).
   */
  constructor(options: OtlpHttpExporterOptions = {}) {
    this.#config = resolveOtlpConfig(options, options.env);
    this.#warner = new ThrottledWarner(this.#config.secrets);
    this.#destination = destinationTag(this.#config.url);
    const globalFetch = (globalThis as { fetch?: FetchLike }).fetch;
    if (options.fetch === undefined && typeof globalFetch !== "function") {
      throw new TracerError(
        "WRONG_RUNTIME",
        "Cannot export over OTLP/HTTP: this runtime has no fetch; pass the `fetch` option",
      );
    }
    const fetchImpl = options.fetch ?? (globalFetch as FetchLike).bind(globalThis);
    this.#transport = {
      fetch: fetchImpl,
      url: this.#config.url,
      headers: { "user-agent": `tracelet/${VERSION}`, ...this.#config.headers },
      limiter: new Limiter(options.maxConcurrentRequests ?? 2),
      retry: retryPolicy(options.retry),
      attemptTimeoutMillis: options.attemptTimeoutMillis ?? Infinity,
    };
    this.#storage = options.storage;
    this.#compress = this.#config.compression === "gzip"
      ? (options.compress ?? defaultGzip())
      : undefined;
    if (this.#config.compression === "gzip" && this.#compress === undefined) {
      diagnose(
        "warn",
        "no_gzip",
        "Cannot gzip OTLP requests: CompressionStream is missing; sending uncompressed",
      );
    }
    this.#outboxPolicy = outboxRetryPolicy(options.outbox);
  }

  /** The traces URL requests go to. */
  get url(): string {
    return this.#config.url;
  }

  /**
   * Exports one batch: drains due outbox entries first, then sends the batch.
   *
   * @param spans The batch.
   * @param options Abort signal and epoch-ms deadline.
   * @returns What happened to every span; never rejects.
   */
  export(spans: readonly SpanRecord[], options: ExportOptions = {}): Promise<FlushReport> {
    return this.#track(this.#export(spans, options));
  }

  /**
   * Delivers whatever is due in the outbox.
   *
   * @param options Abort signal and epoch-ms deadline.
   * @returns The redelivered (exported) and given-up (dropped) counts; never rejects.
   */
  forceFlush(options: ExportOptions = {}): Promise<FlushReport> {
    const report = emptyReport();
    return this.#track(
      this.#drain(this.#deadline(options), options.signal, report, true).then(() => report),
    );
  }

  /**
   * Waits for exports in progress; later exports only park their batch in the outbox (or drop it
   * as `shutdown` without storage). Idempotent.
   *
   * @param _options Unused (in-flight exports are already bounded by their deadlines).
   */
  async shutdown(_options: ExportOptions = {}): Promise<void> {
    this.#closed = true;
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const done = (): void => void this.#pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  #deadline(options: ExportOptions): number {
    return Math.min(Date.now() + this.#config.timeoutMillis, options.deadline ?? Infinity);
  }

  async #export(spans: readonly SpanRecord[], options: ExportOptions): Promise<FlushReport> {
    const report = emptyReport();
    const count = spans.length;
    let accounted = false;
    try {
      const deadline = this.#deadline(options);
      if (this.#storage !== undefined && !this.#closed && Date.now() >= this.#nextDrainAt) {
        await this.#drain(Date.now() + (deadline - Date.now()) / 2, options.signal, report, false);
      }
      if (count === 0) return report;
      const json = this.#config.protocol === "http/json";
      const body = json ? encodeTracesJson(spans) : encodeTracesProtobuf(spans);
      const contentType = json ? JSON_CONTENT_TYPE : PROTOBUF_CONTENT_TYPE;
      if (this.#closed) {
        accounted = true;
        await this.#park(body, contentType, count, "shutdown", "shutdown", undefined, report);
        return report;
      }
      const result = await this.#send(body, contentType, deadline, options.signal, Infinity);
      accounted = true;
      if (result.ok) {
        this.#delivered(count, result, report);
      } else {
        this.#warn(
          "export_failed",
          `Cannot deliver ${count} spans to the OTLP endpoint: ${result.reason}` +
            (result.detail ? ` (${result.detail})` : ""),
        );
        const { reason, retryAfterMillis } = result;
        await this.#park(
          body,
          contentType,
          count,
          reason,
          dropReasonOf(result),
          retryAfterMillis,
          report,
        );
      }
    } catch (error) {
      if (!accounted) report.failed += count;
      this.#warn(
        "export_failed",
        `Cannot export ${count} spans: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    return report;
  }

  async #send(
    body: Uint8Array,
    contentType: string,
    deadline: number,
    signal: AbortSignal | undefined,
    maxAttempts: number,
  ): Promise<SendResult> {
    const payload = await toPayload(body, this.#compress);
    if (payload.error !== undefined) {
      this.#warn(
        "gzip_failed",
        `Cannot gzip an OTLP request, sending it uncompressed: ${String(payload.error)}`,
      );
    }
    const { bytes, gzip } = payload;
    return await send(this.#transport, {
      body: bytes,
      contentType,
      gzip,
      deadline,
      signal,
      maxAttempts,
    });
  }

  #delivered(count: number, result: SendResult & { ok: true }, report: FlushReport): void {
    const rejected = Math.min(count, result.partial?.rejectedSpans ?? 0);
    report.exported += count - rejected;
    if (result.attempts > 1) report.retried += count - rejected;
    addDropped(report, "partial_success_rejected", rejected);
    if (result.partial !== undefined) {
      this.#warn(
        "export_partial_success",
        `The OTLP receiver rejected ${rejected} of ${count} spans: ${result.partial.errorMessage}`,
      );
    }
  }

  async #park(
    body: Uint8Array,
    contentType: string,
    count: number,
    reason: string,
    dropReason: string,
    retryAfterMillis: number | undefined,
    report: FlushReport,
  ): Promise<void> {
    if (this.#storage === undefined) {
      addDropped(report, dropReason, count);
      return;
    }
    const batch = { body, contentType, spanCount: count, reason };
    const parked = await parkBatch(
      this.#storage.outbox,
      batch,
      this.#destination,
      retryAfterMillis,
      this.#outboxPolicy,
      report,
    );
    if (parked.notBefore !== undefined) {
      this.#nextDrainAt = Math.min(this.#nextDrainAt, parked.notBefore);
    }
    if (parked.problem !== undefined) this.#warn(parked.problem.code, parked.problem.message);
  }

  async #drain(
    deadline: number,
    signal: AbortSignal | undefined,
    report: FlushReport,
    wait: boolean,
  ): Promise<void> {
    const storage = this.#storage;
    if (storage === undefined) return;
    if (this.#draining !== undefined) {
      if (wait) await this.#draining;
      return;
    }
    const run = async (): Promise<void> => {
      try {
        const nextDue = await drainOutbox({
          outbox: storage.outbox,
          deliver: (entry: OutboxEntry, type: string) =>
            this.#send(entry.body, type, deadline, signal, 1),
          destination: this.#destination,
          policy: this.#outboxPolicy,
          deadline,
          signal,
          report,
          onProblem: (code, message) => this.#warn(code, message),
        });
        this.#nextDrainAt = Math.min(nextDue, Date.now() + RECHECK_MILLIS);
      } catch (error) {
        this.#nextDrainAt = Date.now() + this.#outboxPolicy.initialBackoffMillis;
        this.#warn("outbox_failed", `Cannot read the export outbox: ${String(error)}`);
      }
    };
    this.#draining = run();
    try {
      await this.#draining;
    } finally {
      this.#draining = undefined;
    }
  }

  #warn(code: string, message: string): void {
    this.#warner.warn(code, message);
  }
}
