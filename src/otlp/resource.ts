/**
 * Builds the OpenTelemetry resource spans are attributed to: `service.name` (explicit option,
 * else `OTEL_SERVICE_NAME`, else a `service.name` from `OTEL_RESOURCE_ATTRIBUTES`, else
 * `unknown_service`), the attributes of `OTEL_RESOURCE_ATTRIBUTES`, and `telemetry.sdk.*`.
 * The tracer's preset passes the result as the tracer's `resource`.
 * The environment is read only through the injected `env` function.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { Attributes, Resource } from "../types.ts";
import { VERSION } from "../version.ts";

/** Reads an environment variable; undefined when unset or when there is no environment. */
export type EnvReader = (name: string) => string | undefined;

/** Options of {@linkcode resolveResource}. */
export interface ResourceOptions {
  /** `service.name`; wins over every environment variable. */
  serviceName?: string;
  /** Extra resource attributes; win over `OTEL_RESOURCE_ATTRIBUTES` and `telemetry.sdk.*`. */
  attributes?: Attributes;
  /** `telemetry.sdk.language`. Default `webjs` (presets may pass `nodejs`). */
  sdkLanguage?: string;
}

/** The `service.name` used when nothing names the service. */
export const DEFAULT_SERVICE_NAME = "unknown_service";

/**
 * Parses an `OTEL_RESOURCE_ATTRIBUTES` value: comma-separated `key=value` pairs with
 * percent-encoded values; surrounding whitespace is trimmed and empty entries are ignored. As the
 * OpenTelemetry specification asks, a malformed value is discarded as a whole (and reported).
 *
 * @param text The variable's value.
 * @returns The attributes (string values), or `undefined` when the value is malformed.
 * @example
 * ```ts
 * import { parseResourceAttributes } from "./resource.ts";
 * parseResourceAttributes("deployment.environment=prod,team=a%20b");
 * // { "deployment.environment": "prod", team: "a b" }
 * ```
 */
export function parseResourceAttributes(text: string): Attributes | undefined {
  const out: Attributes = {};
  const entries = text.split(",");
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i].trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    const key = eq > 0 ? entry.slice(0, eq).trim() : "";
    if (key === "") {
      report(
        "warn",
        "invalid_env",
        `Cannot parse OTEL_RESOURCE_ATTRIBUTES: entry ${
          i + 1
        } is not key=value; ignoring the variable`,
      );
      return undefined;
    }
    try {
      out[key] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      report(
        "warn",
        "invalid_env",
        `Cannot parse OTEL_RESOURCE_ATTRIBUTES: entry ${
          i + 1
        } has a bad percent-encoding; ignoring the variable`,
      );
      return undefined;
    }
  }
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Resolves the resource from options and the environment. Attribute precedence, lowest first:
 * `telemetry.sdk.*`, `OTEL_RESOURCE_ATTRIBUTES`, `options.attributes`. `service.name` comes from
 * `options.serviceName`, else `options.attributes`, else `OTEL_SERVICE_NAME`, else
 * `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service`.
 *
 * @param options Explicit settings.
 * @param env Environment reader (presets pass one for `Deno.env` / `process.env`).
 * @returns A frozen resource.
 * @example
 * ```ts
 * import { resolveResource } from "./resource.ts";
 * const resource = resolveResource({ serviceName: "checkout" }, () => undefined);
 * console.log(resource.attributes["service.name"]); // "checkout"
 * ```
 */
export function resolveResource(options: ResourceOptions = {}, env?: EnvReader): Resource {
  const read = (name: string): string | undefined => {
    try {
      return env?.(name);
    } catch {
      return undefined;
    }
  };
  const fromEnvText = nonEmpty(read("OTEL_RESOURCE_ATTRIBUTES"));
  const fromEnv = fromEnvText === undefined ? undefined : parseResourceAttributes(fromEnvText);
  const attributes: Attributes = {
    "telemetry.sdk.name": "tracelet",
    "telemetry.sdk.language": options.sdkLanguage ?? "webjs",
    "telemetry.sdk.version": VERSION,
    ...fromEnv,
    ...options.attributes,
  };
  const explicit = options.attributes?.["service.name"];
  const fromResourceEnv = fromEnv?.["service.name"];
  attributes["service.name"] = nonEmpty(options.serviceName) ??
    (typeof explicit === "string" ? nonEmpty(explicit) : undefined) ??
    nonEmpty(read("OTEL_SERVICE_NAME")) ??
    (typeof fromResourceEnv === "string" ? nonEmpty(fromResourceEnv) : undefined) ??
    DEFAULT_SERVICE_NAME;
  return Object.freeze({ attributes: Object.freeze(attributes) });
}
