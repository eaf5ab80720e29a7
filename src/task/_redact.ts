/**
 * How the task layer applies the shared redaction policy to logged values. Secrets under
 * sensitive keys (including the logged name itself, e.g. `logParam("api_key", …)`) are replaced
 * before a value is hashed or stored anywhere; long strings are truncated only where a value is
 * stored on the span (objects kept in the blob store keep their full text).
 *
 * @internal
 * @module
 */
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import type { JsonObject, JsonValue } from "../serialize/types.ts";

function policy(): RedactionPolicy | undefined {
  try {
    const p = getRedactionPolicy();
    return p.enabled ? p : undefined;
  } catch {
    return undefined;
  }
}

function keysOnly(p: RedactionPolicy, value: JsonValue, depth: number): JsonValue {
  if (value === null || typeof value !== "object") return value;
  if (depth > 64) return p.replacement;
  if (Array.isArray(value)) {
    let out: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = keysOnly(p, value[i], depth + 1);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  let out: JsonObject | undefined;
  for (const key of Object.keys(value)) {
    const r = p.isSensitiveKey(key) ? p.replacement : keysOnly(p, value[key], depth + 1);
    if (r !== value[key]) (out ??= { ...value })[key] = r;
  }
  return out ?? value;
}

/**
 * Replaces values under sensitive keys (and the whole value when `name` is sensitive).
 * Strings are not truncated.
 *
 * @param value A serialized value.
 * @param name The name the value is logged under, if any.
 * @returns The redacted value (the same reference when nothing changed).
 */
export function redactKeys(value: JsonValue, name?: string): JsonValue {
  const p = policy();
  if (p === undefined) return value;
  if (name !== undefined && p.isSensitiveKey(name)) return p.replacement;
  return keysOnly(p, value, 0);
}

/**
 * Full redaction for values stored on a span: sensitive keys and long-string truncation.
 *
 * @param value A serialized value.
 * @param name The name the value is logged under, if any.
 * @returns The redacted value.
 */
export function redactForSpan(value: JsonValue, name?: string): JsonValue {
  const p = policy();
  if (p === undefined) return value;
  if (name !== undefined && p.isSensitiveKey(name)) return p.replacement;
  return p.redactValue(value);
}
