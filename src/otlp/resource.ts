/**
 * The OpenTelemetry resource spans are attributed to, from explicit settings only: `service.name`
 * (the `serviceName` option, else a `service.name` among the attributes, else `unknown_service`),
 * the given attributes and `telemetry.sdk.*`. This is what a `Tracer` uses; it reads no
 * environment, so the default path stays small. `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES` are applied by `resolveResourceFromEnv()` in
 * `resource_env.ts`, which the presets' `configure()` uses.
 *
 * @module
 */
import { mergeAttributes } from "../attributes.ts";
import type { Attributes, Resource } from "../types.ts";
import { VERSION } from "../version.ts";

/** Reads an environment variable; undefined when unset or when there is no environment. */
export type EnvReader = (name: string) => string | undefined;

/** Options of {@linkcode resolveResource}. */
export interface ResourceOptions {
  /** `service.name`; wins over every other source. */
  serviceName?: string | undefined;
  /** Extra resource attributes; win over `telemetry.sdk.*`. */
  attributes?: Attributes | undefined;
  /** `telemetry.sdk.language`. Default `webjs` (presets may pass `nodejs`). */
  sdkLanguage?: string | undefined;
}

/** The `service.name` used when nothing names the service. */
export const DEFAULT_SERVICE_NAME = "unknown_service";

/**
 * Trims a value; undefined when it is not a string or is blank.
 *
 * @param value Any value.
 * @returns The trimmed text, or undefined.
 */
export function nonBlank(value: unknown): string | undefined {
  return (typeof value === "string" && value.trim()) || undefined;
}

/**
 * Reads an environment variable through a reader that may throw (a denied permission, for
 * example).
 *
 * @param env The reader, if any.
 * @param name The variable.
 * @returns Its trimmed value, or undefined when unset, blank or unreadable.
 */
export function readEnv(env: EnvReader | undefined, name: string): string | undefined {
  try {
    return nonBlank(env?.(name));
  } catch {
    return undefined;
  }
}

/**
 * Builds a resource from explicit settings. Attribute precedence, lowest first:
 * `telemetry.sdk.*`, `options.attributes`; `service.name` comes from `options.serviceName`,
 * else `options.attributes`, else `unknown_service`. No environment is read (see
 * `resolveResourceFromEnv()` in `resource_env.ts` for `OTEL_SERVICE_NAME` and
 * `OTEL_RESOURCE_ATTRIBUTES`).
 *
 * @param options Explicit settings.
 * @returns A frozen resource.
 * @example
 * ```ts
 * import { resolveResource } from "@tracelet/tracelet";
 * const resource = resolveResource({ serviceName: "checkout" });
 * console.log(resource.attributes["service.name"]); // "checkout"
 * ```
 */
export function resolveResource(options: ResourceOptions = {}): Resource {
  const attributes: Attributes = {
    "telemetry.sdk.name": "tracelet",
    "telemetry.sdk.language": options.sdkLanguage ?? "webjs",
    "telemetry.sdk.version": VERSION,
  };
  // Coerced and copied as span attributes are: a Date, a BigInt or an object was dropped from
  // every request, a mixed array sent as OTLP forbids, and a cyclic one made every batch fail.
  mergeAttributes(attributes, options.attributes, Infinity, Infinity);
  attributes["service.name"] = nonBlank(options.serviceName) ??
    nonBlank(attributes["service.name"]) ?? DEFAULT_SERVICE_NAME;
  return Object.freeze({ attributes: Object.freeze(attributes) });
}
