/**
 * Attribute validation and limits. Values are coerced to OpenTelemetry types the way dreadnode
 * does: strings, numbers and booleans pass through, homogeneous arrays of those stay arrays (`null`
 * items kept, as OpenTelemetry asks), and anything else is JSON-encoded into a string, so nothing a caller logs is silently lost.
 *
 * Attribute JSON vs. task data: attribute values use a small, compact encoding built on
 * `JSON.stringify` (so the span hot path and small bundles do not carry the full serializer):
 * BigInt → decimal string, `NaN`/`±Infinity` → `"NaN"`/`"Infinity"`/`"-Infinity"`, Map → object
 * when all its keys are strings, else `[key, value]` pairs (as task inputs: `1` and `"1"` would
 * collide as object keys, and object keys would all be `"[object Object]"`), Set → array, Error →
 * `{name, message, cause}`, functions → `"<function name>"`, symbols → `"Symbol(desc)"`, a cycle
 * → `"<circular reference>"`, `toJSON()` honoured (Dates become ISO strings), anything unreadable
 * → `"<error: message>"`. Task inputs, outputs and objects go
 * through the full serializer of `src/serialize/` instead (schemas, base64 bytes, error causes
 * and stacks, depth and size limits).
 *
 * @module
 */
import { reportOnce } from "./diagnostics.ts";
import { numberAtLeast } from "./number_option.ts";
import { setOwn } from "./own_property.ts";
import { cutText } from "./cut_text.ts";
import type { Attributes, AttributeValue } from "./types.ts";

/** Limits applied to every span (OpenTelemetry's defaults). */
export interface SpanLimits {
  /**
   * Maximum attributes per span; further keys are dropped and counted. Default 128. Every limit
   * is a finite number >= 0; anything else means the default.
   */
  attributeCountLimit: number;
  /** Maximum length of a string attribute value (characters); longer ones are cut. Default unlimited. */
  attributeValueLengthLimit: number;
  /** Maximum events per span. Default 128. */
  eventCountLimit: number;
  /** Maximum links per span. Default 128. */
  linkCountLimit: number;
  /** Maximum attributes per event or link. Default 128. */
  attributePerEventCountLimit: number;
}

/** OpenTelemetry's default span limits. */
export const DEFAULT_SPAN_LIMITS: Readonly<SpanLimits> = Object.freeze({
  attributeCountLimit: 128,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
});

/**
 * Span limits with the defaults filled in. Each limit is a finite number of at least 0 (rounded
 * down); anything else (`NaN`, `Infinity`, a string, a negative number) means its default, so a
 * bad option can never lift the bound on a span's attributes, events or links.
 *
 * @param given The limits given, possibly partial.
 * @returns The complete limits.
 */
export function spanLimits(given?: Partial<SpanLimits>): SpanLimits {
  const limits = { ...DEFAULT_SPAN_LIMITS };
  for (const key in limits) {
    const k = key as keyof SpanLimits;
    limits[k] = Math.floor(numberAtLeast(given?.[k], 0, limits[k]));
  }
  return limits;
}

/**
 * Compact JSON of any value, cycle-safe and never throwing (see the module doc for the rules),
 * bounded: at most 65,536 values are written, and Maps, Sets and typed arrays are read no further.
 *
 * @param value Any value.
 * @returns JSON text.
 */
export function jsonEncode(value: unknown): string {
  // The current path: for each object being written, the object JSON.stringify walks (a converted
  // Map, Set or Error, or the original) followed by the original.
  const path: unknown[] = [];
  // Values left to write: arrays are cut to it, and past it values are left out, so neither a
  // sparse array nor a value shared many times (`{ a: x, b: x }`, nested) makes the walk longer.
  let room = MAX_ELEMENTS;
  try {
    return JSON.stringify(value, function (this: unknown, _key: string, v: unknown): unknown {
      if (--room < 0) return undefined;
      while (path.length > 0 && path[path.length - 2] !== this) path.length -= 2;
      switch (typeof v) {
        case "bigint":
        case "symbol":
          return v.toString();
        case "number":
          return finiteOrString(v);
        case "function":
          return `<function ${v.name || "anonymous"}>`;
        case "object": {
          if (v === null) return v;
          if (path.includes(v)) return "<circular reference>";
          // Maps, Sets and typed arrays are read only as far as `room` goes: a 2 MB byte array
          // or a Map of 200,000 entries was walked whole, for a second or more in `setAttribute`.
          let out = v instanceof Map || v instanceof Set || ArrayBuffer.isView(v)
            ? firstOf(v as Iterable<unknown>, room)
            : v instanceof Error
            ? { name: v.name, message: v.message, cause: v.cause }
            : v;
          if (v instanceof Map && (out as unknown[][]).every((e) => typeof e[0] == "string")) {
            out = Object.fromEntries(out as [string, unknown][]);
          }
          if (Array.isArray(out) && out.length > room) out = out.slice(0, room);
          path.push(out, v);
          return out;
        }
      }
      return v;
    });
  } catch (error) {
    return JSON.stringify(`<error: ${error instanceof Error ? error.message : "unknown"}>`);
  }
}

/** The first `count` items (at least one) of a Map (its entries), a Set or a typed array. */
function firstOf(items: Iterable<unknown>, count: number): unknown[] {
  const first = [];
  for (const item of items) if (first.push(item) >= count) break;
  return first;
}

/**
 * The most elements an array attribute keeps, and the most values a JSON-encoded one writes:
 * copying or encoding an array costs its length, not its contents, so a sparse one
 * (`a[2 ** 31] = 1`) blocked the program for seconds and took gigabytes.
 */
const MAX_ELEMENTS = 65536;

/** A finite number as is; `NaN` and the infinities (and BigInts) as their decimal strings. */
function finiteOrString(n: number | bigint): number | string {
  return Number.isFinite(n) ? n as number : String(n);
}

/**
 * A copy of the array when it holds only strings, only booleans or only finite numbers, besides
 * `null` items (a caller's `undefined` item or a hole becomes `null`: OpenTelemetry asks that nulls
 * in arrays be kept as they are). A copy, so later changes to the caller's array never reach a
 * recorded span; strings are cut to the value length limit.
 */
function homogeneousArray(
  values: readonly unknown[],
  maxLength: number,
): AttributeValue | undefined {
  const copy = Array.from(values);
  let kind: string | undefined;
  for (let i = 0; i < copy.length; i++) {
    const item = copy[i];
    const type = typeof item;
    if (item == null) copy[i] = null;
    else if (
      (kind ??= type) !== type || type === "number" && !Number.isFinite(item) ||
      type !== "string" && type !== "boolean" && type !== "number"
    ) return undefined;
    else if (type === "string") copy[i] = cutText(item as string, maxLength);
  }
  return copy as AttributeValue;
}

/**
 * Coerces any value to an attribute value. `undefined` and `null` yield `undefined` (the
 * attribute is skipped); non-finite numbers become strings (`"NaN"`, `"Infinity"`) so they never
 * produce invalid JSON; objects become JSON strings; an array longer than 65,536 elements is cut to
 * its first 65,536, and a JSON-encoded value writes at most 65,536 values (later ones left out).
 *
 * @param value The caller's value.
 * @param maxLength Maximum string length (characters).
 * @returns The attribute value, or `undefined` to skip.
 */
export function toAttributeValue(
  value: unknown,
  maxLength: number = Infinity,
): AttributeValue | undefined {
  switch (typeof value) {
    case "string":
      return cutText(value, maxLength);
    case "number":
    case "bigint":
      return finiteOrString(value);
    case "boolean":
      return value;
    case "undefined":
      return undefined;
  }
  if (value === null) return undefined;
  let array: AttributeValue | undefined;
  try {
    if (Array.isArray(value)) {
      array = homogeneousArray(
        value.length > MAX_ELEMENTS ? value.slice(0, MAX_ELEMENTS) : value,
        maxLength,
      );
    }
  } catch {
    // An unreadable array (a hostile proxy): the JSON fallback below records the error.
  }
  return array ?? toAttributeValue(jsonEncode(value), maxLength);
}

/**
 * Whether an attribute key is one OpenTelemetry forbids: "The attribute key MUST be a non-null and
 * non-empty string". Such an attribute is dropped (as OpenTelemetry JS does), reported once as
 * `invalid_attribute_key`, and not counted against the limits.
 *
 * @param key The key.
 * @returns True when the attribute must be dropped.
 */
export function forbiddenKey(key: string): boolean {
  if (key === "") {
    reportOnce(
      "empty_key",
      "warn",
      "invalid_attribute_key",
      "Dropped an attribute with an empty key",
    );
  }
  return key === "";
}

/**
 * How many attributes the last {@linkcode copyAttributes} dropped by the count limit (a module
 * variable, not a returned pair: no allocation per span). Read it right after the call.
 */
export let copyDropped = 0;

/**
 * A new attribute map holding `input`'s attributes under the rules of
 * {@linkcode mergeAttributes}, copied in one step where that is possible: a plain object (its
 * prototype is `Object.prototype`) is copied with `{...input}` and its values coerced in place, so
 * the map has the hidden class of the caller's literal (copying key by key into an empty object
 * costs a megamorphic keyed store per attribute, about 40 % of the attribute work of a span). A
 * copy with an `undefined`/`null` value, an empty key or more than `countLimit` keys is merged from
 * the copy,
 * so no getter or `toJSON` of the caller's runs twice. Anything else (another prototype, a
 * throwing getter) is merged from `input`. Symbol-keyed properties are not attributes: they are
 * never exported, but a plain object's may stay referenced by the map until the span is dropped.
 *
 * @param input Raw caller attributes.
 * @param countLimit Maximum number of keys.
 * @param maxLength Maximum string length.
 * @returns The new map; {@linkcode copyDropped} holds how many the count limit dropped.
 */
export function copyAttributes(
  input: Readonly<Record<string, unknown>> | undefined,
  countLimit: number,
  maxLength: number,
): Attributes {
  let source = input;
  try {
    if (input !== undefined && Object.getPrototypeOf(input) === Object.prototype) {
      const copy: Record<string, unknown> = source = { ...input };
      let count = 0;
      // Leaving this block (a value to skip, a key past the limit) merges from the copy.
      merge: {
        for (const key in copy) {
          const value = copy[key];
          const coerced = toAttributeValue(value, maxLength);
          if (coerced === undefined || key === "" || ++count > countLimit) break merge;
          if (coerced !== value) setOwn(copy, key, coerced);
        }
        copyDropped = 0;
        return copy as Attributes;
      }
    }
  } catch {
    // Unreadable (a throwing getter or trap): the merge below keeps what it can read and reports.
  }
  const target: Attributes = {};
  copyDropped = mergeAttributes(target, source, countLimit, maxLength);
  return target;
}

/**
 * Copies `input` into `target` under a count limit: keys already in `target` are overwritten,
 * new keys past the limit are dropped (and counted), `undefined`/`null` values and empty keys
 * ({@linkcode forbiddenKey}) are skipped.
 * Never throws: when `input` cannot be read (a throwing getter or proxy trap), the attributes
 * read before the failure are kept and a diagnostic is reported.
 *
 * @param target The attribute map to fill.
 * @param input Raw caller attributes.
 * @param countLimit Maximum number of keys in `target`.
 * @param maxLength Maximum string length.
 * @returns How many attributes were dropped by the count limit.
 */
export function mergeAttributes(
  target: Attributes,
  input: Readonly<Record<string, unknown>> | undefined,
  countLimit: number,
  maxLength: number,
): number {
  if (typeof input !== "object" || input === null) return 0;
  let count = Object.keys(target).length;
  let dropped = 0;
  try {
    for (const key in input) {
      const value = toAttributeValue(input[key], maxLength);
      if (value === undefined || forbiddenKey(key)) continue;
      if (!Object.hasOwn(target, key)) {
        if (count >= countLimit) {
          dropped++;
          continue;
        }
        count++;
      }
      setOwn(target, key, value);
    }
  } catch (error) {
    reportOnce(
      "attributes",
      "warn",
      "invalid_attributes",
      "Unreadable attributes",
      error,
    );
  }
  return dropped;
}
