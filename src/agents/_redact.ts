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
import { MAX_OBJECT_BYTES } from "../serialize/limits.ts";
import { plainFields } from "../serialize/_plain_fields.ts";
import { serialize, serializeTruncatingStrings } from "../serialize/serialize.ts";
import type { JsonObject, JsonValue } from "../serialize/types.ts";

/** How a value is serialized before it is redacted (the default 1 MiB budget, no schema). */
const REDACTED_SERIALIZE = { schema: false } as const;

/**
 * Serializes and redacts a value. A value that fits the serializer's budget is serialized as
 * before (strings are cut by redaction; a string holding JSON keeps its whole text, redacted
 * inside). A value the serializer had to cut (a huge string charged at its full size left no
 * budget for the fields after it) is serialized again with each string cut to the policy's length
 * as it is walked and the budget charged with what is kept: its sibling fields stay (a function
 * span's `output` after a huge `input`), and its marker states its length in code points. With the
 * policy disabled, nothing is cut to a length.
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
  const plain = serialize(value, REDACTED_SERIALIZE);
  const json = plain.truncated && policy.enabled
    ? serializeTruncatingStrings(value, REDACTED_SERIALIZE, policy.maxStringLength).value
    : plain.value;
  return policy.redactValue(json);
}

/**
 * Nesting levels kept in one field of an exported record; a container deeper than this becomes
 * `"<max depth exceeded>"` inside that field (it keeps stack use bounded for any input).
 */
const EXPORT_MAX_DEPTH = 256;

/**
 * Output budget of one exported value, and of all the fields of one record together (16 MiB, far
 * above the 100,000 bytes the OpenAI backend keeps of `input` / `output`): a huge value is cut
 * inside itself, so an `export()` never copies more than this, however many fields it has.
 */
const EXPORT_BYTES = MAX_OBJECT_BYTES;

/**
 * A field that fits in this much (64 KiB) is kept whole before any larger field is copied, so
 * small fields (`model`, `usage`) are never crowded out by a large one.
 */
const EXPORT_SMALL_FIELD_BYTES = 64 * 1024;

/** {@linkcode jsonSafe} within `maxBytes`. */
function jsonSafeWithin(value: unknown, maxBytes: number) {
  return serialize(value, { schema: false, maxDepth: EXPORT_MAX_DEPTH, maxBytes });
}

/** The length of a JSON-safe value's JSON text (what it uses of a budget). */
const jsonLength = (value: JsonValue): number => JSON.stringify(value).length;

/**
 * A JSON-safe snapshot of one value of an exported OpenAI record, not redacted (the records carry
 * the caller's values): cycles, BigInts, throwing getters and hostile proxies become markers, so
 * `JSON.stringify` of the result cannot throw. Only a value past {@linkcode EXPORT_BYTES} or
 * {@linkcode EXPORT_MAX_DEPTH} is cut, inside itself.
 *
 * @param value Any value.
 * @returns The JSON-safe value.
 * @internal
 */
export function jsonSafe(value: unknown): JsonValue {
  return jsonSafeWithin(value, EXPORT_BYTES).value;
}

/**
 * {@linkcode jsonSafe} of each field of a plain object on its own, so a huge field (a long
 * conversation as `input`) is cut inside itself and never pushes out the other fields (`model`,
 * `usage`), and no key is added. All fields share one {@linkcode EXPORT_BYTES} budget: fields up to
 * {@linkcode EXPORT_SMALL_FIELD_BYTES} are kept first, then the larger ones share what is left
 * (in key order, each at most an even share of it), so a record with many large fields (or many
 * references to one large array) stays within the budget. Anything but a plain object is
 * {@linkcode jsonSafe} whole.
 *
 * @param value A record's fields (span data, an error, trace metadata).
 * @returns The JSON-safe value.
 * @internal
 */
export function jsonSafeFields(value: unknown): JsonValue {
  const fields = plainFields(value);
  if (fields === undefined) return jsonSafe(value); // not a plain record: the serializer's walk
  // Pass 1: small fields, kept whole. A larger one is only tried, its (cut) copy dropped; the
  // tries count against the budget too, so this pass copies at most EXPORT_BYTES in all.
  const kept = new Map<string, JsonValue>();
  const large: string[] = [];
  let left = EXPORT_BYTES;
  let tried = 0;
  for (const [key, field] of fields) {
    const probe = Math.min(EXPORT_SMALL_FIELD_BYTES, left - tried);
    const result = jsonSafeWithin(field, Math.max(0, probe));
    if (result.truncated) {
      large.push(key);
      tried += Math.max(0, probe);
    } else {
      kept.set(key, result.value);
      left -= jsonLength(result.value);
    }
  }
  // Pass 2: the large fields share what the small ones left.
  for (let i = 0; i < large.length; i++) {
    const share = Math.max(0, Math.floor(left / (large.length - i)));
    const cut = jsonSafeWithin(fields.get(large[i]), share).value;
    kept.set(large[i], cut);
    left -= jsonLength(cut);
  }
  const out: JsonObject = {};
  for (const key of fields.keys()) setOwn(out, key, kept.get(key)!);
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
