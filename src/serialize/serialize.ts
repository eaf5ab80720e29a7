/**
 * The one serializer of tracelet: any JavaScript value → a JSON-safe value plus a JSON schema.
 * Used for attribute values, task inputs/outputs/objects and their content hashes.
 *
 * Rules (values / schemas):
 * - strings, finite numbers, booleans, `null` → themselves / `{}`; `undefined` → `null` (object
 *   properties whose value is `undefined` are left out, as `JSON.stringify` does);
 * - `NaN`, `±Infinity` → `"NaN"`, `"Infinity"`, `"-Infinity"` / `{type: "string", format: "non-finite-number"}`
 *   (with `pythonCompatible`: the numbers themselves / `{}`, as in Python);
 * - BigInt → decimal string / `{type: "string", format: "bigint"}`;
 * - Date → ISO string (with `pythonCompatible`: Python's `isoformat()`,
 *   `2026-01-02T03:04:05.123000+00:00`) / `{type: "string", format: "date-time"}`;
 * - arrays and Sets → arrays; Maps → objects (all keys strings) or `[key, value]` pairs;
 * - plain objects → objects; class instances → `toJSON()` when present, else own enumerable
 *   properties with `title: <class name>`;
 * - `Headers`, `URLSearchParams`, `FormData` → an object of name → value from their `entries()`
 *   (a name that repeats → the list of its values; header names sorted), `Blob` →
 *   `{size, type}`, `File` → `{size, type, name}`, with `title: <class name>`, the same on every
 *   runtime (read before `toJSON`, which only some runtimes give them);
 * - errors → `{name, message, stack?, cause?, errors?, ...own props}` (cause chains followed;
 *   each such record is remembered, so that redaction reads its message and stack trace as error
 *   text, see `_error_records.ts`);
 * - typed arrays, DataView, ArrayBuffer → base64 / `{type: "string", contentEncoding: "base64", title}`
 *   (past the `maxBytes` budget: the base64 of the leading bytes that fit, then
 *   `...[truncated:<n> bytes]` / `{type: "string", title}`, as strings keep a prefix; see
 *   {@linkcode serializeTruncatingStrings} for the form cut to a string limit);
 * - functions → `"<function name>"`, symbols → `"Symbol(desc)"`;
 * - a throwing getter (or array item, or function `name`) → `"<error: message>"` for that
 *   property (`<function anonymous>`), a cycle → `"<circular reference>"`.
 *
 * `maxBytes` counts what the JSON text takes: a string its escaped literal (each non-ASCII
 * character 6 bytes in the `pythonCompatible` form, its UTF-8 bytes otherwise), a number its
 * printed digits. A string cut by a limit is charged with what is kept of it.
 *
 * @module
 */
import { numberAtLeast } from "../number_option.ts";
import { bytesToBase64 } from "./_base64.ts";
import { jsonNumberLength, jsonStringBytes } from "./_json_length.ts";
import { PLAIN_CUT, type StringCut, stringCut } from "./_string_cut.ts";
import {
  CIRCULAR_MARKER,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  errorMarker,
  MAX_DEPTH_MARKER,
  readSerializeOptions,
  TRUNCATED_MARKER,
} from "./limits.ts";
import { arraySchema, EMPTY_SCHEMA, isEmptySchema, objectSchema, primitiveType } from "./schema.ts";
import type { JsonObject, JsonSchema, JsonValue, Serialized, SerializeOptions } from "./types.ts";
import { jsonTextOrder, sortedLikePython } from "./_set_order.ts";
import { setOwn } from "../own_property.ts";
import { webObject } from "./_web_objects.ts";
import { markErrorRecord } from "./_error_records.ts";
import {
  className,
  functionName,
  isPlainObject,
  isSharedBuffer,
  isStackOverflow,
  pythonIsoformat,
} from "./_value_facts.ts";
import { plainNumber } from "./_plain_number.ts";

const NON_FINITE_SCHEMA: JsonSchema = { type: "string", format: "non-finite-number" };
const BIGINT_SCHEMA: JsonSchema = { type: "string", format: "bigint" };
const DATE_SCHEMA: JsonSchema = { type: "string", format: "date-time" };
const REGEX_SCHEMA: JsonSchema = { type: "string", format: "regex" };
const FUNCTION_SCHEMA: JsonSchema = { type: "string", title: "function" };
const SYMBOL_SCHEMA: JsonSchema = { type: "string", title: "symbol" };

/** One walk over a value; holds the limits, the ancestor set and the remaining budget. */
class Walker {
  /** The schema of the value most recently returned by {@linkcode Walker.walk}. */
  s: JsonSchema = EMPTY_SCHEMA;
  truncated = false;
  readonly #seen = new Set<object>();
  readonly #maxDepth: number;
  readonly #maxString: number;
  /** How strings and byte arrays that do not fit are cut. */
  readonly #cuts: StringCut;
  readonly #stack: boolean;
  readonly #schemas: boolean;
  readonly #python: boolean;
  #budget: number;
  /** The budget the walk started with. */
  readonly #start: number;
  /** The deepest level an object was met at (-1: none). */
  deepest = -1;
  /**
   * Whether the walk wrote something in a form the default options write differently: a
   * non-finite number or a Date in the `pythonCompatible` form, an error without its stack.
   */
  ownForm = false;
  /**
   * Whether a number was written that `JSON.stringify` writes otherwise than Python's `json`
   * (see {@linkcode pythonJsonOfPlainNumbers}); only noted in the `pythonCompatible` form.
   */
  oddNumbers = false;
  /**
   * Whether a `NaN` or `±Infinity` was written as a number (`JSON.stringify` writes `null` for
   * it); only in the `pythonCompatible` form, where it is one of the odd numbers.
   */
  nonFiniteNumbers = false;

  constructor(options: SerializeOptions | undefined, cuts: StringCut) {
    const o = readSerializeOptions(options);
    this.#cuts = cuts;
    this.#maxDepth = numberAtLeast(o?.maxDepth, 0, DEFAULT_MAX_DEPTH);
    this.#budget = numberAtLeast(o?.maxBytes, 0, DEFAULT_MAX_BYTES);
    this.#start = this.#budget;
    this.#maxString = numberAtLeast(o?.maxStringLength, 0, Infinity);
    this.#stack = o?.includeStack !== false;
    this.#schemas = o?.schema !== false;
    this.#python = o?.pythonCompatible === true;
  }

  /** The budget spent so far. */
  get spent(): number {
    return this.#start - this.#budget;
  }

  #out(schema: JsonSchema): void {
    this.s = this.#schemas ? schema : EMPTY_SCHEMA;
  }

  walk(value: unknown, depth: number): JsonValue {
    this.s = EMPTY_SCHEMA;
    switch (typeof value) {
      case "string":
        return this.#string(value);
      case "number":
        if (Number.isFinite(value) || this.#python) {
          if (this.#python && !plainNumber(value)) {
            this.oddNumbers = this.ownForm = true;
            if (!Number.isFinite(value)) this.nonFiniteNumbers = true;
          }
          this.#budget -= jsonNumberLength(value);
          return value;
        }
        this.#out(NON_FINITE_SCHEMA);
        return this.#string(String(value));
      case "boolean":
        this.#budget -= 5;
        return value;
      case "undefined":
        this.#budget -= 4;
        return null;
      case "bigint":
        this.#out(BIGINT_SCHEMA);
        return this.#string(value.toString());
      case "symbol":
        this.#out(SYMBOL_SCHEMA);
        return this.#string(value.toString());
      case "function":
        this.#out(FUNCTION_SCHEMA);
        return this.#string(`<function ${functionName(value)}>`);
      default:
        if (value === null) {
          this.#budget -= 4;
          return null;
        }
        return this.#object(value as object, depth);
    }
  }

  /** A string as written, within the limits; the budget is charged with what is kept. */
  #string(value: string): string {
    const text = this.#cuts.limit(value);
    if (text !== value) this.truncated = true;
    const bytes = jsonStringBytes(text, this.#python);
    const room = this.#budget - 2;
    const cut = bytes <= room && text.length <= this.#maxString
      ? undefined
      : this.#cuts.cut(value, text, this.#maxString, room, this.#python);
    if (cut === undefined) {
      this.#budget -= bytes + 2;
      return text;
    }
    this.truncated = true;
    this.#budget -= (cut === text ? bytes : jsonStringBytes(cut, this.#python)) + 2;
    return cut;
  }

  #marker(text: string): string {
    this.truncated = true;
    this.s = EMPTY_SCHEMA;
    this.#budget -= text.length + 2;
    return text;
  }

  /**
   * The marker written for a read that threw. When the stack ran out (a caller deep in its own
   * recursion), what is beneath is cut, as past `maxDepth`: the result is flagged `truncated`.
   */
  #thrown(error: unknown): string {
    if (isStackOverflow(error)) this.truncated = true;
    return errorMarker(error);
  }

  #object(o: object, depth: number): JsonValue {
    if (this.#budget <= 0) return this.#marker(TRUNCATED_MARKER);
    if (this.#seen.has(o)) {
      this.#budget -= CIRCULAR_MARKER.length + 2;
      this.s = EMPTY_SCHEMA;
      return CIRCULAR_MARKER;
    }
    if (depth >= this.#maxDepth) return this.#marker(MAX_DEPTH_MARKER);
    if (depth > this.deepest) this.deepest = depth;
    this.#seen.add(o);
    try {
      return this.#dispatch(o, depth);
    } catch (error) {
      this.s = EMPTY_SCHEMA;
      return this.#thrown(error);
    } finally {
      this.#seen.delete(o);
    }
  }

  #dispatch(o: object, depth: number): JsonValue {
    if (Array.isArray(o)) return this.#array(o, depth, undefined);
    if (o instanceof Date) {
      if (this.#python) this.ownForm = true;
      const time = o.getTime();
      this.#out(DATE_SCHEMA);
      if (Number.isNaN(time)) return this.#string("Invalid Date");
      return this.#string(this.#python ? pythonIsoformat(o) : o.toISOString());
    }
    if (o instanceof Map) return this.#map(o, depth);
    if (o instanceof Set) {
      const items = [...o];
      const sorted = sortedLikePython(items);
      return this.#array(sorted ?? items, depth, "Set", sorted === undefined);
    }
    if (ArrayBuffer.isView(o)) {
      return this.#bytes(new Uint8Array(o.buffer, o.byteOffset, o.byteLength), className(o));
    }
    if (o instanceof ArrayBuffer || isSharedBuffer(o)) {
      return this.#bytes(new Uint8Array(o as ArrayBuffer), className(o));
    }
    if (o instanceof Error) return this.#error(o, depth);
    if (o instanceof RegExp) {
      this.#out(REGEX_SCHEMA);
      return this.#string(String(o));
    }
    if (o instanceof String || o instanceof Number || o instanceof Boolean) {
      return this.walk(o.valueOf(), depth);
    }
    const title = isPlainObject(o) ? undefined : className(o);
    const web = title === undefined ? undefined : webObject(o);
    if (web !== undefined) return this.#entries(web.keys, web.read, depth, web.title);
    const toJSON = (o as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      const result: unknown = toJSON.call(o, "");
      if (result !== o) return this.#converted(result, depth, title);
    }
    return this.#properties(o, depth, title);
  }

  #converted(result: unknown, depth: number, title: string | undefined): JsonValue {
    const value = this.walk(result, depth + 1);
    if (!this.#schemas || title === undefined) return value;
    if (isEmptySchema(this.s)) {
      const type = primitiveType(value);
      this.s = type === undefined ? { title } : { type, title };
    } else if (this.s.title === undefined) {
      this.s = { ...this.s, title };
    }
    return value;
  }

  #array(
    items: readonly unknown[],
    depth: number,
    title: string | undefined,
    orderByText = false,
  ): JsonValue {
    const n = items.length;
    let out: JsonValue[] = [];
    let schemas: JsonSchema[] = [];
    this.#budget -= 2;
    for (let i = 0; i < n; i++) {
      if (this.#budget <= 0) {
        out.push(this.#marker(`<truncated: ${n - i} more items>`));
        schemas.push(EMPTY_SCHEMA);
        orderByText = false; // a cut set keeps the order it was cut in
        break;
      }
      let item: unknown;
      try {
        item = items[i];
      } catch (error) {
        out.push(this.#string(this.#thrown(error)));
        schemas.push(EMPTY_SCHEMA);
        continue;
      }
      out.push(this.walk(item, depth + 1));
      schemas.push(this.s);
      this.#budget -= 1;
    }
    if (orderByText) {
      const order = jsonTextOrder(out);
      out = order.map((i) => out[i]);
      schemas = order.map((i) => schemas[i]);
    }
    this.#out(this.#schemas ? arraySchema(out, schemas, title) : EMPTY_SCHEMA);
    return out;
  }

  #entries(
    keys: readonly string[],
    read: (key: string) => unknown,
    depth: number,
    title: string | undefined,
  ): JsonValue {
    const out: JsonObject = {};
    let props: Record<string, JsonSchema> | undefined;
    this.#budget -= 2;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (this.#budget <= 0) {
        out[TRUNCATED_MARKER] = this.#marker(`${keys.length - i} more properties`);
        break;
      }
      let raw: unknown;
      try {
        raw = read(key);
      } catch (error) {
        setOwn(out, key, this.#string(this.#thrown(error)));
        continue;
      }
      if (raw === undefined) continue;
      this.#budget -= jsonStringBytes(key, this.#python) + 4;
      setOwn(out, key, this.walk(raw, depth + 1));
      if (this.#schemas && !isEmptySchema(this.s)) setOwn(props ??= {}, key, this.s);
    }
    this.#out(objectSchema(props, title));
    return out;
  }

  #properties(o: object, depth: number, title: string | undefined): JsonValue {
    const record = o as Record<string, unknown>;
    return this.#entries(Object.keys(o), (key) => record[key], depth, title);
  }

  #map(map: Map<unknown, unknown>, depth: number): JsonValue {
    let stringKeys = true;
    for (const key of map.keys()) {
      if (typeof key !== "string") {
        stringKeys = false;
        break;
      }
    }
    if (stringKeys) {
      return this.#entries([...map.keys()] as string[], (key) => map.get(key), depth, "Map");
    }
    return this.#array([...map].map(([k, v]) => [k, v]), depth, "Map");
  }

  #error(error: Error, depth: number): JsonValue {
    const e = error as Error & { cause?: unknown; errors?: unknown };
    if (!this.#stack) this.ownForm = true;
    const keys = ["name", "message"];
    if (this.#stack) keys.push("stack");
    if ("cause" in e) keys.push("cause");
    if (Array.isArray(e.errors)) keys.push("errors");
    for (const key of Object.keys(e)) if (!keys.includes(key) && key !== "stack") keys.push(key);
    let title: string | undefined;
    try {
      title = typeof e.name === "string" && e.name !== "" ? e.name : className(e);
    } catch {
      title = className(e);
    }
    const record = e as unknown as Record<string, unknown>;
    // Marked: redaction reads its message and stack trace as error text (`_error_records.ts`).
    return markErrorRecord(this.#entries(keys, (key) => record[key], depth, title ?? "Error"));
  }

  #bytes(bytes: Uint8Array, title: string | undefined): JsonValue {
    const encodedLength = Math.ceil(bytes.length / 3) * 4;
    const cut = this.#cuts.bytes(bytes, encodedLength, this.#budget - 2);
    if (cut === undefined) {
      this.#budget -= encodedLength + 2;
      this.#out({ type: "string", contentEncoding: "base64", title: title ?? "bytes" });
      return bytesToBase64(bytes);
    }
    this.truncated = true;
    this.#out({ type: "string", title: title ?? "bytes" });
    this.#budget -= cut.length + 2;
    return cut;
  }
}

/**
 * Serializes any JavaScript value to a JSON-safe value plus a JSON schema. Never throws: a value
 * that cannot be read becomes an `"<error: message>"` string.
 *
 * @param value Any value.
 * @param options Depth and size limits, schema generation (a limit that is not a non-negative
 *   number, or options that cannot be read, mean the defaults).
 * @returns The JSON-safe value, its schema and whether a limit cut something out.
 * @example
 * ```ts
 * import { serialize } from "@tracelet/tracelet";
 * const { value, schema } = serialize({ when: new Date(0), ids: new Set([1, 2]), n: 10n });
 * // value:  { when: "1970-01-01T00:00:00.000Z", ids: [1, 2], n: "10" }
 * // schema: { type: "object", properties: { when: {type:"string", format:"date-time"}, … } }
 * ```
 */
export function serialize(value: unknown, options?: SerializeOptions): Serialized {
  return walkValue(value, options, PLAIN_CUT);
}

/**
 * {@linkcode serialize} for values that redaction truncates next (the events layer's
 * design_research_agents attributes): every string longer than `maxCodePoints` code points is
 * cut as `truncateString` cuts it (its first `maxCodePoints - 16` code points, then
 * `...[truncated:<original length in code points>]`), and the `maxBytes` budget is charged with
 * what is kept. A huge string then neither spends the budget of the fields after it nor reaches
 * redaction already cut with another length in its marker. Byte arrays whose base64 text is
 * longer than the limit are cut the same way (without encoding what is cut away): the first
 * `maxCodePoints - 16` characters of the base64, then `...[truncated:<its length>]`.
 *
 * @param value Any value.
 * @param options As for {@linkcode serialize} (`maxStringLength` still applies on top).
 * @param maxCodePoints The redaction policy's string limit (anything but a number >= 0, or
 *   `Infinity`, means no limit: plain {@linkcode serialize}).
 * @returns The JSON-safe value, its schema and whether a limit cut something out.
 * @internal
 */
export function serializeTruncatingStrings(
  value: unknown,
  options: SerializeOptions | undefined,
  maxCodePoints: number,
): Serialized {
  return walkValue(value, options, stringCut(maxCodePoints));
}

/**
 * What one walk noted besides its result: what `serializeTwice` decides from whether the
 * default options would give the same value, and whether `JSON.stringify` can write its numbers.
 *
 * @internal
 */
export interface WalkFacts {
  /** Whether a limit cut something out. */
  readonly truncated: boolean;
  /** Whether something was written in a form the default options write differently. */
  readonly ownForm: boolean;
  /** The deepest level an object was met at (-1: none). */
  readonly deepest: number;
  /** The `maxBytes` budget spent. */
  readonly spent: number;
  /** Whether a number was written that `JSON.stringify` writes otherwise than Python's `json`. */
  readonly oddNumbers: boolean;
  /** Whether a `NaN` or `±Infinity` was written as a number (the `pythonCompatible` form). */
  readonly nonFiniteNumbers: boolean;
}

/**
 * One walk over a value with the given cuts. Never throws.
 *
 * @param value Any value.
 * @param options As for {@linkcode serialize}.
 * @param cuts How strings and byte arrays that do not fit are cut.
 * @param done Called with what the walk noted, when it finished.
 * @returns The JSON-safe value, its schema and whether a limit cut something out.
 * @internal
 */
export function walkValue(
  value: unknown,
  options: SerializeOptions | undefined,
  cuts: StringCut,
  done?: (facts: WalkFacts) => void,
): Serialized {
  try {
    const walker = new Walker(options, cuts);
    const result = walker.walk(value, 0);
    done?.(walker);
    return { value: result, schema: walker.s, truncated: walker.truncated };
  } catch (error) {
    // Stack exhaustion on absurdly deep input, or a failure inside the walker itself.
    return { value: errorMarker(error), schema: EMPTY_SCHEMA, truncated: true };
  }
}

/**
 * Serializes a value to compact JSON text (what `JSON.stringify` would give for the serialized
 * value). Used for non-primitive attribute values. Never throws.
 *
 * @param value Any value.
 * @param options Limits (schemas are not built).
 * @returns Compact JSON text.
 * @example
 * ```ts
 * import { serializeToJson } from "@tracelet/tracelet";
 * serializeToJson({ a: 1, big: 2n, tags: new Set(["x"]) }); // '{"a":1,"big":"2","tags":["x"]}'
 * ```
 */
export function serializeToJson(value: unknown, options?: SerializeOptions): string {
  let settings: SerializeOptions;
  try {
    settings = { ...options, schema: false };
  } catch {
    settings = { schema: false }; // Unreadable options: the defaults.
  }
  const { value: json } = serialize(value, settings);
  try {
    return JSON.stringify(json);
  } catch (error) {
    return JSON.stringify(errorMarker(error));
  }
}
