/**
 * The OTLP/HTTP span exporter: OTLP protobuf bodies (or any injected encoder), gzip, `fetch` with
 * per-attempt timeouts, retries with backoff and `Retry-After` inside one deadline, at most two
 * requests in flight, partial-success accounting, and an optional durable outbox for batches that
 * cannot be delivered now. `export()` never rejects and never creates spans; every span of every
 * batch ends up counted in the returned {@linkcode FlushReport}.
 *
 * This is the raw exporter: it takes resolved settings and reads no environment. Everything
 * optional is injected, so a program bundles only what it uses: `encoder` (`OTLP_JSON_ENCODER`
 * from `encode_json.ts` for OTLP/JSON) and `outbox` (`new OtlpOutbox(storage)`). For the
 * `OTEL_EXPORTER_OTLP_*` variables, `protocol`, the dreadnode endpoint (`server`, `apiKey`,
 * `organization`) and `storage`, use `createOtlpExporter()` from `otlp_factory.ts`, which
 * resolves all of that and builds this exporter.
 *
 * Outcomes: delivered spans are `exported` (and `retried` when it took more than one attempt or
 * request, or came from the outbox); a batch refused as too large (413) is sent again in halves,
 * halved while refused, so only a span too large on its own is dropped as `http_413`; spans the
 * receiver rejected in a partial success are dropped as `partial_success_rejected`; undeliverable
 * batches are parked in the outbox (`persisted`), or, without one, dropped as `http_<status>`,
 * `deadline`, `retries_exhausted`, `aborted` or `shutdown`. An export whose signal is aborted with
 * the reason `"deadline"` (a processor's shutdown deadline) counts as `deadline`, not `aborted`.
 *
 * @module
 */
import type { OtlpEncoder } from "../otlp/encoder.ts";
import { OTLP_PROTOBUF_ENCODER } from "../otlp/encode_protobuf.ts";
import { parseProtobufStatusMessage } from "../otlp/partial_success.ts";
import { addDropped, emptyReport, mergeReport } from "../processor/report.ts";
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { type Compressor, gzipWithCompressionStream } from "./_gzip.ts";
import { backoffDelay, isRetryableStatus, type RetryPolicy, retryPolicy, sleep } from "./_retry.ts";
import { readBodyStart } from "./_read_body.ts";
import { parseRetryAfter } from "./_retry_after.ts";
import { throttledWarner, type Warn } from "./_warn.ts";
import type { FetchLike, OtlpHttpExporterOptions, SendResult } from "./otlp_http_options.ts";
import type { ExportOutbox, OutboxLink } from "./otlp_outbox.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { toDeadline } from "../deadline.ts";
import { safeString } from "../safe_string.ts";
import { utf8Decoder } from "../utf8.ts";
import { checkUrlOption, endpointSecrets } from "./_endpoint_url.ts";
import { MAX_TIMER_MS } from "../processor/_timer.ts";
import { GZIP_MARK } from "./_outbox_encoding.ts";

export type { FetchLike, OtlpHttpExporterOptions, SendResult } from "./otlp_http_options.ts";
export type { Compressor } from "./_gzip.ts";
export type { RetryOptions } from "./_retry.ts";
export type { OtlpEncoder } from "../otlp/encoder.ts";

/** The default OTLP/HTTP traces endpoint (a local collector). */
export const DEFAULT_OTLP_TRACES_URL = "http://localhost:4318/v1/traces";

/**
 * Exports spans over OTLP/HTTP.
 *
 * @example
 * ```ts
 * import { OtlpHttpExporter } from "@tracelet/tracelet";
 * const exporter = new OtlpHttpExporter({ endpoint: "http://127.0.0.1:4318/v1/traces" });
 * const report = await exporter.export([]);
 * console.log(report.exported); // 0
 * await exporter.shutdown();
 * ```
 */
export class OtlpHttpExporter implements SpanExporter {
  /** The traces URL requests go to. */
  readonly url: string;
  readonly #headers: Record<string, string>;
  readonly #fetch: FetchLike;
  readonly #timeoutMillis: number;
  readonly #attemptTimeoutMillis: number;
  readonly #retry: RetryPolicy;
  readonly #maxRequests: number;
  /** Requests in flight; a finished request wakes every attempt waiting for a slot. */
  #requests = 0;
  readonly #waiting: ((value?: unknown) => void)[] = [];
  readonly #encoder: OtlpEncoder;
  readonly #outbox: ExportOutbox | undefined;
  readonly #compress: Compressor | false;
  readonly #warn: Warn;
  readonly #link: OutboxLink;
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;
  /**
   * The attempts a batch gets now: the retry policy's (undefined; 2 with an outbox), or 1 once a
   * batch was parked in the outbox, until one is delivered (a batch that fails then is parked at
   * once, and the outbox retries it with its own backoff). Retrying each batch for seconds while
   * the receiver was down held the batch queue up, which then dropped spans (`queue_full`) the
   * outbox had room for: at 600 spans/s to a closed port, the first batch's six attempts over
   * ~10 s lost 1,820 of 11,940 spans; with an outbox the first batch gets two (about a second).
   */
  #attempts?: 1;
  /**
   * Until this epoch ms, batches are parked in the outbox without an attempt and the outbox is not
   * drained (not by `forceFlush` either): set when a request went unanswered for at least a quarter
   * of the time an attempt gets and its batch was parked, for the export timeout (`#hold`), doubled
   * at each such timeout after it up to a minute (once for exports timing out together; a delivery
   * starts the doubling over); and for the receiver's `Retry-After` (at most a minute) when it gave
   * one. A receiver that takes connections and never answers held each batch for the whole timeout
   * before it was parked, and the batch queue dropped most spans (`queue_full`) meanwhile.
   * When a hang's hold is over, an empty request probes the receiver ({@linkcode #held}).
   */
  #holdUntil = 0;
  #hold?: number;
  /** Ends the probe in flight (a later probe replaces it; shutdown aborts it). */
  #probe?: AbortController;

  /**
   * Creates an exporter from resolved settings. Only the endpoint is checked (`createOtlpExporter()`
   * checks every option, and that this runtime has `fetch`).
   *
   * @param options Endpoint, headers, encoder, outbox and transport settings.
   * @throws {TracerError} `INVALID_CONFIG` when `endpoint` is not an absolute http(s) URL, or has a
   *   user name or password (send credentials in `headers`).
   */
  constructor(options: OtlpHttpExporterOptions = {}) {
    const url = options.endpoint ?? DEFAULT_OTLP_TRACES_URL;
    checkUrlOption("endpoint", url);
    const headers: Record<string, string> = {};
    for (const key in options.headers) headers[key.toLowerCase()] = String(options.headers[key]);
    this.url = url;
    this.#headers = headers;
    this.#fetch = options.fetch ?? fetch.bind(globalThis);
    // Capped where timers still work: every deadline, attempt timeout and backoff is at most this
    // far ahead, and a longer timer delay would fire at once.
    this.#timeoutMillis = Math.min(numberAtLeast(options.timeoutMillis, 0, 10_000), MAX_TIMER_MS);
    this.#attemptTimeoutMillis = numberAtLeast(options.attemptTimeoutMillis, 0, Infinity);
    this.#retry = retryPolicy(options.retry);
    this.#maxRequests = countAtLeastOne(options.maxConcurrentRequests, 2);
    this.#encoder = options.encoder ?? OTLP_PROTOBUF_ENCODER;
    this.#outbox = options.outbox;
    this.#warn = throttledWarner(endpointSecrets(url, headers));
    this.#compress = options.compression != "none" &&
      (options.compress ?? gzipWithCompressionStream);
    this.#link = {
      url,
      // One attempt (the outbox backs off itself), whatever else a custom outbox passes. A body is
      // sent as parked: gzip when its content type is marked so, else as it is.
      send: (body, contentType, deadline, signal) =>
        this.#send(body, contentType, deadline, signal, 1),
      warn: this.#warn,
    };
  }

  /**
   * Exports one batch: drains due outbox entries first, then sends the batch.
   *
   * @param spans The batch.
   * @param options Abort signal (aborted with the reason `"deadline"`, the batch is dropped as
   *   `deadline` rather than `aborted`) and epoch-ms deadline.
   * @returns What happened to every span; never rejects.
   */
  export(spans: readonly SpanRecord[], options: ExportOptions = {}): Promise<FlushReport> {
    return this.#track(this.#export(spans, options));
  }

  /**
   * Delivers whatever is due in the outbox, within `timeoutMillis` and the limit; nothing while
   * batches are held (a request went unanswered, or the receiver sent `Retry-After`). A
   * processor's closing flush (`closing`) tries every batch of an in-memory outbox, due or not,
   * held or not: they would be lost with the process.
   *
   * @param limit An epoch-ms deadline or a timeout in ms (below 10^12), or options with an abort
   *   signal, such a deadline and `closing` (as the processors pass them).
   * @returns The redelivered (exported) and given-up (dropped) counts; never rejects.
   */
  forceFlush(limit: ExportOptions | number = {}): Promise<FlushReport> {
    // A number has no signal: `#drain` reads none from it.
    return this.#track(this.#drain(this.#deadline(limit), limit as ExportOptions, true));
  }

  /**
   * Waits for exports in progress (each ends by its own deadline: at most `timeoutMillis` after
   * it started); later exports only park their batch in the outbox (or drop it as `shutdown`
   * without one). Idempotent.
   *
   * @param _limit Not needed: the exports in progress are bounded already (taken as
   *   {@linkcode OtlpHttpExporter.forceFlush} takes it, for the same signature).
   */
  async shutdown(_limit?: ExportOptions | number): Promise<void> {
    this.#closed = true;
    try {
      this.#probe?.abort();
    } catch {
      // Made by another request (workerd): it ends by its own timeout.
    }
    while (this.#pending.size) await Promise.allSettled(this.#pending);
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#pending.add(promise);
    const done = (): void => void this.#pending.delete(promise);
    promise.then(done, done);
    return promise;
  }

  /**
   * The deadline of an export or a flush: `timeoutMillis` from now, or the limit when sooner. The
   * limit is the options' deadline, or the number itself (`forceFlush(5000)`); either may be a
   * timeout in ms ({@linkcode toDeadline}). Anything else (none, NaN) means none.
   */
  #deadline(limit: ExportOptions | number): number {
    const given = (limit as ExportOptions).deadline ?? limit;
    return Math.min(
      Date.now() + this.#timeoutMillis,
      numberAtLeast(toDeadline(given as number), 0, Infinity),
    );
  }

  async #drain(
    deadline: number,
    options: ExportOptions,
    force: boolean,
    report: FlushReport = emptyReport(),
  ): Promise<FlushReport> {
    // The closing flush of an outbox that ends with the process: its batches get no later chance.
    const all = force && options.closing && this.#outbox?.volatile;
    // Else not while batches are held (the receiver did not answer): the drain would wait as long.
    if (all || !this.#held()) {
      await this.#outbox?.drain(this.#link, deadline, options.signal, report, force, all);
    }
    return report;
  }

  /**
   * Whether batches are held now. When the hold after a request the receiver left unanswered is
   * over, an empty request (no spans) finds out whether it answers again, and batches stay held
   * until it does: a batch sent as the probe held the batch queue up for the whole timeout again,
   * which dropped spans. Any answer ends the hold (`Retry-After` holds for that); none doubles it.
   * A probe that never settles (its Worker invocation ended) is replaced when its time is up.
   */
  #held(): boolean {
    if (Date.now() < this.#holdUntil) return true;
    if (!this.#hold || this.#closed) return false;
    const probe = (this.#probe = new AbortController());
    const encoder = this.#encoder;
    const until = (this.#holdUntil = Date.now() + this.#timeoutMillis);
    // No request slot: a probe whose Worker invocation ended may never settle, and would hold it.
    this.#send(encoder.encode([]), encoder.contentType, until, probe.signal, 1, 0).then(
      (result) => {
        if (probe == this.#probe) {
          this.#holdUntil = Date.now() +
            (result.reason == "timeout"
              ? (this.#hold = Math.min(2 * this.#hold!, 60_000))
              : ((this.#hold = undefined), Math.min(result.retryAfterMillis ?? 0, 60_000)));
        }
      },
    );
    return true;
  }

  /**
   * Exports one batch; `part` marks half of a batch the receiver refused as too large (no outbox
   * drain first, its delivered spans count as retried).
   */
  async #export(
    spans: readonly SpanRecord[],
    options: ExportOptions,
    part?: boolean,
  ): Promise<FlushReport> {
    const report = emptyReport();
    const count = spans.length;
    let accounted = false;
    try {
      const deadline = this.#deadline(options);
      const held = this.#held(); // only with an outbox
      if (!this.#closed && !part) {
        await this.#drain((Date.now() + deadline) / 2, options, false, report);
      }
      if (!count) return report;
      // gzipped once: sent so, and parked so (marked in its content type), never again. When gzip
      // fails, sent (and parked) uncompressed.
      let body = this.#encoder.encode(spans);
      let contentType = this.#encoder.contentType;
      if (this.#compress) {
        try {
          body = await this.#compress(body);
          contentType += GZIP_MARK;
        } catch (error) {
          this.#warn(
            "gzip_failed",
            `OTLP gzip failed, sent uncompressed: ${safeString(error)}`,
          );
        }
      }
      // Halves of a refused batch are part of an export in progress, which shutdown waits for.
      const began = Date.now();
      const heldTill = this.#holdUntil;
      const result = this.#closed && !part
        ? { ok: false, attempts: 0, reason: "shutdown", drop: "shutdown" }
        : held
        ? { ok: false, attempts: 0, reason: "timeout" }
        : await this.#send(
          body,
          contentType,
          deadline,
          options.signal,
          this.#attempts ?? (this.#outbox ? 2 : undefined),
        );
      accounted = true;
      const { partial, reason } = result;
      if (result.ok) {
        const rejected = Math.min(count, partial?.rejectedSpans ?? 0);
        report.exported += count - rejected;
        if (result.attempts > 1 || part) report.retried += count - rejected;
        addDropped(report, "partial_success_rejected", rejected);
        if (partial) {
          this.#warn(
            "export_partial_success",
            `OTLP receiver rejected ${rejected} of ${count} spans: ${partial.errorMessage}`,
          );
        }
      } else if (reason == "http_413" && count > 1) {
        // The receiver (or a proxy before it) refuses a body this large: each half goes in a
        // request of its own, halved again while refused, down to single spans, all within this
        // export's deadline. Dropping the batch would lose spans it accepts in smaller requests.
        this.#warn("export_split", `OTLP receiver refused ${count} spans as too large (413)`);
        const half = count >> 1;
        for (const batch of [spans.slice(0, half), spans.slice(half)]) {
          mergeReport(
            report,
            await this.#export(batch, { ...options, deadline }, true),
          );
        }
      } else {
        // A body of one span refused as too large can never be delivered: dropped, not parked.
        const park = this.#outbox && reason != "http_413";
        if (result.attempts) {
          if (park) {
            // Unanswered for at least a quarter of the time an attempt gets: the receiver hangs
            // (not a request cut short by a caller's tight deadline, nor one never sent). A
            // quarter, as a drain that hung first leaves the batch half the export's time.
            const hung = reason == "timeout" &&
              Date.now() - began >= Math.min(this.#attemptTimeoutMillis, this.#timeoutMillis) / 4;
            // Exports that time out together double the pause once.
            if (hung && (heldTill == this.#holdUntil || !this.#hold)) {
              this.#hold = Math.min(2 * this.#hold! || this.#timeoutMillis, 60_000);
            }
            // The receiver's `Retry-After` (429, 503) holds the next batches too, for at most a
            // minute (the batch it answered waits the whole of it in the outbox). A hold is only
            // ever extended; a delivery (`#send`) starts the doubling over.
            this.#holdUntil = Math.max(
              this.#holdUntil,
              Date.now() + Math.max(
                hung ? this.#hold! : 0,
                Math.min(result.retryAfterMillis ?? 0, 60_000),
              ),
            );
          }
        }
        const persisted = report.persisted;
        if (park) {
          this.#attempts = 1;
          // An outbox that does not answer cannot hold the export: `OtlpOutbox` waits for the write
          // until the deadline (at least a second), as for the drain above until halfway.
          await this.#outbox.park(
            this.#link,
            { body, contentType, spanCount: count, reason },
            result.retryAfterMillis,
            report,
            deadline,
          );
        } else addDropped(report, result.drop!, count);
        // Parked only when the outbox kept it (not when it could not be written).
        const parked = report.persisted > persisted;
        if (result.attempts) {
          this.#warn(
            parked ? "export_parked" : "export_failed",
            `${count} spans ${parked ? "parked for redelivery" : "not delivered"}: ${reason}${
              result.detail ? ` (${result.detail})` : ""
            }`,
          );
        }
      }
    } catch (error) {
      if (!accounted) report.failed += count;
      this.#warn("export_failed", `${count} spans not exported: ${safeString(error)}`);
    }
    return report;
  }

  /**
   * Sends one body (with `Content-Encoding: gzip` when its content type is marked gzip), in
   * attempts with backoff (or the server's `Retry-After`) while attempts and the deadline allow.
   * A `Retry-After` that would end past the deadline stops the retries at once (the batch is kept
   * for later instead of hammering the server). Each attempt takes `slots` of the
   * `maxConcurrentRequests` (the probe: none). Never rejects.
   */
  async #send(
    body: Uint8Array,
    contentType: string,
    deadline: number,
    signal: AbortSignal | undefined,
    maxAttempts = Infinity,
    slots = 1,
  ): Promise<SendResult> {
    // A body parked gzip is marked so in its content type (see `#export`).
    const headers: Record<string, string> = {
      ...this.#headers,
      "content-type": contentType.replace(GZIP_MARK, ""),
    };
    if (contentType.endsWith(GZIP_MARK)) headers["content-encoding"] = "gzip";
    const max = Math.min(maxAttempts, this.#retry.maxAttempts);
    let attempts = 0;
    let reason = "aborted";
    let retryable = true;
    let retryAfterMillis: number | undefined;
    let detail: string | undefined;
    const fail = (drop: string): SendResult => ({
      ok: false,
      attempts,
      reason,
      drop,
      retryable,
      retryAfterMillis,
      detail,
    });
    while (!signal?.aborted) {
      attempts++;
      let status = 0;
      let bytes: Uint8Array | undefined;
      let response: Response | undefined;
      reason = "timeout";
      detail = undefined;
      const timeout = Math.min(this.#attemptTimeoutMillis, deadline - Date.now());
      if (timeout > 0) {
        // Aborted with the reason it ends with: "timeout" by the timer, "aborted" by the caller.
        // That also ends a wait for a request slot (the attempt then sends nothing).
        const controller = new AbortController();
        const { signal: stop } = controller;
        const timer = setTimeout(() => controller.abort("timeout"), timeout);
        const onAbort = (): void => controller.abort("aborted");
        signal?.addEventListener("abort", onAbort);
        try {
          // Every finished request wakes every waiter; the first to run takes the slot.
          while (slots && this.#requests >= this.#maxRequests && !stop.aborted) {
            await new Promise((wake) => {
              this.#waiting.push(wake);
              stop.addEventListener("abort", wake);
            });
          }
          this.#requests += slots; // released in `finally`, so counted even when aborted just now
          stop.throwIfAborted();
          // Raced against `stop`: a custom fetch that ignores its signal (a wrapper that drops
          // it) cannot hold the attempt, or its request slot, past its time. Made after the
          // check above, so it only rejects while raced.
          const stopped = new Promise<never>((_, reject) =>
            stop.addEventListener("abort", () => reject(stop.reason))
          );
          response = await Promise.race([
            stopped,
            this.#fetch(this.url, {
              method: "POST",
              headers,
              body: body as Uint8Array<ArrayBuffer>,
              // A redirect is a failure: followed, a 301/302 re-sent the POST as an empty GET that
              // could answer 2xx (spans counted exported, none delivered) and took the headers
              // (an x-api-key) to another origin.
              redirect: "manual",
              signal: stop,
            }),
          ]);
          // The first 1 MiB, not a body of any size.
          bytes = await Promise.race([stopped, readBodyStart(response, stop)]);
          // A browser's redirect not followed is an opaque redirect (status 0): a failure, not
          // retried, as a 3xx. Any other status 0 (`Response.error()` from a custom fetch) is a
          // network error, retried.
          status = response.type == "opaqueredirect" ? 300 : response.status;
          reason = status ? `http_${response.status || "redirect"}` : "network";
        } catch (error) {
          reason = stop.aborted ? stop.reason : "network";
          detail = safeString(error);
        } finally {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.#requests -= slots;
          for (const wake of this.#waiting.splice(0)) wake();
        }
      }
      if (status >= 200 && status < 300) {
        // Delivered (a batch, or an outbox entry): the receiver is back.
        this.#attempts = this.#hold = undefined;
        return { ok: true, attempts, reason, partial: this.#encoder.parseResponse?.(bytes!) };
      }
      if (reason == "aborted") break;
      // As received (up to 1 MiB, far past the 600 characters a diagnostic keeps): the warner
      // masks secrets before it cuts the message and collapses its whitespace and control
      // characters. A protobuf google.rpc.Status gives its message.
      detail ??= (parseProtobufStatusMessage(bytes!) || utf8Decoder.decode(bytes)).trim() ||
        undefined;
      retryable = !status || isRetryableStatus(status);
      if (!retryable) return fail(reason);
      retryAfterMillis = parseRetryAfter(response?.headers.get("retry-after"), Date.now());
      if (attempts >= max) return fail("retries_exhausted");
      // Retry-After is a lower bound: `0` or a past date does not turn the backoff off.
      const delay = Math.max(retryAfterMillis ?? 0, backoffDelay(attempts, this.#retry));
      if (Date.now() + delay >= deadline) return fail("deadline");
      if (!(await sleep(delay, signal))) break;
    }
    // Aborted by the caller (the signal); a processor's shutdown aborts with "deadline".
    return fail(signal!.reason == "deadline" ? "deadline" : reason = "aborted");
  }
}
