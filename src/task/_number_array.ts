/**
 * The forms of a logged array of numbers (an embedding, a score array) from one `JSON.stringify`
 * of it: the hashed text (Python's JSON), the span copy the default serialization would give (the
 * same numbers, cut at its 1 MiB budget) and the length of that copy's JSON. The serializer
 * charges its budget with each number's printed length and a comma, so where it cuts is where
 * the printed text reaches the budget: the array is not walked, nor its numbers printed, again.
 *
 * @internal
 * @module
 */
import { hashSerialized, type ObjectHashes } from "../hash/object_hash.ts";
import { DEFAULT_MAX_BYTES, MAX_OBJECT_BYTES } from "../serialize/limits.ts";
import { withPythonNumbers } from "../serialize/python_json.ts";
import type { JsonValue, Serialized } from "../serialize/types.ts";

/** What one `JSON.stringify` of a logged array of numbers gives the object store. */
export interface NumberArrayForms {
  /** The hashes of the array as serialized. */
  readonly hashes: ObjectHashes;
  /**
   * `serialize(value, { schema: false }).value`: the same array, or its numbers that fit the
   * default 1 MiB budget followed by the serializer's `<truncated: <n> more items>` marker.
   */
  readonly spanValue: JsonValue[];
  /** The length of `spanValue`'s JSON with Python's numbers (what `jsonLength` measures). */
  readonly spanChars: number;
}

/** The marker the serializer writes in place of the items of an array past its budget. */
const CUT_MARKER = /^<truncated: (\d+) more items>$/;

/**
 * The forms of a logged value that is an array of finite numbers, from its serialization with
 * Python's forms (`pythonCompatible`, cut at the 16 MiB object budget); undefined for any other
 * value (a non-finite number is a string in the default serialization, its length another).
 *
 * @param value The value as logged.
 * @param serialized Its serialization for hashing (`objectSerializeOptions()`), not redacted.
 * @param jsonNumbers Whether `JSON.stringify` writes every number of it as Python does.
 * @returns The forms, or undefined.
 */
export function numberArrayForms(
  value: unknown,
  serialized: Serialized,
  jsonNumbers: boolean,
): NumberArrayForms | undefined {
  const items = serialized.value;
  if (!Array.isArray(items) || !isArray(value)) return undefined;
  // Finite numbers, then (when cut) the marker of the items left out.
  const truncated = serialized.truncated;
  const count = truncated ? items.length - 1 : items.length;
  for (let i = 0; i < count; i++) {
    const item = items[i];
    if (typeof item !== "number" || !Number.isFinite(item)) return undefined;
  }
  const left = truncated ? cutMarkerCount(items[count]) : 0;
  if (left === undefined) return undefined;
  let raw: string;
  try {
    // The numbers alone: followed by the marker, Deno's JSON.stringify takes twice as long.
    raw = JSON.stringify(truncated ? items.slice(0, count) : items);
  } catch {
    return undefined;
  }
  // A marker stands where the numbers reached the 16 MiB budget: after the last one.
  if (
    truncated && (cut(raw, MAX_OBJECT_BYTES) !== undefined || raw.length - 1 < MAX_OBJECT_BYTES - 2)
  ) {
    return undefined;
  }
  const numbers = jsonNumbers ? raw : withPythonNumbers(raw);
  // The hashed text: Python's numbers, then the marker (ASCII, as the serializer writes it).
  const text = truncated ? `${numbers.slice(0, -1)},${JSON.stringify(items[count])}]` : numbers;
  const hashes = hashSerialized(serialized, false, text);
  const spanCount = cut(raw, DEFAULT_MAX_BYTES) ?? count;
  if (spanCount === count && !truncated) {
    return { hashes, spanValue: items, spanChars: text.length };
  }
  const marker = `<truncated: ${count + left - spanCount} more items>`;
  const spanValue = items.slice(0, spanCount);
  spanValue.push(marker);
  // `[` and the kept numbers in Python's forms, then `,"`, the marker and `"]`.
  return { hashes, spanValue, spanChars: numberEnd(numbers, spanCount) + marker.length + 4 };
}

/**
 * Whether a default serialization is an array of numbers cut at its budget: numbers, then the
 * serializer's marker of the items left out. Serialized again with strings cut to a length, it
 * is the same value (numbers are never cut, and charge the budget alike).
 *
 * @param value A serialized value that was cut.
 * @returns Whether it is such an array.
 */
export function isCutNumberArray(value: JsonValue): boolean {
  if (!Array.isArray(value) || cutMarkerCount(value[value.length - 1]) === undefined) return false;
  for (let i = 0; i < value.length - 1; i++) if (typeof value[i] !== "number") return false;
  return true;
}

/** `Array.isArray`, false where it throws (a revoked proxy). */
function isArray(value: unknown): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/** The number of items a cut marker says were left out, or undefined for any other value. */
function cutMarkerCount(value: JsonValue | undefined): number | undefined {
  const match = typeof value === "string" ? CUT_MARKER.exec(value) : null;
  return match === null ? undefined : Number(match[1]);
}

/**
 * Where the serializer cuts the numbers whose JSON is `raw` within `budget`: it charges 2 bytes,
 * then each number its length and 1, and cuts before a number once nothing is left. The numbers
 * before the comma at index `i` cost `i` bytes, so the cut falls at the first comma at
 * `budget - 2` or after.
 *
 * @returns How many numbers are kept, or undefined when none is cut.
 */
function cut(raw: string, budget: number): number | undefined {
  const comma = raw.indexOf(",", budget - 2);
  return comma < 0 ? undefined : commasBefore(raw, comma) + 1;
}

/** Where the `n`th number of the JSON array `text` ends (n >= 1): its comma, or the `]`. */
function numberEnd(text: string, n: number): number {
  let at = text.indexOf(",");
  for (let i = 1; i < n && at >= 0; i++) at = text.indexOf(",", at + 1);
  return at < 0 ? text.length - 1 : at;
}

/** The commas before index `end` (the numbers before it, less one). */
function commasBefore(raw: string, end: number): number {
  let commas = 0;
  for (let i = raw.indexOf(","); i >= 0 && i < end; i = raw.indexOf(",", i + 1)) commas++;
  return commas;
}
