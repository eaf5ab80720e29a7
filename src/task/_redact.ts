/**
 * How the task layer applies the shared redaction policy to logged values. Everything the policy
 * masks (values under sensitive keys, including inside JSON-looking strings, and the whole value
 * when its logged name is sensitive, e.g. `logParam("api_key", …)`) is replaced before a value is
 * hashed or stored anywhere; long strings are truncated only where a value is stored on the span
 * (objects kept in the blob store keep their full text).
 *
 * @internal
 * @module
 */
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import type { JsonValue } from "../serialize/types.ts";

function policy(): RedactionPolicy | undefined {
  try {
    const p = getRedactionPolicy();
    return p.enabled ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Full redaction without truncation, for values that are hashed and stored (blob store): the
 * same masking as {@linkcode redactForSpan}, but strings keep their length.
 *
 * @param value A serialized value.
 * @param name The name the value is logged under, if any.
 * @returns The redacted value (the same reference when nothing changed).
 */
export function redactStored(value: JsonValue, name?: string): JsonValue {
  const p = policy();
  if (p === undefined) return value;
  if (name !== undefined && p.isSensitiveKey(name)) return p.replacement;
  return p.redactValue(value, { truncate: false });
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
