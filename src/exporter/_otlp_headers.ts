/**
 * HTTP header names and values for the OTLP exporter: what `fetch` accepts, the
 * `OTEL_EXPORTER_OTLP_*HEADERS` list format (reported and skipped entry by entry), and the
 * explicit `headers` option (a configuration error naming the header, never its value).
 *
 * @module
 */
import { envWarn } from "../env_warn.ts";
import { TracerError } from "../errors.ts";
import { setOwn } from "../own_property.ts";

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;
const HEADER_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

/**
 * Whether `fetch` accepts a header value: Latin-1 text without control characters other than tab
 * (a newline or a character past U+00FF makes every request fail).
 */
export function isHeaderValue(value: unknown): value is string {
  return typeof value === "string" && HEADER_VALUE.test(value);
}

/** What a header value must be, for messages. */
export const HEADER_TEXT = "a string without control or non-Latin-1 characters";

/**
 * Parses an `OTEL_EXPORTER_OTLP_*HEADERS` value: comma-separated `key=value` pairs with
 * percent-encoded values. Malformed entries are skipped (and reported without their value).
 *
 * @param text The variable's value.
 * @param name The variable's name, for diagnostics.
 * @returns Headers with lower-cased keys.
 */
export function parseOtlpHeaders(text: string, name = "headers"): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = text.split(",");
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i].trim();
    if (entry === "") continue;
    const eq = entry.indexOf("=");
    const key = eq > 0 ? entry.slice(0, eq).trim().toLowerCase() : "";
    if (!HEADER_NAME.test(key)) {
      envWarn(`${name} entry ${i + 1}`, "it is not key=value with a valid header name");
      continue;
    }
    let value: string;
    try {
      value = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      envWarn(`${name} entry ${i + 1}`, "bad percent-encoding");
      continue;
    }
    if (isHeaderValue(value)) setOwn(out, key, value);
    else envWarn(`${name} entry ${i + 1}`, "the value has characters a header cannot carry");
  }
  return out;
}

/** Validates the explicit `headers` option and adds it, names lower-cased (`__proto__` too). */
export function addExplicitHeaders(out: Record<string, string>, given: unknown): void {
  if (given === undefined) return;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot configure OTLP export: `headers` must be an object of header names to values",
    );
  }
  for (const [name, value] of Object.entries(given)) {
    if (!HEADER_NAME.test(name)) {
      throw new TracerError(
        "INVALID_CONFIG",
        `Cannot configure OTLP export: ${JSON.stringify(name)} is not a header name`,
      );
    }
    if (!isHeaderValue(value)) {
      throw new TracerError(
        "INVALID_CONFIG",
        `Cannot configure OTLP export: header \`${name}\` must be ${HEADER_TEXT}`,
      );
    }
    setOwn(out, name.toLowerCase(), value);
  }
}
