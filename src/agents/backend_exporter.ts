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
import { sleep } from "../exporter/_retry.ts";
import { readBodyStart } from "../exporter/_read_body.ts";
import { maskSecrets, throttledWarner, type Warn } from "../exporter/_warn.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { isObject } from "../option_rules.ts";
import { MAX_TIMER_MS } from "../processor/_timer.ts";
import { getEnv } from "../runtime/_globals.ts";
import { safeString } from "../safe_string.ts";
import { settlesWithin } from "../settles_within.ts";
import { utf8Decoder } from "../utf8.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import type { JsonValue } from "../serialize/types.ts";
import { AbortGroup } from "./_abort_group.ts";
import { queuedRedaction } from "./_queued_policy.ts";
import { sanitizeForBackend } from "./_sanitize.ts";
import { getTracingExportApiKey } from "./provider.ts";

/** The OpenAI traces ingest endpoint (the default). */
export const OPENAI_TRACES_ENDPOINT = "https://api.openai.com/v1/traces/ingest";

/** The subset of `fetch` the exporter uses. */
export type BackendFetch = (url: string, init: RequestInit) => Promise<Response>;

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
  readonly tracingApiKey?: string;
}

/** Options of {@linkcode BackendSpanExporter}. Every one is optional. */
export interface BackendSpanExporterOptions {
  /**
   * The API key. Default: the key set with `setTracingExportApiKey`, else the `OPENAI_API_KEY`
   * environment variable (read at each export). Never written to diagnostics.
   */
  apiKey?: string | undefined;
  /** Sent as `OpenAI-Organization`. Default: the `OPENAI_ORG_ID` environment variable. */
  organization?: string | undefined;
  /** Sent as `OpenAI-Project`. Default: the `OPENAI_PROJECT_ID` environment variable. */
  project?: string | undefined;
  /** Where records are posted. Default {@linkcode OPENAI_TRACES_ENDPOINT}. */
  endpoint?: string | undefined;
  /**
   * Attempts per request, the first included (3xx and 4xx answers are never retried); 0 also means one
   * attempt, as in the OpenAI Agents SDK. Default 3.
   */
  maxRetries?: number | undefined;
  /** Delay before the first retry in ms; doubled after each retry, plus 0–10 % jitter. Default 1000. */
  baseDelayMs?: number | undefined;
  /** Upper bound of the doubled delay in ms. Default 30000. */
  maxDelayMs?: number | undefined;
  /**
   * Time limit of one HTTP attempt in ms, its body included: the request is then aborted, and
   * given up on even if a custom `fetch` ignores its signal; it counts as a failed attempt (retried
   * as a network error is). Default 60000.
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Shrink records to what the backend accepts: `span_data.input` / `output` cut to
   * `maxFieldBytes`, `usage` kept only on generation spans, as finite `input_tokens` /
   * `output_tokens` with the other keys under `details`. Default: only when posting to
   * {@linkcode OPENAI_TRACES_ENDPOINT} (with or without a trailing slash).
   */
  sanitize?: boolean | undefined;
  /** Most UTF-8 bytes of compact JSON of `input` and of `output` when sanitizing. Default 100000. */
  maxFieldBytes?: number | undefined;
  /**
   * Reads environment variables. Default: the environment `configure()` was given, else
   * `process.env` / `Deno.env`. On Workers pass `(name) => env[name]` for your bindings.
   */
  env?: ((name: string) => string | undefined) | undefined;
  /** The fetch used for requests (e.g. an un-instrumented one, or a fake in tests). */
  fetch?: BackendFetch | undefined;
  /**
   * The redaction applied to every record before it leaves the process: values under sensitive
   * keys (`api_key`, `authorization`, …, also inside JSON strings) are masked, and a span's error
   * message is free text (`RedactionPolicy.redactText`: `failed: {"api_key":…}` is masked too);
   * string lengths are left to `sanitize`. Default: the process-wide policy
   * (`configure({ redaction })` / `setRedactionPolicy`) in force when the item was queued (by a
   * `BatchTraceProcessor`), else when it is exported: a record queued before a reconfiguration
   * keeps the policy it was queued under. `false` posts the records as given.
   */
  redaction?: RedactionPolicy | false | undefined;
}

/**
 * A record with sensitive values masked; a span's `error.message` is redacted as free text, since
 * an error's message may embed a JSON body that echoes a secret (`failed: {"api_key":…}`).
 */
function redactRecord(record: unknown, policy: RedactionPolicy): unknown {
  const out = policy.redactValue(record as JsonValue, { truncate: false });
  if (!isObject(out) || !isObject(out.error) || typeof out.error.message !== "string") return out;
  const message = policy.redactText(out.error.message, { truncate: false });
  return message === out.error.message ? out : { ...out, error: { ...out.error, message } };
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
 * The outcome of an HTTP answer: `"ok"` for 2xx, else `"HTTP <status>: <body start>"` with every
 * secret masked (before the cut: a key echoed across it leaves no prefix behind).
 */
function statusOutcome(status: number, answer: string, secrets: string[]): string {
  if (status >= 200 && status < 300) return "ok";
  return `HTTP ${status || "3xx (a redirect)"}: ${maskSecrets(answer, secrets, 300)}`;
}

/** A string option: undefined when not a non-blank string. */
function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * Posts agent traces and spans to the OpenAI traces backend, grouped by API key, as
 * `{"data": [...]}` with `Authorization: Bearer <key>`, `OpenAI-Beta: traces=v1` and the
 * organization and project headers when set.
 *
 * A request is tried up to `maxRetries` times: 2xx is success, 3xx (redirects are not followed) and 4xx are reported and not retried,
 * 5xx and network errors are retried after 1 s, 2 s, … (capped at 30 s, plus up to 10 % jitter).
 * A back-off never outlasts the caller's deadline or abort signal, nor `shutdown()`; when a
 * `BatchTraceProcessor` shuts down with a timeout, back-off ends at once and a failed request is
 * retried without waiting. Without an API key nothing is sent (reported as
 * `openai_export_no_key`). An attempt ends after `requestTimeoutMs`, even with a `fetch` that
 * ignores its signal and never settles. The exporter holds no `AbortController` between exports,
 * so one made at a Worker's global scope, or in one request and used in the next, works on
 * Cloudflare Workers. `export()` never rejects;
 * problems are reported through diagnostics (at most once a minute per code), with every key
 * replaced by `[REDACTED]`.
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
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #requestTimeoutMs: number;
  readonly #sanitize: boolean;
  readonly #redaction: RedactionPolicy | false | undefined;
  readonly #maxFieldBytes: number;
  readonly #env: (name: string) => string | undefined;
  readonly #fetch: BackendFetch;
  /**
   * The `stop` controllers of the requests in progress; aborted by `shutdown()`. No controller is
   * made here: workerd refuses one at global scope and ties it to the request that made it.
   */
  readonly #closed = new AbortGroup();
  /** Reports at most once a minute per code, with every key masked. */
  readonly #warn: Warn = throttledWarner([]);

  /**
   * Creates an exporter.
   *
   * @param options Key, endpoint, retry and transport settings.
   * @throws {TypeError} When `endpoint` is not an http(s) URL, or there is no `fetch`.
   */
  constructor(options: BackendSpanExporterOptions = {}) {
    const endpoint = text(options.endpoint) ?? OPENAI_TRACES_ENDPOINT;
    if (!/^https?:\/\/[^/]/i.test(endpoint)) {
      throw new TypeError(`BackendSpanExporter: endpoint must be an http(s) URL: ${endpoint}`);
    }
    const fetcher = options.fetch ?? (typeof fetch === "function" ? fetch.bind(globalThis) : null);
    if (typeof fetcher !== "function") {
      throw new TypeError("BackendSpanExporter: no fetch in this runtime; pass options.fetch");
    }
    this.endpoint = endpoint;
    this.#apiKey = text(options.apiKey);
    this.#organization = text(options.organization);
    this.#project = text(options.project);
    this.#maxAttempts = Math.max(1, Math.floor(numberAtLeast(options.maxRetries, 0, 3)));
    this.#baseDelayMs = Math.min(numberAtLeast(options.baseDelayMs, 0, 1000), MAX_TIMER_MS);
    this.#maxDelayMs = Math.min(numberAtLeast(options.maxDelayMs, 0, 30_000), MAX_TIMER_MS);
    this.#requestTimeoutMs = Math.min(
      numberAtLeast(options.requestTimeoutMs, 1, 60_000),
      MAX_TIMER_MS,
    );
    this.#sanitize = options.sanitize ?? isOfficialEndpoint(endpoint);
    this.#maxFieldBytes = countAtLeastOne(options.maxFieldBytes, 100_000);
    this.#env = typeof options.env === "function" ? options.env : defaultEnv;
    this.#fetch = fetcher;
    this.#redaction = options.redaction;
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
   * @returns Resolves when every request is done or given up; never rejects.
   */
  async export(
    items: readonly ExportableTraceItem[],
    signal?: AbortSignal,
    deadline?: number,
    hurry?: AbortSignal,
  ): Promise<void> {
    try {
      const groups = this.#group(items);
      for (const [ownKey, data] of groups) {
        const key = ownKey ?? this.#defaultKey();
        if (key === undefined) {
          this.#warn(
            "openai_export_no_key",
            `OPENAI_API_KEY is not set: ${data.length} trace items not sent to OpenAI ` +
              "(pass apiKey or call setTracingExportApiKey)",
          );
          continue;
        }
        try {
          await this.#post(key, data, signal, numberAtLeast(deadline, 0, Infinity), hurry);
        } catch (error) {
          const why = `${data.length} trace items not sent to OpenAI: ${safeString(error)}`;
          this.#warn("openai_export_failed", why, "error", [key]);
        }
      }
    } catch (error) {
      this.#warn("openai_export_failed", `Trace export failed: ${safeString(error)}`, "error");
    }
  }

  /**
   * Ends every back-off and request in progress at once; later exports send nothing.
   * Idempotent.
   */
  shutdown(): Promise<void> {
    this.#closed.abort();
    return Promise.resolve();
  }

  /**
   * JSON records by API key (undefined: the exporter's key). An item whose record cannot be
   * made, redacted or serialized (a throwing getter, a BigInt) is skipped alone.
   */
  #group(items: readonly ExportableTraceItem[]): Map<string | undefined, string[]> {
    const groups = new Map<string | undefined, string[]>();
    for (const item of Array.isArray(items) ? items : []) {
      let record: unknown;
      let key: string | undefined;
      try {
        record = typeof item.export === "function" ? item.export() : item.toJSON?.();
        key = text(item.tracingApiKey);
        if (record === null || record === undefined) continue;
        const policy = this.#redaction ?? queuedRedaction(item);
        if (policy !== false) record = redactRecord(record, policy);
        if (this.#sanitize) record = sanitizeForBackend(record, this.#maxFieldBytes);
        record = JSON.stringify(record);
      } catch (error) {
        this.#warn(
          "openai_export_item",
          `A trace item was skipped, its record cannot be sent: ${safeString(error)}`,
        );
        continue;
      }
      if (typeof record !== "string") continue;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [record]);
      else group.push(record);
    }
    return groups;
  }

  #defaultKey(): string | undefined {
    return this.#apiKey ?? getTracingExportApiKey() ?? this.#setting("OPENAI_API_KEY");
  }

  #setting(name: string): string | undefined {
    try {
      return text(this.#env(name));
    } catch {
      return undefined;
    }
  }

  /** One request with its retries. */
  async #post(
    key: string,
    data: string[],
    signal: AbortSignal | undefined,
    deadline: number,
    hurry: AbortSignal | undefined,
  ): Promise<void> {
    const secrets = [key, this.#apiKey ?? ""];
    const what = `${data.length} trace items`;
    const giveUp = (why: string) =>
      this.#warn("openai_export_failed", `${what} not sent to OpenAI: ${why}`, "error", secrets);
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
    // Aborted by the caller's signal or by shutdown(); ends the attempt and the back-off. Made
    // here, by the request that posts (workerd), and released when the post ends.
    const stop = this.#closed.open();
    const onAbort = (): void => stop.abort();
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) stop.abort();
    // Aborted by `stop` or by `hurry`: ends the back-off only.
    const backoff = new AbortController();
    const endBackoff = (): void => backoff.abort();
    for (const s of [stop.signal, hurry]) s?.addEventListener("abort", endBackoff);
    if (stop.signal.aborted || hurry?.aborted) backoff.abort();
    let delay = this.#baseDelayMs;
    try {
      for (let attempt = 1;; attempt++) {
        const timeout = Math.min(this.#requestTimeoutMs, deadline - Date.now());
        if (stop.signal.aborted) return giveUp("aborted (shutdown or signal)");
        if (timeout <= 0) return giveUp("deadline passed");
        const outcome = await this.#attempt(headers, body, timeout, stop.signal, secrets);
        if (outcome === "ok") return;
        if (/^HTTP [34]/.test(outcome)) {
          return this.#warn(
            "openai_export_rejected",
            `OpenAI rejected ${what} (not retried): ${outcome}`,
            "error",
            secrets,
          );
        }
        if (stop.signal.aborted) return giveUp(`${outcome}; aborted (shutdown or signal)`);
        if (attempt >= this.#maxAttempts) return giveUp(`${outcome} after ${attempt} attempts`);
        const wait = backoff.signal.aborted
          ? 0
          : Math.min(delay * (1 + 0.1 * Math.random()), MAX_TIMER_MS);
        if (Date.now() + wait >= deadline) return giveUp(`${outcome}; no time left to retry`);
        await sleep(wait, backoff.signal);
        if (stop.signal.aborted) return giveUp(`${outcome}; retry aborted (shutdown or signal)`);
        delay = Math.min(delay * 2, this.#maxDelayMs);
      }
    } finally {
      this.#closed.release(stop);
      signal?.removeEventListener("abort", onAbort);
      for (const s of [stop.signal, hurry]) s?.removeEventListener("abort", endBackoff);
    }
  }

  /**
   * One HTTP attempt: `"ok"`, `"HTTP <status>: <body start, secrets masked>"`, or why it failed.
   * It ends after `timeout` ms, or when `stop` aborts, even if the fetch ignores its signal and
   * never settles (a custom fetch): that attempt is then given up as one with no answer.
   */
  async #attempt(
    headers: Record<string, string>,
    body: string,
    timeout: number,
    stop: AbortSignal,
    secrets: string[],
  ): Promise<string> {
    const controller = new AbortController();
    let wake!: () => void;
    const onStop = new Promise<void>((resolve) => wake = resolve);
    const onAbort = (): void => (controller.abort(), wake());
    stop.addEventListener("abort", onAbort);
    let outcome: string | undefined; // set when the request settles
    let status: number | undefined; // set when the response arrives
    const request = (async () => {
      try {
        const response = await this.#fetch(this.endpoint, {
          method: "POST",
          headers,
          body,
          redirect: "manual", // never re-send the key and data elsewhere; a redirect is a failure
          signal: controller.signal,
        });
        status = response.status;
        // At most 1 MiB: an error page of any size is not buffered whole.
        const answer = await readBodyStart(response).then((b) => utf8Decoder.decode(b), () => "");
        outcome = statusOutcome(status, answer, secrets);
      } catch (error) {
        outcome = stop.aborted ? "aborted" : `network error: ${safeString(error)}`;
      }
    })();
    try {
      const inTime = await settlesWithin(Promise.race([request, onStop]), timeout);
      if (outcome !== undefined) return outcome;
      controller.abort(); // a fetch that honours its signal ends now; one that ignores it is left
      // A status whose body did not come in time (cut short, as the abort cuts it) still counts.
      if (status !== undefined) return statusOutcome(status, "", secrets);
      return inTime ? "aborted" : `no answer within ${Math.round(timeout)} ms`; // in time: stopped
    } finally {
      stop.removeEventListener("abort", onAbort);
    }
  }
}
