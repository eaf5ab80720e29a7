/**
 * Fitting an event's JSON-safe attributes into the byte budget of one event line, cutting the
 * largest parts first: an object keeps every key (a value that does not fit its share is cut
 * inside itself, or replaced by a marker string), so one large payload never pushes out the small
 * fields beside it (`usage` after a response's `choices`, `error` after a step's `output`). Sizes
 * are those of the written line: Python's `json.dumps(ensure_ascii=True)` with its `", "` and
 * `": "` separators (see `eventLine`).
 *
 * @internal
 * @module
 */
import { cutText } from "../cut_text.ts";
import { jsonNumberLength, jsonStringBytes } from "../serialize/_json_length.ts";
import { CodePointCut } from "../serialize/_string_cut.ts";
import { markedLike } from "../serialize/_error_records.ts";
import { setOwn } from "../own_property.ts";
import type { JsonObject, JsonValue } from "../serialize/types.ts";

/**
 * The least share a cut value is given (bytes): every marker fits in it, so a value cut to a
 * share of at least this many bytes never takes more than its share.
 */
const MIN_SHARE = 48;

/**
 * An array whose water level (the share each of its largest items would get) is below this many
 * bytes, or that would have more than {@linkcode MAX_CUT_ITEMS} items cut, keeps its leading items
 * whole instead, then one marker for the rest (40,000 rows keep their first whole rows, not 40,000
 * stubs).
 */
const MIN_ITEM_SHARE = 1024;

/** The most items of one array cut inside themselves (see {@linkcode MIN_ITEM_SHARE}). */
const MAX_CUT_ITEMS = 8;

/** Bytes kept free for the `, "<truncated: N more items>"` that ends a cut array. */
const TAIL_MARKER_RESERVE = 48;

/** Cuts a string to the room left, stating its length in code points (as redaction does). */
const STRING_CUT = new CodePointCut(Infinity);

/** The longest `...[truncated:<n>]` marker. */
const STRING_MARKER_BYTES = 31;

/**
 * The sizes of the containers of at least {@linkcode CACHED_SIZE} bytes in the written line,
 * computed once (a smaller one is measured again when it is needed: cheaper than remembering the
 * size of each of a payload's million small objects).
 */
type Sizes = Map<object, number>;

/** The least size (bytes) of a container whose size is remembered. */
const CACHED_SIZE = 1024;

/** A string of printable ASCII without `"` or `\`: its JSON body is as long as it is. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The bytes of a key's `"key": ` in the written line. */
function keyBytes(key: string): number {
  return stringBytes(key) + 2;
}

/** The bytes of a string's literal, quotes included, in the written line. */
function stringBytes(text: string): number {
  return (PLAIN_ASCII.test(text) ? text.length : jsonStringBytes(text, true)) + 2;
}

/**
 * The bytes a JSON-safe value takes in the written line (Python's ASCII-only form; a number can
 * differ by a character or two).
 */
function sizeOf(value: JsonValue, sizes: Sizes): number {
  if (typeof value === "string") return stringBytes(value);
  if (typeof value === "number") return jsonNumberLength(value);
  if (typeof value === "boolean") return value ? 4 : 5;
  if (value === null) return 4;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  let total = 2;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) total += sizeOf(value[i], sizes) + (i > 0 ? 2 : 0);
  } else {
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      total += keyBytes(keys[i]) + sizeOf(value[keys[i]], sizes) + (i > 0 ? 2 : 0);
    }
  }
  if (total >= CACHED_SIZE) sizes.set(value, total);
  return total;
}

/** The marker of a byte array the serializer cut without a string limit (its base64 before it). */
const BYTES_MARKER = /\.\.\.\[truncated:[0-9]{1,16} bytes\]$/;

/**
 * A string cut to `target` bytes, its marker stating its original length in code points (the
 * marker of a string or byte array cut already is kept, with the length it states).
 */
function cutString(text: string, target: number): string {
  const room = Math.max(0, target - 2 - STRING_MARKER_BYTES);
  const bytes = BYTES_MARKER.exec(text);
  if (bytes !== null) {
    const base64 = text.slice(0, bytes.index);
    return `${cutText(base64, Math.max(0, room - 6))}${bytes[0]}`;
  }
  return STRING_CUT.cut(text, text, Infinity, room, true) ?? text;
}

/** What replaces an array or object given too little room to keep any of it. */
function containerMarker(value: JsonValue[] | JsonObject): string {
  return Array.isArray(value)
    ? `<truncated: ${value.length} items>`
    : `<truncated: ${Object.keys(value).length} properties>`;
}

/**
 * A value cut to at most `target` bytes when it is larger (a `target` of at least
 * {@linkcode MIN_SHARE} is never passed; a smaller one can be, by a marker's bytes).
 */
function fit(value: JsonValue, target: number, sizes: Sizes): JsonValue {
  if (sizeOf(value, sizes) <= target) return value;
  if (typeof value === "string") return cutString(value, target);
  if (value === null || typeof value !== "object") return value; // a number: at most 24 bytes
  if (target < MIN_SHARE) return containerMarker(value);
  if (Array.isArray(value)) {
    return fitArray(value, value.map((item) => sizeOf(item, sizes)), target, sizes);
  }
  const keys = Object.keys(value);
  const values = keys.map((key) => value[key]);
  const room = target - objectOverhead(keys);
  const bytes = values.map((item) => sizeOf(item, sizes));
  if (room < leastNeeded(bytes)) return containerMarker(value);
  // A cut error record is still one: redaction reads its message and stack as error text.
  return markedLike(value, objectOf(keys, share(values, bytes, room, sizes)));
}

/** The least bytes values of these sizes need to be given each at least a marker (or all of it). */
function leastNeeded(bytes: readonly number[]): number {
  let total = 0;
  for (const size of bytes) total += Math.min(size, MIN_SHARE);
  return total;
}

/**
 * Values sharing `room` bytes, the largest cut first: in increasing size, each is kept whole when
 * it fits an even share of what is left, else cut to that share (the smaller values kept whole
 * leave more for the larger ones). `bytes`: the size of each value.
 */
function share(
  values: readonly JsonValue[],
  bytes: readonly number[],
  room: number,
  sizes: Sizes,
): JsonValue[] {
  const order = values.map((_, i) => i).sort((a, b) => bytes[a] - bytes[b]);
  const out = values.slice();
  let left = room;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const part = Math.floor(left / (order.length - k));
    if (bytes[i] <= part) {
      left -= bytes[i];
      continue;
    }
    out[i] = fit(values[i], part, sizes);
    left -= sizeOf(out[i], sizes);
  }
  return out;
}

/** The bytes of an object's braces, keys and separators. */
function objectOverhead(keys: readonly string[]): number {
  let total = 2 + 2 * Math.max(0, keys.length - 1);
  for (const key of keys) total += keyBytes(key);
  return total;
}

/** An object of these keys and values, in order. */
function objectOf(keys: readonly string[], values: readonly JsonValue[]): JsonObject {
  const out: JsonObject = {};
  for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], values[i]);
  return out;
}

/** How many of values of these sizes sharing `room` would be cut, and the share each would get. */
function waterLevel(bytes: readonly number[], room: number): { cut: number; level: number } {
  const sorted = bytes.slice().sort((a, b) => a - b);
  let left = room;
  for (let k = 0; k < sorted.length; k++) {
    const part = Math.floor(left / (sorted.length - k));
    if (sorted[k] > part) return { cut: sorted.length - k, level: part };
    left -= sorted[k];
  }
  return { cut: 0, level: Infinity };
}

function fitArray(items: JsonValue[], bytes: number[], target: number, sizes: Sizes): JsonValue {
  const room = target - 2 - 2 * Math.max(0, items.length - 1);
  if (room >= leastNeeded(bytes)) {
    const { cut, level } = waterLevel(bytes, room);
    if (cut <= MAX_CUT_ITEMS && level >= MIN_ITEM_SHARE) return share(items, bytes, room, sizes);
  }
  return leadingItems(items, bytes, target, sizes);
}

/**
 * The leading items that fit whole, then the next one cut when at least
 * {@linkcode MIN_ITEM_SHARE} bytes are left for it, then `"<truncated: N more items>"` (the
 * serializer's marker).
 */
function leadingItems(
  items: JsonValue[],
  bytes: readonly number[],
  target: number,
  sizes: Sizes,
): JsonValue {
  const out: JsonValue[] = [];
  let used = 2;
  let i = 0;
  for (; i < items.length; i++) {
    const separator = i > 0 ? 2 : 0;
    const reserve = i < items.length - 1 ? TAIL_MARKER_RESERVE : 0;
    if (used + separator + bytes[i] + reserve <= target) {
      out.push(items[i]);
      used += separator + bytes[i];
      continue;
    }
    const room = target - used - separator - reserve;
    if (room >= MIN_ITEM_SHARE) out.push(fit(items[i++], room, sizes));
    break;
  }
  if (i < items.length) out.push(`<truncated: ${hiddenItems(items, i)} more items>`);
  return out;
}

/** `"<truncated: N more items>"`, the marker that ends an array cut by the serializer (or here). */
const TAIL_MARKER = /^<truncated: ([1-9][0-9]{0,15}) more items>$/;

/**
 * The count of the items from `from` on, where an array that was cut already (by the serializer's
 * budget, or here before redaction lengthened it) counts the items its final marker stands for.
 */
function hiddenItems(items: readonly JsonValue[], from: number): number {
  const last = items[items.length - 1];
  const tail = typeof last === "string" ? TAIL_MARKER.exec(last) : null;
  return tail === null ? items.length - from : items.length - 1 - from + Number(tail[1]);
}

/**
 * Event attributes within `maxBytes` bytes of the written line. When they are larger, every
 * top-level key stays: the values share the budget, the largest cut first, inside themselves (an
 * object keeps its keys and cuts its largest values first; an array cuts its few largest items,
 * or keeps its leading items and a `"<truncated: N more items>"` marker; a string keeps a prefix
 * and `...[truncated:<length>]`). Only when there are too many keys (or too long ones) to give
 * each a marker are the keys that do not fit left out, a `"<truncated>": "N more properties"`
 * entry saying how many.
 *
 * @param attributes JSON-safe attributes.
 * @param maxBytes The budget of their JSON text in the written line.
 * @returns The attributes themselves when they fit, else a cut copy.
 */
export function fitAttributes(attributes: JsonObject, maxBytes: number): JsonObject {
  const sizes: Sizes = new Map();
  if (sizeOf(attributes, sizes) <= maxBytes) return attributes;
  const keys = Object.keys(attributes);
  const values = keys.map((key) => attributes[key]);
  const bytes = values.map((value) => sizeOf(value, sizes));
  const room = maxBytes - objectOverhead(keys);
  if (room >= leastNeeded(bytes)) return objectOf(keys, share(values, bytes, room, sizes));
  return leadingKeys(attributes, keys, maxBytes, sizes);
}

/** The keys whose values, each at most a marker, fit, in order; then the count of the others. */
function leadingKeys(
  attributes: JsonObject,
  keys: readonly string[],
  maxBytes: number,
  sizes: Sizes,
): JsonObject {
  const out: JsonObject = {};
  let used = 2 + TAIL_MARKER_RESERVE;
  let left = 0;
  for (const key of keys) {
    const value = fit(attributes[key], MIN_SHARE, sizes);
    const bytes = keyBytes(key) + sizeOf(value, sizes) + 2;
    if (used + bytes > maxBytes) {
      left++;
      continue;
    }
    setOwn(out, key, value);
    used += bytes;
  }
  if (left > 0) out["<truncated>"] = `${left} more properties`;
  return out;
}
