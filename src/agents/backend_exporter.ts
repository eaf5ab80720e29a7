/**
 * The OpenAI traces backend exporter (the OpenAI Agents SDK's `BackendSpanExporter`): posts trace
 * and span records to `https://api.openai.com/v1/traces/ingest`, so agent-layer traces show up
 * in the OpenAI Traces dashboard.
 *
 * Nothing is sent unless you opt in: tracelet registers no OpenAI processor by itself. Opt in with
 * `addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter()))`.
 *
 * @module
 */
import { peekConfig } from "../config_state.ts";
import { toDeadline } from "../deadline.ts";
import { TracerError } from "../errors.ts";
import { sleep } from "../exporter/_retry.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { MAX_TIMER_MS } from "../processor/_timer.ts";
import { getEnv } from "../runtime/_globals.ts";
import { safeString } from "../safe_string.ts";
import { settlesWithin } from "../settles_within.ts";
import { AbortGroup } from "./_abort_group.ts";
import { attemptBackendPost, isRejection } from "./_backend_attempt.ts";
import { checkBackendEndpoint, endpointSecrets } from "./_backend_endpoint.ts";
import { groupRecords, nonBlank, preparedItem, type RecordRules } from "./_backend_records.ts";
import { registerCompactor } from "./_compact_item.ts";
import { LostItemsWarner } from "./_lost_items_warner.ts";
import type { BackendFetch, BackendSpanExporterOptions } from "./backend_exporter_options.ts";
import { getTracingExportApiKey } from "./provider.ts";

export type { BackendFetch, BackendSpanExporterOptions } from "./backend_exporter_options.ts";

/** The OpenAI traces ingest endpoint (the default). */
export const OPENAI_TRACES_ENDPOINT = "https://api.openai.com/v1/traces/ingest";

/**
 * What the exporter accepts: an agent-layer trace or span (`export()`), or anything with
 * `toJSON()` (an `@openai/agents-core` trace or span). Its own `tracingApiKey`, when set, is used
 * instead of the exporter's key.
 */
export interface ExportableTraceItem {
  /** The backend record, or null/undefined to skip the item. */
  export?(): unknown;
  /** Used when there is no `export()`. */
  toJSON?(): unknown;
  /** The API key this item must be sent with (`@openai/agents-core` traces and spans). */
  readonly tracingApiKey?: string | undefined;
}

/** The default environment reader: the configured one, else the runtime's. */
function defaultEnv(name: string): string | undefined {
  return peekConfig()?.env(name) ?? getEnv(name);
}

/** Whether `endpoint` is {@linkcode OPENAI_TRACES_ENDPOINT}, trailing slashes aside (as in Python). */
function isOfficialEndpoint(endpoint: string): boolean {
  return endpoint.replace(/\/+$/, "") === OPENAI_TRACES_ENDPOINT;
}

/**
 * Posts agent traces and spans to the OpenAI traces backend, grouped by API key, as
 * `{"data": [...]}` with `Authorization: Bearer <key>`, `OpenAI-Beta: traces=v1` and the
 * organization and project headers when set.
 *
 * A request is tried up to `maxRetries` times: 2xx is success, 3xx (redirects are not followed)
 * and 4xx are reported and not retried, 5xx and network errors (a status-0 answer other than a
 * browser's opaque redirect among them) are retried after `baseDelay`, doubled each time (1 s,
 * 2 s, …, capped at `maxDelay`, 30 s, plus up to 10 % jitter).
 * A back-off never outlasts the caller's deadline or abort signal, nor `shutdown()`; when a
 * `BatchTraceProcessor` shuts down with a timeout, back-off ends at once and a failed request is
 * retried without waiting. Without an API key nothing is sent (reported as
 * `openai_export_no_key`). An attempt ends after `attemptTimeoutMillis`, even with a `fetch` that
 * ignores its signal and never settles. The exporter holds no `AbortController` between exports,
 * so one made at a Worker's global scope, or in one request and used in the next, works on
 * Cloudflare Workers. `export()` never rejects;
 * problems are reported through diagnostics (at most once a minute per code, each report after
 * the first with the count of items lost since the previous one), with every key, and the
 * endpoint's query string, replaced by `[REDACTED]`; the items it could not send are told to its
 * `BatchTraceProcessor`, which counts them as `failed` in its flush reports. When it shrinks what
 * it sends (`sanitize`), a `BatchTraceProcessor` with no room for a large item queues the item as
 * it will be sent (redacted and cut) instead of dropping it.
 *
 * @example
 * ```ts
 * import { addTraceProcessor, BackendSpanExporter, BatchTraceProcessor } from "@tracelet/tracelet/agents";
 * // Opt in: agent-layer traces now also go to the OpenAI Traces dashboard (OPENAI_API_KEY).
 * addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter()));
 * ```
 */
export class BackendSpanExporter {
  /** The URL records are posted to. */
  readonly endpoint: string;
  readonly #apiKey: string | undefined;
  readonly #organization: string | undefined;
  readonly #project: string | undefined;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #attemptTimeoutMillis: number;
  /** How each item's record is redacted and sanitized. */
  readonly #records: RecordRules;
  readonly #env: (name: string) => string | undefined;
  readonly #fetch: BackendFetch;
  /**
   * The `stop` controllers of the requests in progress; aborted by `shutdown()`. No controller is
   * made here: workerd refuses one at global scope and ties it to the request that made it.
   */
  readonly #closed = new AbortGroup();
  /** The `hurry` controllers of the requests in progress; aborted by `shutdown(timeout)`. */
  readonly #hurries = new AbortGroup();
  /** The requests in progress (with their retries), which `shutdown(timeout)` waits for. */
  readonly #posts = new Set<Promise<boolean>>();
  /** Set by `shutdown()`: no request starts after it. */
  #closing = false;
  /** Reports lost items at most once a minute per code, every key and the query masked. */
  readonly #lost: LostItemsWarner;

  /**
   * Creates an exporter.
   *
   * @param options Key, endpoint, retry and transport settings.
   * @throws {TracerError} `INVALID_CONFIG` when `endpoint` is not an http(s) URL, or contains a
   *   user name or password (the message shows neither, nor the query string);
   *   `WRONG_RUNTIME` when there is no `fetch`.
   */
  constructor(options: BackendSpanExporterOptions = {}) {
    const endpoint = nonBlank(options.endpoint) ?? OPENAI_TRACES_ENDPOINT;
    checkBackendEndpoint(endpoint);
    const fetcher = options.fetch ?? (typeof fetch === "function" ? fetch.bind(globalThis) : null);
    if (typeof fetcher !== "function") {
      throw new TracerError(
        "WRONG_RUNTIME",
        "Cannot create BackendSpanExporter: no fetch in this runtime; pass options.fetch",
      );
    }
    this.endpoint = endpoint;
    this.#lost = new LostItemsWarner(endpointSecrets(endpoint));
    this.#apiKey = nonBlank(options.apiKey);
    this.#organization = nonBlank(options.organization);
    this.#project = nonBlank(options.project);
    this.#maxAttempts = Math.max(1, Math.floor(numberAtLeast(options.maxRetries, 0, 3)));
    this.#baseDelay = Math.min(numberAtLeast(options.baseDelay, 0, 1000), MAX_TIMER_MS);
    this.#maxDelay = Math.min(numberAtLeast(options.maxDelay, 0, 30_000), MAX_TIMER_MS);
    this.#attemptTimeoutMillis = Math.min(
      numberAtLeast(options.attemptTimeoutMillis, 1, 60_000),
      MAX_TIMER_MS,
    );
    this.#records = {
      sanitize: options.sanitize ?? isOfficialEndpoint(endpoint),
      maxFieldBytes: countAtLeastOne(options.maxFieldBytes, 100_000),
      redaction: options.redaction,
    };
    this.#env = typeof options.env === "function" ? options.env : defaultEnv;
    this.#fetch = fetcher;
    const records = this.#records;
    if (records.sanitize) {
      // Only an item whose input and output may be cut (more than both their bounds) shrinks.
      registerCompactor(
        this,
        (item, bytes) =>
          bytes > 2 * records.maxFieldBytes ? preparedItem(item, records) : undefined,
      );
    }
  }

  /**
   * Posts the records of `items` (items whose record is null or undefined are skipped), one
   * request per API key.
   *
   * @param items Traces and spans.
   * @param signal Aborts requests and back-off (e.g. at shutdown).
   * @param deadline Epoch-ms limit: requests end by then, and no retry starts that would not.
   * @param hurry Ends back-off only (e.g. when a shutdown starts): a failed attempt is retried at
   *   once, up to `maxRetries` attempts, while requests go on until `signal` or the deadline.
   * @param lost Told how many of `items` were not sent (their record could not be made, no API
   *   key, rejected, failed after the retries), as a `BatchTraceProcessor` counts them.
   * @returns Resolves when every request is done or given up; never rejects.
   */
  async export(
    items: readonly ExportableTraceItem[],
    signal?: AbortSignal,
    deadline?: number,
    hurry?: AbortSignal,
    lost?: (count: number) => void,
  ): Promise<void> {
    let accounted = 0; // items sent or told lost
    const lose = (count: number): void => {
      accounted += count;
      try {
        lost?.(count);
      } catch {
        // The caller's counter: its failure is not the export's.
      }
    };
    try {
      const groups = groupRecords(items, this.#records, (why) => {
        this.#lost.lost("openai_export_item", 1, why, "warn");
        lose(1);
      });
      for (const [ownKey, data] of groups) {
        const key = ownKey ?? this.#defaultKey();
        if (key === undefined) {
          this.#lost.lost(
            "openai_export_no_key",
            data.length,
            `OPENAI_API_KEY is not set: ${data.length} trace items not sent to OpenAI ` +
              "(pass apiKey or call setTracingExportApiKey)",
            "warn",
          );
          lose(data.length);
          continue;
        }
        let sent = false;
        try {
          const post = this.#post(key, data, signal, numberAtLeast(deadline, 0, Infinity), hurry);
          this.#posts.add(post);
          sent = await post.finally(() => this.#posts.delete(post));
        } catch (error) {
          const why = `${data.length} trace items not sent to OpenAI: ${safeString(error)}`;
          this.#lost.lost("openai_export_failed", data.length, why, "error", [key]);
        }
        if (sent) accounted += data.length;
        else lose(data.length);
      }
    } catch (error) {
      const left = Math.max(0, (Array.isArray(items) ? items.length : 0) - accounted);
      this.#lost.lost("openai_export_failed", left, `Trace export failed: ${safeString(error)}`);
      lose(left);
    }
  }

  /**
   * Stops sending: no request starts after it (later exports send nothing). Given a timeout, the
   * requests in progress go on until the deadline, a failed attempt retried at once (back-off
   * ends), and are then aborted; without one, every back-off and request in progress ends at once.
   * Idempotent (a later call can only end the wait sooner).
   *
   * @param timeout Time limit in ms, or an epoch-ms deadline (10^12 or more).
   * @returns Resolves when the requests in progress have ended, at the deadline at the latest.
   */
  async shutdown(timeout?: number): Promise<void> {
    this.#closing = true;
    // A deadline that is not a number (NaN, a string) means none: everything ends at once.
    const given = numberAtLeast(toDeadline(timeout), 0, Infinity);
    if (given < Infinity && this.#posts.size > 0) {
      this.#hurries.abort();
      await settlesWithin(Promise.allSettled(this.#posts), given - Date.now());
    }
    this.#closed.abort();
  }

  #defaultKey(): string | undefined {
    return this.#apiKey ?? getTracingExportApiKey() ?? this.#setting("OPENAI_API_KEY");
  }

  #setting(name: string): string | undefined {
    try {
      return nonBlank(this.#env(name));
    } catch {
      return undefined;
    }
  }

  /**
   * One request with its retries; resolves true once delivered, false when given up (then
   * reported: `openai_export_failed`, `openai_export_rejected`).
   */
  async #post(
    key: string,
    data: string[],
    signal: AbortSignal | undefined,
    deadline: number,
    hurry: AbortSignal | undefined,
  ): Promise<boolean> {
    const secrets = [key, this.#apiKey ?? ""];
    const what = `${data.length} trace items`;
    const giveUp = (why: string): false => {
      const message = `${what} not sent to OpenAI: ${why}`;
      this.#lost.lost("openai_export_failed", data.length, message, "error", secrets);
      return false;
    };
    const body = `{"data":[${data.join(",")}]}`;
    const headers: Record<string, string> = {
      "authorization": `Bearer ${key}`,
      "content-type": "application/json",
      "openai-beta": "traces=v1",
    };
    const organization = this.#organization ?? this.#setting("OPENAI_ORG_ID");
    const project = this.#project ?? this.#setting("OPENAI_PROJECT_ID");
    if (organization !== undefined) headers["openai-organization"] = organization;
    if (project !== undefined) headers["openai-project"] = project;
    // Called as a method of the exporter, as a custom fetch always was.
    const send: BackendFetch = (url, init) => this.#fetch(url, init);
    // Aborted by the caller's signal or by shutdown(); ends the attempt and the back-off. Made
    // here, by the request that posts (workerd), and released when the post ends.
    const stop = this.#closed.open();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted || this.#closing) stop.abort();
    // Aborted by `stop`, by `hurry` or by `shutdown(timeout)`: ends the back-off only.
    const rush = this.#hurries.open();
    const backoff = new AbortController();
    const endBackoff = (): void => backoff.abort();
    const hurried = [stop.signal, hurry, rush.signal];
    for (const s of hurried) s?.addEventListener("abort", endBackoff);
    if (hurried.some((s) => s?.aborted)) backoff.abort();
    let delay = this.#baseDelay;
    try {
      for (let attempt = 1;; attempt++) {
        const timeout = Math.min(this.#attemptTimeoutMillis, deadline - Date.now());
        if (stop.signal.aborted) return giveUp("aborted (shutdown or signal)");
        if (timeout <= 0) return giveUp("deadline passed");
        const outcome = await attemptBackendPost({
          fetch: send,
          endpoint: this.endpoint,
          headers,
          body,
          timeout,
          stop: stop.signal,
          secrets,
        });
        if (outcome === "ok") return true;
        if (isRejection(outcome)) {
          const message = `OpenAI rejected ${what} (not retried): ${outcome}`;
          this.#lost.lost("openai_export_rejected", data.length, message, "error", secrets);
          return false;
        }
        if (stop.signal.aborted) return giveUp(`${outcome}; aborted (shutdown or signal)`);
        if (attempt >= this.#maxAttempts) return giveUp(`${outcome} after ${attempt} attempts`);
        const wait = backoff.signal.aborted
          ? 0
          : Math.min(delay * (1 + 0.1 * Math.random()), MAX_TIMER_MS);
        if (Date.now() + wait >= deadline) return giveUp(`${outcome}; no time left to retry`);
        await sleep(wait, backoff.signal);
        if (stop.signal.aborted) return giveUp(`${outcome}; retry aborted (shutdown or signal)`);
        delay = Math.min(delay * 2, this.#maxDelay);
      }
    } finally {
      this.#closed.release(stop);
      this.#hurries.release(rush);
      signal?.removeEventListener("abort", onAbort);
      for (const s of hurried) s?.removeEventListener("abort", endBackoff);
    }
  }
}
