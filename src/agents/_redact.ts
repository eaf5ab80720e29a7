/**
 * The agent and events layers' use of the shared serializer and redaction policy: any value
 * becomes JSON-safe (`serialize`), then sensitive keys are masked and long strings truncated
 * (`RedactionPolicy.redactValue`), before it reaches a span attribute or an event sink.
 *
 * @module
 */
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { setOwn } from "../own_property.ts";
import { errorMarker, MAX_OBJECT_BYTES } from "../serialize/limits.ts";
import { serialize } from "../serialize/serialize.ts";
import type { JsonObject, JsonValue } from "../serialize/types.ts";

/**
 * Serializes and redacts a value.
 *
 * @param value Any value.
 * @param policy The policy (default: the process-wide policy).
 * @returns The redacted JSON-safe value.
 * @internal
 */
export function redacted(
  value: unknown,
  policy: RedactionPolicy = getRedactionPolicy(),
): JsonValue {
  return policy.redactValue(serialize(value, { schema: false }).value);
}

/**
 * Nesting levels kept in one field of an exported record; a container deeper than this becomes
 * `"<max depth exceeded>"` inside that field (it keeps stack use bounded for any input).
 */
const EXPORT_MAX_DEPTH = 256;

/**
 * Output budget of one field of an exported record (16 MiB, far above the 100,000 bytes the
 * OpenAI backend keeps of `input` / `output`): a huge value is cut inside that field, so an
 * `export()` never copies more than this of it, and the other fields are never crowded out.
 */
const EXPORT_FIELD_BYTES = MAX_OBJECT_BYTES;

/**
 * A JSON-safe snapshot of one value of an exported OpenAI record, not redacted (the records carry
 * the caller's values): cycles, BigInts, throwing getters and hostile proxies become markers, so
 * `JSON.stringify` of the result cannot throw. Only a value past
 * {@linkcode EXPORT_FIELD_BYTES} or {@linkcode EXPORT_MAX_DEPTH} is cut, inside itself.
 *
 * @param value Any value.
 * @returns The JSON-safe value.
 * @internal
 */
export function jsonSafe(value: unknown): JsonValue {
  return serialize(value, {
    schema: false,
    maxDepth: EXPORT_MAX_DEPTH,
    maxBytes: EXPORT_FIELD_BYTES,
  }).value;
}

/**
 * {@linkcode jsonSafe} of each field of a plain object on its own, so a huge field (a long
 * conversation as `input`) is cut inside itself and never pushes out the fields after it
 * (`model`, `usage`), and no key is added. Anything but a plain object is {@linkcode jsonSafe}
 * whole.
 *
 * @param value A record's fields (span data, an error, trace metadata).
 * @returns The JSON-safe value.
 * @internal
 */
export function jsonSafeFields(value: unknown): JsonValue {
  let keys: string[];
  try {
    const proto = typeof value === "object" && value !== null && Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return jsonSafe(value);
    keys = Object.keys(value as object);
  } catch {
    return jsonSafe(value); // a hostile proxy: the serializer's markers
  }
  const fields = value as Record<string, unknown>;
  const out: JsonObject = {};
  for (const key of keys) {
    let field: unknown;
    try {
      field = fields[key];
    } catch (error) {
      field = errorMarker(error);
    }
    if (field !== undefined) setOwn(out, key, jsonSafe(field));
  }
  return out;
}

/**
 * Serializes and redacts a value into compact JSON text.
 *
 * @param value Any value.
 * @param policy The policy (default: the process-wide policy).
 * @returns JSON text.
 * @internal
 */
export function redactedJson(value: unknown, policy?: RedactionPolicy): string {
  try {
    return JSON.stringify(redacted(value, policy)) ?? "null";
  } catch {
    return "null";
  }
}

/**
 * An OpenAI span error record (`{ message, data }`) as redacted JSON text: `data` by key, the
 * message as free text, so JSON embedded in it (`failed: {"api_key":…}`) is masked too. A policy
 * that throws on the message (a subclass) leaves its replacement instead: the span still ends.
 *
 * @param error The error record.
 * @param policy The policy (default: the process-wide policy).
 * @returns JSON text.
 * @internal
 */
export function redactedErrorJson(
  error: { readonly message: string },
  policy: RedactionPolicy = getRedactionPolicy(),
): string {
  let message: string;
  try {
    message = policy.redactText(error.message, { truncate: false });
  } catch {
    message = policy.replacement;
  }
  return redactedJson({ ...error, message }, policy);
}
