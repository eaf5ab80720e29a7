/**
 * Reading what callers hand to the task layer (option bags, `{name: value}` records, names)
 * without trusting it: a throwing getter, a revoked proxy or a value of the wrong type is
 * reported and read as "not given", never thrown at the caller.
 *
 * @internal
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { safeString } from "../safe_string.ts";
import { ownEntries } from "../serialize/own_entries.ts";
import { isInstance, readArray } from "../safe_read.ts";
import { className } from "../serialize/_value_facts.ts";
import { setOwn } from "../own_property.ts";

/**
 * The items of an array as strings (through `safeString`); `[]` when `value` is not an array
 * or cannot be read.
 *
 * @param value The list as given.
 * @returns Its items as strings.
 */
export function readStrings(value: unknown): string[] {
  return readArray(value)?.map(safeString) ?? [];
}

/**
 * A snapshot of the named fields of an option bag. A field whose read throws is left out and
 * reported once per `what`; anything that is not an object reads as `{}`.
 *
 * @param options The options as given.
 * @param keys The fields to read.
 * @param what What the options are for (in the diagnostic).
 * @returns A plain object holding the readable fields that are not `undefined`.
 */
export function readOptions<T extends object>(
  options: T | null | undefined,
  keys: readonly (keyof T & string)[],
  what: string,
): Partial<T> {
  const out: Partial<T> = {};
  if (options === null || (typeof options !== "object" && typeof options !== "function")) {
    return out;
  }
  for (const key of keys) {
    try {
      const value = options[key];
      if (value !== undefined) out[key] = value;
    } catch (error) {
      reportOnce(
        `task_options:${what}`,
        "warn",
        "invalid_task_options",
        `Unreadable ${what} options ignored`,
        error,
      );
    }
  }
  return out;
}

/**
 * The kind of a caller's value that `readRecord` does not read as a `{name: value}` record: an
 * array, another iterable (a `Set`, a typed array, a `String` object) or a built-in whose data is
 * not in its properties (a `Date`, a `RegExp`, a `Promise`, a `WeakMap`). A `Map` is read through
 * `mapEntries` first.
 *
 * @param value An object.
 * @returns Its kind for the diagnostic (`an array`, `a Set`, …), or undefined for a record (or
 *   when the checks throw: a revoked proxy, whose keys then cannot be listed either).
 */
function notRecordKind(value: object): string | undefined {
  try {
    if (Array.isArray(value)) return "an array";
    const builtIn = value instanceof Date || value instanceof RegExp || value instanceof Promise ||
      value instanceof WeakMap || value instanceof WeakSet || value instanceof ArrayBuffer;
    if (!builtIn && !(Symbol.iterator in value)) return undefined;
  } catch {
    return undefined;
  }
  const name = className(value) ?? "iterable";
  return `${/^[AEIOU]/i.test(name) ? "an" : "a"} ${name}`;
}

/**
 * The entries of a `Map` whose keys are strings, as a record (a `Map` is how JavaScript spells the
 * Python `dict` that dreadnode's `log_params(**kw)`, `log_metrics({...})` take). An entry whose
 * key is not a string is left out and reported once per `what`: tracelet never turns a `Map` key
 * into a string (a `Map` with such keys is serialized as a list of `[key, value]` pairs).
 *
 * @param map A Map.
 * @param what What the record holds (in the diagnostic).
 * @returns The entries, or undefined when the Map cannot be read (a proxy of one).
 */
function mapEntries(map: Map<unknown, unknown>, what: string): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let skipped = 0;
  let first: unknown;
  try {
    // The built-in iteration, not the Map's own (possibly overridden) methods.
    Map.prototype.forEach.call(map, (value: unknown, key: unknown) => {
      if (typeof key === "string") setOwn(out, key, value);
      else if (skipped++ === 0) first = key;
    });
  } catch {
    return undefined;
  }
  if (skipped > 0) {
    reportOnce(
      `task_record_map_key:${what}`,
      "warn",
      "invalid_task_input",
      `Cannot log ${skipped} ${what} entr${skipped === 1 ? "y" : "ies"} of a Map (key ` +
        `${safeString(first)} of type ${typeof first}): names must be strings; the entries with ` +
        `string keys are logged`,
    );
  }
  return out;
}

/**
 * The own enumerable entries of a `{name: value}` record, or the entries of a `Map` with string
 * keys (see `mapEntries`), copied into a fresh plain object. A value whose read throws becomes
 * the serializer's `"<error: …>"` placeholder. Anything else reads as empty and is reported once
 * per `what`: a record whose keys cannot be listed, a value that is not an object (a string would
 * otherwise be logged one character at a time), an array or other iterable, a `Date`.
 *
 * @param record The record as given; `undefined` and `null` read as empty, silently.
 * @param what What the record holds (in the diagnostic).
 * @returns The entries, `__proto__` keys included as own data.
 */
export function readRecord(record: unknown, what: string): Record<string, unknown> {
  if (record === undefined || record === null) return {};
  let entries: Record<string, unknown> | undefined;
  let problem = `Cannot read ${what}: its keys cannot be listed`;
  if (typeof record !== "object" && typeof record !== "function") {
    problem =
      `Cannot log ${what}: expected an object of name → value or a Map, got ${typeof record}`;
  } else if (isInstance(record, Map)) {
    entries = mapEntries(record, what);
  } else {
    const kind = notRecordKind(record);
    if (kind === undefined) entries = ownEntries(record);
    else problem = `Cannot log ${what}: expected an object of name → value or a Map, got ${kind}`;
  }
  if (entries !== undefined) return entries;
  reportOnce(`task_record:${what}`, "warn", "invalid_task_input", problem);
  return {};
}
