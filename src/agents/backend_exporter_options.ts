/**
 * The options of a `BackendSpanExporter`: the OpenAI Agents SDK's names and defaults, tracelet's
 * own additions, and the `fetch` it posts with.
 *
 * @module
 */
import type { RedactionPolicy } from "../redact/policy.ts";

/** The subset of `fetch` the exporter uses. */
export type BackendFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * Options of {@linkcode BackendSpanExporter}. Every one is optional. The names and defaults are
 * those of the OpenAI Agents SDK's tracing exporter, except tracelet's own additions
 * (`attemptTimeoutMillis`, `sanitize`, `maxFieldBytes`, `env`, `fetch`, `redaction`).
 */
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
  /**
   * Where records are posted: an http(s) URL without a user name or password. Its query string
   * is never shown in diagnostics. Default {@linkcode OPENAI_TRACES_ENDPOINT}.
   */
  endpoint?: string | undefined;
  /**
   * Attempts per request, the first included (3xx and 4xx answers are never retried); 0 also
   * means one attempt, as in the OpenAI Agents SDK. Default 3.
   */
  maxRetries?: number | undefined;
  /**
   * Delay before the first retry in ms; doubled after each retry, plus 0–10 % jitter. Default
   * 1000.
   */
  baseDelay?: number | undefined;
  /** Upper bound of the doubled delay in ms. Default 30000. */
  maxDelay?: number | undefined;
  /**
   * Time limit of one HTTP attempt in ms, its body included: the request is then aborted, and
   * given up on even if a custom `fetch` ignores its signal; it counts as a failed attempt (retried
   * as a network error is). Default 60000.
   */
  attemptTimeoutMillis?: number | undefined;
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
