/**
 * Event attributes made JSON-safe field by field, within the byte budget of the event line
 * (`TraceSession.redact`): each top-level attribute is serialized on its own, so a large payload
 * is cut inside itself and never pushes out the attributes after it (`model`, `usage`, `error`,
 * `metadata`), and the serializer's walk over one event stays bounded whatever the payload.
 *
 * @internal
 * @module
 */
import { asObject } from "./event.ts";
import { fitAttributes } from "./_fit_json.ts";
import { setOwn } from "../own_property.ts";
import { DEFAULT_MAX_BYTES } from "../serialize/limits.ts";
import { plainFields } from "../serialize/_plain_fields.ts";
import { serializeTruncatingStrings } from "../serialize/serialize.ts";
import type { JsonObject, JsonValue, SerializeOptions } from "../serialize/types.ts";

/**
 * The most the serializer copies of one event's attributes beyond the first walk (4 MiB, four
 * times the event line's budget): enough to see the whole of a large payload (a completion with
 * logprobs, 1.3 MB) and the small fields after large ones inside it (`usage` after two 1 MB
 * lists) before the line's budget cuts its largest parts first, while a much larger one costs a
 * bounded walk (a field past its share is cut at its end by the serializer). Measured on Node: a
 * 1.3 MB completion 120 ms, a 20 MB tool result 120 ms (the previous single 1 MiB walk, which
 * dropped every key after the payload: 35 and 12 ms); 1.5 MiB made the second 55 ms but lost the
 * `usage` after two large lists.
 */
export const EVENT_WALK_BYTES: number = 4 * DEFAULT_MAX_BYTES;

/** The least bytes of the line a top-level key with its value takes when every key is kept. */
const MANY_KEYS_SHARE = 48;

/** The least bytes any top-level key takes in the line (`"k": 0, `). */
const MIN_KEY_BYTES = 8;

/** A field that fits in this much (64 KiB) is kept as it is before any larger one is walked. */
const SMALL_BYTES = 64 * 1024;

/** A field's walk: no schema, the given depth and budget, strings cut to the policy's length. */
function walk(value: unknown, maxDepth: number, maxBytes: number, maxCodePoints: number) {
  const options: SerializeOptions = { schema: false, maxDepth, maxBytes };
  return serializeTruncatingStrings(value, options, maxCodePoints);
}

/** The length of a JSON-safe value's JSON text (what it used of a walk's budget, about). */
function jsonLength(value: JsonValue): number {
  return JSON.stringify(value).length;
}

/**
 * Whether a walk within `maxBytes` flagged `truncated`, whose JSON text is `length` long, may have
 * been cut by that budget rather than only by the string limit or the depth: a budget cut spends
 * the whole budget, which the JSON text of what it kept reflects to within a factor of three (a
 * character the budget counts as three UTF-8 bytes is one code unit of text).
 */
function spentBudget(length: number, maxBytes: number): boolean {
  return length * 4 >= maxBytes;
}

/**
 * Attributes as a JSON-safe object that takes at most `lineBytes` bytes of the event line (see
 * `fitAttributes`), each string cut to `maxCodePoints`, containers nested deeper than `maxDepth`
 * levels inside a field cut (`"<max depth exceeded>"`). Attributes the serializer's budget counts
 * within a third of `lineBytes` are serialized in one walk (their line, where a character takes at
 * most three times what the budget counts, fits). Otherwise each field is serialized on its own:
 * first every field within 64 KiB, then the larger ones, in key order, each within an even share of
 * what is left of {@linkcode EVENT_WALK_BYTES} (a field past its share is cut at its end by the
 * serializer), and the result is fitted to `lineBytes`, the largest values cut first. Attributes
 * that are not a plain object are serialized whole, within that budget, then fitted.
 *
 * @param attributes The attributes as given.
 * @param maxDepth Nesting levels kept inside each field.
 * @param maxCodePoints The redaction policy's string limit (`Infinity`: none).
 * @param lineBytes The budget of the attributes in the event line.
 * @returns JSON-safe attributes, in their key order.
 */
export function serializeFields(
  attributes: unknown,
  maxDepth: number,
  maxCodePoints: number,
  lineBytes: number,
): JsonObject {
  const wholeBytes = Math.floor(lineBytes / 3);
  const whole = walk(attributes, maxDepth + 1, wholeBytes, maxCodePoints);
  if (!whole.truncated || !spentBudget(jsonLength(whole.value), wholeBytes)) {
    return asObject(whole.value);
  }
  const fields = plainFields(attributes);
  // More keys than the line can give even a marker each (200,000 keys took a second field by
  // field): the keys that can fit at all, in one walk within the line's budget; the fit keeps
  // what fits, and the count of the others covers every key left out.
  if (fields !== undefined && fields.size > lineBytes / MANY_KEYS_SHARE) {
    const head: Record<string, unknown> = {};
    let n = 0;
    for (const [key, field] of fields) {
      if (n++ >= lineBytes / MIN_KEY_BYTES) break;
      setOwn(head, key, field);
    }
    const fitted = fitAttributes(
      asObject(walk(head, maxDepth + 1, lineBytes, maxCodePoints).value),
      lineBytes,
    );
    const kept = Object.keys(fitted).filter((key) => fields.has(key)).length;
    if (kept < fields.size) setOwn(fitted, "<truncated>", `${fields.size - kept} more properties`);
    return fitted;
  }
  if (fields === undefined) {
    const value = walk(attributes, maxDepth + 1, EVENT_WALK_BYTES, maxCodePoints).value;
    return fitAttributes(asObject(value), lineBytes);
  }
  const kept = new Map<string, JsonValue>();
  const large: string[] = [];
  let left = EVENT_WALK_BYTES;
  let tried = 0;
  // Pass 1: fields that fit 64 KiB, kept whole. The tries of larger ones count against the
  // budget too, so all the walks of one event copy at most EVENT_WALK_BYTES.
  for (const [key, field] of fields) {
    const probe = Math.max(0, Math.min(SMALL_BYTES, left - tried));
    const result = walk(field, maxDepth, probe, maxCodePoints);
    const length = jsonLength(result.value);
    if (result.truncated && spentBudget(length, probe)) {
      large.push(key);
      tried += probe;
    } else {
      kept.set(key, result.value);
      left -= length;
    }
  }
  // Pass 2: the larger fields share what is left.
  for (let i = 0; i < large.length; i++) {
    const part = Math.max(0, Math.floor(left / (large.length - i)));
    const value = walk(fields.get(large[i]), maxDepth, part, maxCodePoints).value;
    kept.set(large[i], value);
    left -= jsonLength(value);
  }
  const out: JsonObject = {};
  for (const key of fields.keys()) setOwn(out, key, kept.get(key)!);
  return fitAttributes(out, lineBytes);
}
