/**
 * The resource from explicit settings and the standard environment: `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` (the presets' `configure()` uses it; a bare `Tracer` does not read
 * the environment). The environment is read only through the injected `env` function.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { Attributes, AttributeValue, Resource } from "../types.ts";
import {
  type EnvReader,
  nonBlank,
  readEnv,
  resolveResource,
  type ResourceOptions,
} from "./resource.ts";
import { setOwn } from "../own_property.ts";

/**
 * Parses an `OTEL_RESOURCE_ATTRIBUTES` value: comma-separated `key=value` pairs with
 * percent-encoded values; surrounding whitespace is trimmed and empty entries are ignored. As the
 * OpenTelemetry specification asks, a malformed value is discarded as a whole (and reported).
 *
 * @param text The variable's value.
 * @returns The attributes (string values), or `undefined` when the value is malformed.
 * @example
 * ```ts
 * import { parseResourceAttributes } from "@tracelet/tracelet";
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
    let problem = "is not key=value";
    if (key !== "") {
      try {
        setOwn<AttributeValue>(out, key, decodeURIComponent(entry.slice(eq + 1).trim()));
        continue;
      } catch {
        problem = "has a bad percent-encoding";
      }
    }
    report(
      "warn",
      "invalid_env",
      `Cannot parse OTEL_RESOURCE_ATTRIBUTES: entry ${i + 1} ${problem}; ignoring the variable`,
    );
    return undefined;
  }
  return out;
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
 * import { resolveResourceFromEnv } from "@tracelet/tracelet";
 * const env = (name: string) => ({ OTEL_SERVICE_NAME: "checkout" })[name];
 * console.log(resolveResourceFromEnv({}, env).attributes["service.name"]); // "checkout"
 * ```
 */
export function resolveResourceFromEnv(options: ResourceOptions = {}, env?: EnvReader): Resource {
  const text = readEnv(env, "OTEL_RESOURCE_ATTRIBUTES");
  const fromEnv = text === undefined ? undefined : parseResourceAttributes(text);
  return resolveResource({
    sdkLanguage: options.sdkLanguage,
    serviceName: nonBlank(options.serviceName) ??
      nonBlank(options.attributes?.["service.name"]) ??
      readEnv(env, "OTEL_SERVICE_NAME") ??
      nonBlank(fromEnv?.["service.name"]),
    attributes: { ...fromEnv, ...options.attributes },
  });
}
