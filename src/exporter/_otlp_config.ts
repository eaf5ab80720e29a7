/**
 * Resolution of the OTLP/HTTP exporter's configuration from explicit options and the standard
 * `OTEL_EXPORTER_OTLP_*` environment variables (explicit options win, traces-specific variables
 * win over generic ones), plus the dreadnode-style endpoint (header rules: `_otlp_headers.ts`; the
 * `traceBackend` choice: `_trace_backend.ts`).
 * Pure: the environment is read only through the `env` function passed in. Used by
 * `createOtlpExporter()`; the raw `OtlpHttpExporter` takes the resolved settings.
 *
 * Error messages and diagnostics name settings, never their values, so an API key or an
 * `Authorization` header can never leak through them.
 *
 * @module
 */
import { envInteger } from "../env_integer.ts";
import { envList } from "../env_list.ts";
import { envWarn } from "../env_warn.ts";
import { TracerError } from "../errors.ts";
import { type EnvReader, readEnv } from "../otlp/resource.ts";
import { inBrowser } from "../runtime/_globals.ts";
import { checkUrlOption, endpointSecrets, urlProblem } from "./_endpoint_url.ts";
import { DEFAULT_OTLP_TRACES_URL } from "./otlp_http.ts";
import {
  addExplicitHeaders,
  HEADER_TEXT,
  isHeaderValue,
  parseOtlpHeaders,
} from "./_otlp_headers.ts";

/** The OTLP/HTTP body encodings tracelet speaks. */
export type OtlpProtocol = "http/protobuf" | "http/json";
/** Request body compression. */
export type OtlpCompression = "gzip" | "none";

/** The explicit settings {@linkcode resolveOtlpConfig} reads. */
export interface OtlpConfigOptions {
  /** Full traces URL (used as is). Wins over everything else. */
  endpoint?: string | undefined;
  /** Extra request headers; win over `OTEL_EXPORTER_OTLP_*HEADERS`. */
  headers?: Readonly<Record<string, string>> | undefined;
  /** Body encoding. Default `http/protobuf`. */
  protocol?: OtlpProtocol | undefined;
  /**
   * Body compression. Default `gzip`; `none` in a browser, where `content-encoding` is not a
   * CORS-safelisted header (a cross-origin collector must allow it).
   */
  compression?: OtlpCompression | undefined;
  /** Overall time limit of one export, retries included, in ms. Default 10 000 (30 000 for a dreadnode server). */
  timeoutMillis?: number | undefined;
  /**
   * dreadnode server base URL; with `organization` gives
   * `{server}/api/v1/org/{organization}/otel/traces` (appended to the server's path; a query
   * string or fragment in it is dropped, as dreadnode does). For a URL used as is, pass `endpoint`.
   */
  server?: string | undefined;
  /** dreadnode API key, sent as `X-Api-Key`. Never logged or stored. */
  apiKey?: string | undefined;
  /** dreadnode organization key: a non-empty string other than `.` and `..`. */
  organization?: string | undefined;
}

/**
 * Every key of {@linkcode OtlpConfigOptions} (the type checker fails when one is missing), for
 * reporting the keys of `configure({ otlp })` that no option has.
 */
export const OTLP_CONFIG_OPTION_KEYS: Readonly<Record<keyof OtlpConfigOptions, true>> = {
  endpoint: true,
  headers: true,
  protocol: true,
  compression: true,
  timeoutMillis: true,
  server: true,
  apiKey: true,
  organization: true,
};

/** The resolved configuration. */
export interface OtlpConfig {
  /** The traces URL requests are POSTed to. */
  readonly url: string;
  /** Request headers from the environment and options, keys lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** Body encoding. */
  readonly protocol: OtlpProtocol;
  /** Body compression. */
  readonly compression: OtlpCompression;
  /** Overall time limit of one export in ms. */
  readonly timeoutMillis: number;
  /**
   * Values that must never appear in diagnostics: the API key, every header value and every value
   * in the endpoint's query string (`?api_key=…`, echoed by a collector or proxy that quotes the
   * request line in its error answers).
   */
  readonly secrets: readonly string[];
}

const DEFAULT_TIMEOUT = 10_000;
const DREADNODE_TIMEOUT = 30_000;

/** Reads a URL variable; an unusable one is reported (never its value) and ignored. */
export function envUrl(env: EnvReader | undefined, name: string): string | undefined {
  const value = readEnv(env, name);
  if (value === undefined) return undefined;
  const problem = urlProblem(value);
  if (problem === undefined) return value;
  envWarn(name, problem);
  return undefined;
}

/**
 * The traces URL from `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is), else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended to its path (a query string stays at
 * the end). Unusable values are reported as `invalid_env` and skipped.
 *
 * @param env Environment reader.
 * @returns The URL, or undefined when neither variable holds a usable one.
 */
export function otlpEnvEndpoint(env: EnvReader | undefined): string | undefined {
  const traces = envUrl(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  if (traces !== undefined) return traces;
  const base = envUrl(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  if (base === undefined) return undefined;
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/v1/traces`;
  return url.href;
}

function envChoice<T extends string>(
  env: EnvReader | undefined,
  suffix: string,
  allowed: readonly T[],
): T | undefined {
  for (const name of [`OTEL_EXPORTER_OTLP_TRACES_${suffix}`, `OTEL_EXPORTER_OTLP_${suffix}`]) {
    const value = readEnv(env, name)?.toLowerCase();
    if (value === undefined) continue;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    envWarn(
      name,
      value === "grpc"
        ? "OTLP over gRPC is not supported, only over HTTP (http/protobuf, http/json), so the endpoint must be the collector's OTLP/HTTP one (port 4318, not gRPC's 4317)"
        : `supported values are ${allowed.join(", ")}`,
    );
  }
  return undefined;
}

function envTimeout(env: EnvReader | undefined): number | undefined {
  for (const name of ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"]) {
    // The specification's type is an integer: "0.5" or "1e3" is refused, not taken as given. Its
    // zero, "indefinite", is refused too: an export without a time limit holds the batch queue,
    // and a collector that never answers would never be found hung (the exporter's hold after a
    // timeout measures against the timeout).
    const ms = envInteger(env, name, 1);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function invalid(message: string): never {
  throw new TracerError("INVALID_CONFIG", message);
}

/**
 * The dreadnode traces URL: `/api/v1/org/<organization>/otel/traces` appended to the server's
 * path. A query string or fragment in `server` is dropped, as dreadnode's `urljoin` drops them
 * (appended to the string, the path would land inside them).
 */
function dreadnodeUrl(server: string, organization: string): string {
  checkUrlOption("server", server);
  const url = new URL(server);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/v1/org/${
    encodeURIComponent(organization)
  }/otel/traces`;
  url.search = "";
  url.hash = "";
  return url.href;
}

const ORGANIZATION_TEXT = "a non-empty string other than `.` and `..`";

/**
 * Whether a value can be the dreadnode organization: a non-empty string other than `.` and
 * `..`, which URLs resolve as path segments, sending the data (and the API key) to another
 * endpoint.
 *
 * @param value The organization.
 * @returns True when it can be used.
 */
export function isOrganization(value: unknown): value is string {
  return typeof value === "string" && value !== "" && value !== "." && value !== "..";
}

/**
 * Reads `DREADNODE_ORGANIZATION`; an unusable value (`.` or `..`) is reported as `invalid_env`
 * (without its value) and ignored.
 *
 * @param env Environment reader.
 * @returns The organization, or undefined when the variable is unset or unusable.
 */
export function envOrganization(env: EnvReader | undefined): string | undefined {
  const value = readEnv(env, "DREADNODE_ORGANIZATION");
  if (value === undefined || isOrganization(value)) return value;
  envWarn("DREADNODE_ORGANIZATION", `it must be ${ORGANIZATION_TEXT}`);
  return undefined;
}

/**
 * Resolves the OTLP/HTTP exporter configuration. Endpoint precedence: `endpoint`, then the
 * dreadnode URL from `server` + `organization`, then `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (as is),
 * then `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, then `http://localhost:4318/v1/traces`.
 * Headers merge generic env < traces env < `headers` < `X-Api-Key` from `apiKey`. With `server`
 * (a dreadnode exporter) no `OTEL_EXPORTER_OTLP_*` variable is read at all: those configure the
 * generic collector, and its headers must never be sent to the dreadnode server. Invalid
 * explicit options throw a {@linkcode TracerError}; invalid environment values are reported and
 * ignored (an unknown protocol never crashes the host). URLs with a user name or password are
 * refused (an explicit one throws, an environment one is ignored): send credentials as headers.
 *
 * @param options Explicit settings.
 * @param env Environment reader (presets pass `Deno.env` / `process.env` readers).
 * @returns The resolved configuration.
 * @throws {TracerError} `INVALID_CONFIG` for a malformed explicit option, `MISSING_CREDENTIALS`
 *   when only one of `server` and `organization` is given.
 * @example
 * ```ts
 * import { resolveOtlpConfig } from "./_otlp_config.ts";
 * const env = (name: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })[name];
 * console.log(resolveOtlpConfig({}, env).url); // "http://collector:4318/v1/traces"
 * ```
 */
export function resolveOtlpConfig(options: OtlpConfigOptions = {}, env?: EnvReader): OtlpConfig {
  const { server, organization, apiKey } = options;
  if (organization !== undefined && !isOrganization(organization)) {
    invalid(`Cannot configure OTLP export: \`organization\` must be ${ORGANIZATION_TEXT}`);
  }
  if (apiKey !== undefined && !isHeaderValue(apiKey)) {
    invalid(`Cannot configure OTLP export: \`apiKey\` must be ${HEADER_TEXT}`);
  }
  if ((server !== undefined) !== (organization !== undefined)) {
    throw new TracerError(
      "MISSING_CREDENTIALS",
      `Cannot configure the dreadnode endpoint: \`${
        server === undefined ? "server" : "organization"
      }\` is missing`,
    );
  }
  // A dreadnode exporter is configured by its own options only: the OTEL_EXPORTER_OTLP_*
  // variables (headers above all) belong to the generic collector and must never reach it.
  if (server !== undefined) env = undefined;
  let url: string;
  if (options.endpoint !== undefined) {
    checkUrlOption("endpoint", options.endpoint);
    url = options.endpoint;
  } else if (server !== undefined && organization !== undefined) {
    url = dreadnodeUrl(server, organization);
  } else {
    url = otlpEnvEndpoint(env) ?? DEFAULT_OTLP_TRACES_URL;
  }
  const protocols: OtlpProtocol[] = ["http/protobuf", "http/json"];
  if (options.protocol !== undefined && !protocols.includes(options.protocol)) {
    invalid("Cannot configure OTLP export: `protocol` must be http/protobuf or http/json");
  }
  const compressions: OtlpCompression[] = ["gzip", "none"];
  if (options.compression !== undefined && !compressions.includes(options.compression)) {
    invalid("Cannot configure OTLP export: `compression` must be gzip or none");
  }
  const timeout = options.timeoutMillis;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    invalid("Cannot configure OTLP export: `timeoutMillis` must be a positive number");
  }
  const generic = readEnv(env, "OTEL_EXPORTER_OTLP_HEADERS");
  const traces = readEnv(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS");
  const headers: Record<string, string> = {
    ...(generic === undefined ? {} : parseOtlpHeaders(generic, "OTEL_EXPORTER_OTLP_HEADERS")),
    ...(traces === undefined ? {} : parseOtlpHeaders(traces, "OTEL_EXPORTER_OTLP_TRACES_HEADERS")),
  };
  addExplicitHeaders(headers, options.headers);
  if (apiKey !== undefined && apiKey !== "") headers["x-api-key"] = apiKey;
  const secrets = endpointSecrets(url, headers).filter((value) => value.length >= 4);
  return {
    url,
    headers,
    protocol: options.protocol ?? envChoice(env, "PROTOCOL", protocols) ?? "http/protobuf",
    compression: options.compression ?? envChoice(env, "COMPRESSION", compressions) ??
      // In a browser `content-encoding` is not CORS-safelisted: a cross-origin POST with it is
      // preflighted, and refused by a collector that allows only its origin.
      (inBrowser() ? "none" : "gzip"),
    timeoutMillis: timeout ?? envTimeout(env) ??
      (server !== undefined ? DREADNODE_TIMEOUT : DEFAULT_TIMEOUT),
    secrets,
  };
}

/** The automatic exporters `OTEL_TRACES_EXPORTER` asks for. */
export interface TracesExporters {
  /**
   * The generic OTLP exporter: on, to the endpoint variables' URL or else
   * `http://localhost:4318/v1/traces`.
   */
  readonly otlp: boolean;
  /** The console output. */
  readonly console: boolean;
}

const TRACES_EXPORTERS = ["otlp", "console", "none"];

/**
 * Reads `OTEL_TRACES_EXPORTER`, a comma-separated list (case-insensitive) of `otlp`, `console`
 * and `none`. Only the listed exporters are on; `none` turns them all off, also when listed with
 * others. Other entries (`zipkin`, …) are reported once as `invalid_env` and ignored, as if they
 * were not listed: when none of the known ones is left, the variable counts as unset.
 *
 * @param env Environment reader.
 * @returns The exporters, or undefined when the variable is unset (or blank, or lists no
 *   exporter tracelet has).
 */
export function envTracesExporters(env: EnvReader | undefined): TracesExporters | undefined {
  const name = "OTEL_TRACES_EXPORTER";
  const listed = envList(env, name);
  if (listed === undefined) return undefined;
  const known = listed.filter((entry) => TRACES_EXPORTERS.includes(entry));
  const none = known.includes("none");
  const others = none && known.some((entry) => entry !== "none");
  const unknown = "only the otlp, console and none exporters exist";
  const mixed = '"none" is listed with other exporters: none of them is used';
  if (known.length < listed.length) {
    envWarn(name, others ? `${unknown}, and ${mixed}` : unknown, "the other entries");
  } else if (others) envWarn(name, mixed, "the others");
  if (known.length === 0) return undefined;
  return {
    otlp: !none && known.includes("otlp"),
    console: !none && known.includes("console"),
  };
}

/**
 * Whether `OTEL_SDK_DISABLED` is `true` (case-insensitive, as the OpenTelemetry specification
 * defines booleans). A value other than `true` or `false` is reported as `invalid_env` and
 * ignored (false).
 *
 * @param env Environment reader.
 * @returns True when the variable asks for no export.
 */
export function isSdkDisabled(env: EnvReader | undefined): boolean {
  const value = readEnv(env, "OTEL_SDK_DISABLED")?.toLowerCase();
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  envWarn("OTEL_SDK_DISABLED", 'only "true" and "false" are understood');
  return false;
}
