/**
 * The agent and events layers' use of the shared serializer and redaction policy: any value
 * becomes JSON-safe (`serialize`), then sensitive keys are masked and long strings truncated
 * (`RedactionPolicy.redactValue`), before it reaches a span attribute or an event sink.
 *
 * @module
 */
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { serialize } from "../serialize/serialize.ts";
import type { JsonValue } from "../serialize/types.ts";

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
 * A JSON-safe snapshot of a value, not redacted (for the exported OpenAI records, which carry the
 * caller's values): cycles, BigInts, throwing getters and hostile proxies become markers, so
 * `JSON.stringify` of the result cannot throw.
 *
 * @param value Any value.
 * @returns The JSON-safe value.
 * @internal
 */
export function jsonSafe(value: unknown): JsonValue {
  return serialize(value, { schema: false }).value;
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
