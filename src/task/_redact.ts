/**
 * How the task layer applies the shared redaction policy to logged values. Everything the policy
 * masks (values under sensitive keys, including inside JSON-looking strings, and the whole value
 * when its logged name is sensitive, e.g. `logParam("api_key", …)`) is replaced before a value is
 * hashed or stored anywhere; long strings are truncated only where a value is stored on the span
 * (objects kept in the blob store keep their full text). A value stored on the span that does not
 * fit the serializer's 1 MiB budget has its strings cut while it is serialized (see
 * {@linkcode serializedForSpan}), so one huge string does not push out its sibling fields.
 *
 * @internal
 * @module
 */
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { serialize, serializeTruncatingStrings } from "../serialize/serialize.ts";
import type { JsonValue, SerializeOptions } from "../serialize/types.ts";
import { isCutNumberArray } from "./_number_array.ts";
import { codePointLength } from "../redact/truncate.ts";

/** How a value stored on a span is serialized (the default 1 MiB budget; no schema needed). */
const SPAN_SERIALIZE: SerializeOptions = { schema: false };

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

/**
 * Serializes a value and redacts it for a span (see {@linkcode redactForSpan}). A value that fits
 * the serializer's budget is serialized as before: strings are cut by redaction, and a string
 * holding JSON keeps its whole text, redacted inside. A value the serializer had to cut (a huge
 * string charged at its full size left no budget for the fields after it) is serialized again
 * with each string cut to the policy's length as it is walked and the budget charged with what
 * is kept: its sibling fields stay, and its marker states its length in code points (an array of
 * numbers cut by the budget is not walked again: it holds no string to cut). With redaction off,
 * nothing is cut to a length.
 *
 * @param value Any value.
 * @param name The name the value is logged under, if any.
 * @returns The JSON-safe, redacted value.
 */
export function serializedForSpan(value: unknown, name?: string): JsonValue {
  const p = policy();
  if (p !== undefined && name !== undefined && p.isSensitiveKey(name)) return p.replacement;
  const plain = serialize(value, SPAN_SERIALIZE);
  if (p === undefined) return plain.value;
  // An array of numbers cut at the budget holds no string to cut: walked again, it is the same.
  const json = plain.truncated && !isCutNumberArray(plain.value)
    ? serializeTruncatingStrings(value, SPAN_SERIALIZE, p.maxStringLength).value
    : plain.value;
  return p.redactValue(json);
}

/**
 * Whether a span copy of `value` has a string cut to the policy's `maxStringLength` (in it, or
 * in JSON held by one of its strings: a string that long counts). Walks the whole value: for
 * values that fit inline (10 KiB), whose copy is otherwise the only one kept.
 *
 * @param value A redacted, serialized value.
 * @returns True when redaction is on and a string of it is longer than the policy keeps.
 */
export function cutOnSpan(value: JsonValue): boolean {
  const p = policy();
  if (p === undefined) return false;
  const max = p.maxStringLength;
  const pending: JsonValue[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "string") {
      if (item.length > max && codePointLength(item) > max) return true;
    } else if (typeof item === "object" && item !== null) {
      for (const child of Object.values(item)) pending.push(child);
    }
  }
  return false;
}
