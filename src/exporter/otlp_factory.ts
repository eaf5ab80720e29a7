/**
 * The configured way to build an OTLP/HTTP exporter: {@linkcode createOtlpExporter} resolves the
 * explicit options together with the standard `OTEL_EXPORTER_OTLP_*` environment variables and
 * the dreadnode endpoint (`server` + `organization`, `apiKey` sent as `X-Api-Key`), picks the
 * encoder for `protocol`, wires the durable outbox when a storage is given, and builds a raw
 * {@linkcode OtlpHttpExporter} from the result. The presets' `configure()` uses it.
 *
 * A program that wants the smallest bundle constructs `OtlpHttpExporter` itself with resolved
 * settings instead; this module (environment parsing, the JSON encoder, the outbox) then stays
 * out of the bundle.
 *
 * @module
 */
import { reportUnknownOptions } from "../configure_checks.ts";
import { OTLP_EXPORTER_OPTION_SHAPE } from "../configure_option_keys.ts";
import { TracerError } from "../errors.ts";
import {
  checkRules,
  isFiniteAtLeast,
  isFunction,
  isObject,
  isPositiveInteger,
  type Rule,
} from "../option_rules.ts";
import { OTLP_JSON_ENCODER } from "../otlp/encode_json.ts";
import type { EnvReader } from "../otlp/resource.ts";
import type { TraceStorage } from "../storage/types.ts";
import { type OtlpConfigOptions, resolveOtlpConfig } from "./_otlp_config.ts";
import { OtlpHttpExporter, type OtlpHttpExporterOptions } from "./otlp_http.ts";
import { OtlpOutbox, type OutboxRetryOptions } from "./otlp_outbox.ts";
import { inBrowser } from "../runtime/_globals.ts";
import { VERSION } from "../version.ts";

export { resolveOtlpConfig } from "./_otlp_config.ts";
export { parseOtlpHeaders } from "./_otlp_headers.ts";
export { resolveTraceBackend } from "./_trace_backend.ts";
export type {
  OtlpCompression,
  OtlpConfig,
  OtlpConfigOptions,
  OtlpProtocol,
} from "./_otlp_config.ts";
export type { BackendCredentials, TraceBackend } from "./_trace_backend.ts";
export type { OutboxRetryOptions } from "./otlp_outbox.ts";

/** Options of {@linkcode createOtlpExporter}. */
export interface OtlpExporterOptions extends
  OtlpConfigOptions,
  Pick<
    OtlpHttpExporterOptions,
    "compress" | "fetch" | "retry" | "attemptTimeoutMillis" | "maxConcurrentRequests"
  > {
  /** Storage whose outbox keeps undeliverable batches; without it they are dropped and counted. */
  storage?: TraceStorage | undefined;
  /** Outbox redelivery backoff (default 5 s doubling to 1 h, 20 attempts); used with `storage`. */
  outboxRetry?: OutboxRetryOptions | undefined;
}

const CONTEXT = "Cannot configure OTLP export";

/** The transport options the raw exporter takes as given (a NaN there makes it spin or stall). */
const TRANSPORT_RULES: readonly Rule[] = [
  [["fetch", "compress"], isFunction, "a function"],
  [["attemptTimeoutMillis"], (v) => typeof v === "number" && v >= 1, "a number >= 1"],
  [["maxConcurrentRequests"], isPositiveInteger, "an integer >= 1"],
  [["retry", "outboxRetry"], isObject, "an object"],
];

const RETRY_RULES: readonly Rule[] = [
  [["maxAttempts"], isPositiveInteger, "an integer >= 1"],
  [["initialDelayMillis", "maxDelayMillis"], isFiniteAtLeast(0), "a finite number >= 0"],
  [["multiplier"], isFiniteAtLeast(1), "a finite number >= 1"],
];

/**
 * Builds an OTLP/HTTP exporter from explicit options and the environment. Endpoint precedence:
 * `endpoint`, then `{server}/api/v1/org/{organization}/otel/traces`, then
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is), then `OTEL_EXPORTER_OTLP_ENDPOINT` +
 * `/v1/traces`, then `http://localhost:4318/v1/traces`. `protocol`, `compression`,
 * `timeoutMillis` and headers fall back to their `OTEL_EXPORTER_OTLP_(TRACES_)*` variables (see
 * {@linkcode resolveOtlpConfig}), except for a dreadnode exporter (`server` given), which reads no
 * `OTEL_EXPORTER_OTLP_*` variable at all. An endpoint or server URL with a user name or password
 * is refused (`INVALID_CONFIG`, without the value): send credentials as `headers`. A key no option
 * has is reported (`unknown_option`, naming the option probably meant: `url` → `endpoint`) and
 * ignored.
 *
 * @param options Explicit settings; they win over the environment.
 * @param env Environment reader (presets pass `Deno.env` / `process.env` readers); none by
 *   default.
 * @returns The exporter.
 * @throws {TracerError} `INVALID_CONFIG` for an invalid explicit option (a NaN, negative or
 *   wrongly typed number, a header `fetch` cannot send, …), `MISSING_CREDENTIALS` for `server`
 *   without `organization` (or the reverse), `WRONG_RUNTIME` without `fetch` on this runtime
 *   (configuration time, never in export).
 * @example
 * ```ts
 * import { createOtlpExporter } from "@tracelet/tracelet";
 * const env = (name: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })[name];
 * const exporter = createOtlpExporter({ protocol: "http/json" }, env);
 * console.log(exporter.url); // "http://127.0.0.1:4318/v1/traces"
 * await exporter.shutdown();
 * ```
 */
export function createOtlpExporter(
  options: OtlpExporterOptions = {},
  env?: EnvReader,
): OtlpHttpExporter {
  reportUnknownOptions(options, OTLP_EXPORTER_OPTION_SHAPE, "createOtlpExporter()");
  return buildOtlpExporter(options, env);
}

/**
 * {@linkcode createOtlpExporter} without the report of unknown keys, for `configure()`, which
 * reports its own (`otlp.url`) and builds exporters from them.
 *
 * @param options Explicit settings; they win over the environment.
 * @param env Environment reader.
 * @returns The exporter.
 * @throws {TracerError} As {@linkcode createOtlpExporter}.
 */
export function buildOtlpExporter(
  options: OtlpExporterOptions,
  env?: EnvReader,
): OtlpHttpExporter {
  const config = resolveOtlpConfig(options, env);
  checkRules(options, TRANSPORT_RULES, CONTEXT);
  if (isObject(options.retry)) checkRules(options.retry, RETRY_RULES, CONTEXT, "retry.");
  if (options.fetch === undefined && typeof globalThis.fetch !== "function") {
    throw new TracerError(
      "WRONG_RUNTIME",
      "Cannot export over OTLP/HTTP: this runtime has no fetch; pass the `fetch` option",
    );
  }
  return new OtlpHttpExporter({
    endpoint: config.url,
    // Servers say who is calling; a page does not, as user-agent is not a CORS-safelisted header
    // (a Collector that allows the page's origin would refuse the preflight).
    headers: inBrowser()
      ? config.headers
      : { "user-agent": `tracelet/${VERSION}`, ...config.headers },
    compression: config.compression,
    timeoutMillis: config.timeoutMillis,
    encoder: config.protocol === "http/json" ? OTLP_JSON_ENCODER : undefined,
    outbox: options.storage === undefined
      ? undefined
      : new OtlpOutbox(options.storage, options.outboxRetry),
    compress: options.compress,
    fetch: options.fetch,
    retry: options.retry,
    attemptTimeoutMillis: options.attemptTimeoutMillis,
    maxConcurrentRequests: options.maxConcurrentRequests,
  });
}
