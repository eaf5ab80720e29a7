/**
 * The OTLP/HTTP exporter's option and result types, apart from the exporter (`otlp_http.ts`),
 * which re-exports them: the outbox modules and the presets read these types without the
 * exporter's code.
 *
 * @module
 */
import type { OtlpEncoder } from "../otlp/encoder.ts";
import type { PartialSuccess } from "../otlp/partial_success.ts";
import type { Compressor } from "./_gzip.ts";
import type { OtlpCompression } from "./_otlp_config.ts";
import type { RetryOptions } from "./_retry.ts";
import type { ExportOutbox } from "./otlp_outbox.ts";

/** The subset of `fetch` the exporter uses (inject an un-instrumented one if needed). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** The outcome of sending one body (retries included). */
export interface SendResult {
  /** True when the receiver accepted the body (2xx). */
  readonly ok: boolean;
  /** Attempts made (1 = no retry). */
  readonly attempts: number;
  /** The last outcome: `http_<status>`, `timeout`, `network` or `aborted`. */
  readonly reason: string;
  /**
   * The reason spans are dropped under when there is no outbox: the status for a non-retryable
   * answer (`http_400`), else why retrying stopped (`deadline`, `retries_exhausted`,
   * `aborted`).
   */
  readonly drop?: string;
  /** Whether the last failure was a retryable one (the server may accept it later). */
  readonly retryable?: boolean;
  /** The server's `Retry-After`, in ms, when it sent one. */
  readonly retryAfterMillis?: number;
  /** A short description for diagnostics (may contain server text; masked before reporting). */
  readonly detail?: string;
  /** What the receiver rejected from an accepted body, if anything. */
  readonly partial?: PartialSuccess;
}

/** Options of {@linkcode OtlpHttpExporter}: resolved settings, no environment. */
export interface OtlpHttpExporterOptions {
  /**
   * Full traces URL (used as is): an absolute http(s) URL without a user name or password (send
   * credentials in `headers`), else the constructor throws. Default
   * `http://localhost:4318/v1/traces`.
   */
  endpoint?: string | undefined;
  /**
   * Request headers (keys are lower-cased). Their values never appear in diagnostics. None by
   * default (`createOtlpExporter()` adds `user-agent: tracelet/<version>` outside browsers).
   */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Body compression. Default `gzip`. */
  compression?: OtlpCompression | undefined;
  /** Time limit of one export, retries included, in ms (at most 2^31 - 1). Default 10 000. */
  timeoutMillis?: number | undefined;
  /** Body encoding. Default OTLP/protobuf; pass `OTLP_JSON_ENCODER` for OTLP/JSON. */
  encoder?: OtlpEncoder | undefined;
  /**
   * Keeps undeliverable batches (`new OtlpOutbox(storage)`); without it they are dropped. With it,
   * after a request goes unanswered the next batches are parked without an attempt for
   * `timeoutMillis` (doubled at each timeout after it, up to a minute; a delivery starts the
   * doubling over), and for a receiver's `Retry-After` (at most a minute).
   */
  outbox?: ExportOutbox | undefined;
  /**
   * gzip codec; default `CompressionStream("gzip")`. A batch is compressed once: sent, and parked
   * in the outbox, as gzip. Where it is missing or fails, the body goes (and is parked)
   * uncompressed and a throttled `gzip_failed` warning is reported.
   */
  compress?: Compressor | undefined;
  /** The fetch used for export requests. Default: the global `fetch` at construction time. */
  fetch?: FetchLike | undefined;
  /** Retry backoff within one export. */
  retry?: RetryOptions | undefined;
  /** Upper bound of one HTTP attempt in ms. Default: the whole remaining export time. */
  attemptTimeoutMillis?: number | undefined;
  /** Requests in flight at most. Default 2. */
  maxConcurrentRequests?: number | undefined;
}
