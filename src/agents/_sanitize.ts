/**
 * What the OpenAI traces backend accepts of a span record (applied by `BackendSpanExporter`
 * when it posts to the official endpoint): `span_data.input` and `span_data.output` at most
 * 100,000 UTF-8 bytes of compact JSON each, `usage` only on generation spans and only as finite
 * `input_tokens` / `output_tokens` with everything else that has a value under `details`.
 *
 * @module
 */
import { cutText } from "../cut_text.ts";
import { isObject } from "../option_rules.ts";
import { setOwn } from "../own_property.ts";
import { safeString } from "../safe_string.ts";
import { jsonNumberLength, jsonStringBytes } from "../serialize/_json_length.ts";
import { utf8Encoder } from "../utf8.ts";

/** Appended to a string that was cut. */
const SUFFIX = "... [truncated]";
/** Deeper values are replaced whole (also ends cycles in foreign records). */
const MAX_DEPTH = 64;
/** Nesting from which `walk` leaves a value to `JSON.stringify` (bounds its own recursion). */
const WALK_DEPTH = 256;

type Json = Record<string, unknown>;

/**
 * The sizes measured so far of one record's objects, so that each subtree is measured once
 * however deep it lies (-1: its JSON throws, as for a cycle).
 */
type Sizes = Map<object, number>;

/** A value fitted to a budget and the UTF-8 bytes of its compact JSON (-1: it has none). */
interface Fitted {
  value: unknown;
  size: number;
}

/**
 * What one record's sanitizing has worked out: the sizes of its objects, and each object fitted
 * to a budget at a depth (keyed `budget/depth`), so that an object met again, as through every
 * reference of a cycle, is fitted once (without it, two references back to an ancestor made the
 * work double at each of the 64 levels).
 */
interface Memo {
  readonly sizes: Sizes;
  readonly fitted: Map<object, Map<string, Fitted>>;
}

/** `String.prototype.isWellFormed` (ES2024) where the runtime has it. */
const isWellFormed =
  (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
const isRawJSON = (JSON as { isRawJSON?: (value: unknown) => boolean }).isRawJSON;
const objectTag = Object.prototype.toString;
/** A UTF-16 surrogate: half of a pair, or lone. */
const SURROGATE = /[\ud800-\udfff]/;

/** UTF-8 bytes of `JSON.stringify(value)`; -1 when it is undefined. Throws as it does. */
function stringifiedBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return text === undefined ? -1 : utf8Encoder.encode(text).length;
}

/** UTF-8 bytes of a string's compact JSON, quotes included, without encoding it. */
function stringBytes(text: string): number {
  // JSON.stringify escapes a lone surrogate as `\udXXX` (6 bytes, not the 2 counted here).
  return isWellFormed?.call(text) ? jsonStringBytes(text, false) + 2 : stringifiedBytes(text);
}

/** Whether `JSON.stringify` writes the object otherwise than its own enumerable keys. */
function special(value: object): boolean {
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return true;
  if (isRawJSON?.(value)) return true;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === Array.prototype || proto === null) return false;
  const tag = objectTag.call(value); // a boxed primitive is written as the primitive
  return tag === "[object Number]" || tag === "[object String]" ||
    tag === "[object Boolean]" || tag === "[object BigInt]";
}

/**
 * UTF-8 bytes of `JSON.stringify(value)` in one walk, recording the size of every object in it;
 * -1 for undefined, a function or a symbol. Throws where `JSON.stringify` would (a cycle, a
 * BigInt, a throwing getter).
 */
function walk(value: unknown, sizes: Sizes, path: Set<object>): number {
  switch (typeof value) {
    case "string":
      return stringBytes(value);
    case "number":
      return Number.isFinite(value) ? jsonNumberLength(value) : 4;
    case "boolean":
      return value ? 4 : 5;
    case "bigint":
      return stringifiedBytes(value); // throws, unless BigInt.prototype.toJSON is set
    case "object":
      break;
    default:
      return -1;
  }
  if (value === null) return 4;
  const known = sizes.get(value);
  if (known !== undefined) {
    if (known < 0) throw new TypeError("not serializable");
    return known;
  }
  if (path.has(value)) throw new TypeError("cyclic");
  if (path.size >= WALK_DEPTH || special(value)) return stringifiedBytes(value);
  path.add(value);
  let size = 1; // the opening bracket, then each item and its comma or closing bracket
  let items = 0;
  if (Array.isArray(value)) {
    items = value.length;
    for (let i = 0; i < items; i++) {
      const item = walk(value[i], sizes, path);
      size += (item < 0 ? 4 : item) + 1; // null for an item without JSON
    }
  } else {
    for (const key of Object.keys(value)) {
      const item = walk((value as Json)[key], sizes, path);
      if (item < 0) continue; // left out
      size += stringBytes(key) + 1 + item + 1;
      items++;
    }
  }
  path.delete(value);
  if (items === 0) size = 2;
  sizes.set(value, size);
  return size;
}

/** UTF-8 bytes of the compact JSON of `value`; -1 when it has none (throws, or undefined). */
function measure(value: unknown, sizes: Sizes): number {
  const path = new Set<object>();
  try {
    return walk(value, sizes, path);
  } catch (error) {
    // Every object on the path holds what threw, so its JSON throws too (unless the stack ran
    // out, which depends on where the walk started).
    if (!(error instanceof RangeError)) path.forEach((node) => sizes.set(node, -1));
    return -1;
  }
}

/** Stands in for a value that cannot be serialized. */
function placeholder(value: unknown): Json {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return { truncated: true, original_type: type, preview: cutText(safeString(value), 100) };
}

/** The longest prefix of `text` (plus the suffix) whose JSON fits `budget` bytes. */
function cutString(text: string, budget: number): string {
  // Every character takes at least one byte, so no fitting prefix is longer than the budget.
  let low = 0;
  let high = Math.min(text.length, budget);
  if (!SURROGATE.test(text.slice(0, high + 1))) {
    // Each longer prefix takes more bytes: the cut is where the budget runs out.
    return cutText(text, jsonStringBytes(text, false, budget - 2 - SUFFIX.length)) + SUFFIX;
  }
  // A prefix ending inside a surrogate pair takes more bytes than one keeping the whole pair (its
  // lone half is written `\udXXX`): the bytes do not grow steadily, and this search decides.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (stringBytes(text.slice(0, mid) + SUFFIX) <= budget) low = mid;
    else high = mid - 1;
  }
  return cutText(text, low) + SUFFIX; // never half a surrogate pair
}

/** An array or object shrunk largest-child-first until its JSON fits `budget` bytes. */
function fitContainer(value: object, budget: number, depth: number, memo: Memo): Fitted {
  const array = Array.isArray(value);
  const entries = (array ? [...value.entries()] : Object.entries(value)).map(([key, child]) => {
    let size = measure(child, memo.sizes);
    if (size < 0 && (child === undefined || typeof child === "function")) {
      if (!array) return undefined; // JSON leaves these keys out anyway
      child = null; // and writes null for these items
      size = 4;
    }
    if (size < 0) {
      ({ value: child, size } = fit(child, budget, depth + 1, memo, size));
      size = Math.max(0, size);
    }
    const overhead = array ? 0 : stringBytes(String(key)) + 1;
    return { key: String(key), child, size, overhead, kept: true };
  }).filter((entry) => entry !== undefined);
  let total = 1 + entries.reduce((sum, e) => sum + e.overhead + e.size + 1, 0);
  for (const entry of [...entries].sort((a, b) => b.size - a.size)) {
    const excess = total - budget;
    if (excess <= 0) break;
    const target = entry.size - excess;
    const fitted = target >= SUFFIX.length + 2
      ? fit(entry.child, target, depth + 1, memo, entry.size)
      : undefined;
    const size = fitted === undefined ? -1 : fitted.size;
    if (fitted === undefined || size < 0 || size >= entry.size) {
      entry.kept = false; // cannot shrink enough: left out
      total -= entry.overhead + entry.size + 1;
    } else {
      total += size - entry.size;
      entry.child = fitted.value;
      entry.size = size;
    }
  }
  const kept = entries.filter((e) => e.kept);
  const size = kept.length === 0 ? 2 : total;
  if (array) return { value: kept.map((e) => e.child), size };
  const out: Json = {};
  for (const e of kept) setOwn(out, e.key, e.child);
  return { value: out, size };
}

/**
 * `value` shrunk so that its compact JSON takes at most `budget` UTF-8 bytes (best effort), with
 * the bytes it takes. `size` is what `value` takes, when already measured.
 */
function fit(
  value: unknown,
  budget: number,
  depth: number,
  memo: Memo,
  size = measure(value, memo.sizes),
): Fitted {
  if (size >= 0 && size <= budget) return { value, size };
  if (typeof value === "string") {
    const cut = cutString(value, budget);
    return { value: cut, size: stringBytes(cut) };
  }
  if (typeof value === "object" && value !== null && depth < MAX_DEPTH) {
    const key = `${budget}/${depth}`;
    let done = memo.fitted.get(value);
    const known = done?.get(key);
    if (known !== undefined) return known;
    const fitted = fitContainer(value, budget, depth, memo);
    if (done === undefined) memo.fitted.set(value, done = new Map());
    done.set(key, fitted);
    return fitted;
  }
  if (size >= 0) return { value, size };
  const stand = placeholder(value);
  return { value: stand, size: measure(stand, memo.sizes) };
}

/**
 * A generation's usage as the backend takes it, or undefined when its tokens are unusable. The
 * other keys move under `details`, except those whose value is null or undefined (as in Python).
 */
function backendUsage(usage: unknown): Json | undefined {
  if (!isObject(usage)) return undefined;
  const { input_tokens, output_tokens, details, ...rest } = usage;
  if (!Number.isFinite(input_tokens) || !Number.isFinite(output_tokens)) return undefined;
  const moved: Json = isObject(details) ? { ...details } : {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== null && value !== undefined) setOwn<unknown>(moved, key, value);
  }
  return Object.keys(moved).length === 0
    ? { input_tokens, output_tokens }
    : { input_tokens, output_tokens, details: moved };
}

/**
 * A copy of an exported record in the shape the OpenAI traces backend accepts. Records other
 * than spans, and spans without span data, are returned as they are; the record is never
 * modified.
 *
 * @param record A trace or span record (`export()` of a trace or span).
 * @param maxFieldBytes The most UTF-8 bytes of compact JSON of `input` and of `output`.
 * @returns The record to post.
 * @internal
 */
export function sanitizeForBackend(record: unknown, maxFieldBytes: number): unknown {
  if (!isObject(record) || record.object !== "trace.span" || !isObject(record.span_data)) {
    return record;
  }
  const data: Json = { ...record.span_data };
  const memo: Memo = { sizes: new Map(), fitted: new Map() };
  for (const name of ["input", "output"]) {
    if (data[name] !== undefined) data[name] = fit(data[name], maxFieldBytes, 0, memo).value;
  }
  if (data.usage !== undefined) {
    const usage = data.type === "generation" ? backendUsage(data.usage) : undefined;
    if (usage === undefined) delete data.usage;
    else data.usage = usage;
  }
  return { ...record, span_data: data };
}
