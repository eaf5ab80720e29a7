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
import { findUnknownOptions, type OptionShape } from "../unknown_options.ts";
import { cutText } from "../cut_text.ts";
import { printable } from "../printable.ts";

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
 * reported once per `what`; anything that is not an object reads as `{}`. Other keys are not
 * looked at: this reads data records too (graph items, metric entries, AIRT fields), whose extra
 * keys are theirs; option bags users write are read with {@linkcode readUserOptions}.
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

/** What {@linkcode readUserOptions} knows of an option bag beyond its keys. */
export interface OptionHints {
  /**
   * The option a bare value in the options' place most likely is: `step` for
   * `logMetric(name, value, 3)`.
   */
  readonly positional?: string;
  /**
   * Wrong names that no edit-distance match finds, each with the option meant:
   * `{ mode: "aggregation" }`.
   */
  readonly aliases?: { readonly [wrong: string]: string };
}

/** Unknown keys reported per call, at most (options built from data may hold hundreds). */
const MAX_UNKNOWN_REPORTED = 5;

/**
 * `readOptions` for an option bag the user writes (`task()`'s, `logMetric`'s, …), never for data
 * read with the same reader. Also reports, as warnings and never thrown, what would otherwise be
 * ignored silently: each own key no option has (`unknown_option`, once per `what` and key, with
 * the option probably meant: `log_inputs` → `logInputs`), and options that are not an object
 * (`invalid_task_options`, once per `what`: `logMetric(name, value, 3)`, `logInput(name, value,
 * "label")`), which are then read as `{}`. `undefined` and `null` are "no options", silently. When
 * every key is known, the check is one pass over the object's own keys.
 *
 * @param options The options as given.
 * @param keys The fields to read: every option there is.
 * @param what The function the options are for, as named in diagnostics (`logMetric()`).
 * @param hints The option a positional value probably is, and wrong names with the option meant.
 * @returns A plain object holding the readable fields that are not `undefined`.
 */
export function readUserOptions<T extends object>(
  options: T | null | undefined,
  keys: readonly (keyof T & string)[],
  what: string,
  hints: OptionHints = {},
): Partial<T> {
  if (options === undefined || options === null) return {};
  let unknown = false;
  try {
    if (typeof options !== "object" || Array.isArray(options)) {
      reportNotObject(options, what, hints.positional);
      return {};
    }
    for (const key of Object.keys(options)) {
      if (!keys.includes(key as keyof T & string)) {
        unknown = true;
        break;
      }
    }
  } catch {
    // Keys that cannot be listed (a proxy): reading the options reports what cannot be read.
  }
  if (unknown) reportUnknown(options, keys, what, hints.aliases);
  return readOptions(options, keys, what);
}

/** Reports options that are not an object (once per `what`). */
function reportNotObject(options: unknown, what: string, positional: string | undefined): void {
  const type = typeof options;
  const bare = type === "number" || type === "bigint" || type === "boolean";
  const shown = bare ? safeString(options) : "…";
  const hint = positional === undefined || type === "function" || type === "object"
    ? ""
    : `; did you pass ${positional} positionally? Use { ${positional}: ${
      type === "string" ? `"${shown}"` : shown
    } }`;
  reportOnce(
    `task_options_type:${what}`,
    "warn",
    "invalid_task_options",
    `${what} options must be an object, not ${
      bare ? `${type} ${shown}` : type === "object" ? "an array" : `a ${type}`
    }: they are ignored${hint}`,
  );
}

/** Reports the keys of `options` no option has (at most a few per call, each once per `what`). */
function reportUnknown(
  options: object,
  keys: readonly string[],
  what: string,
  aliases: OptionShape["aliases"],
): void {
  const shape = { keys: Object.fromEntries(keys.map((key) => [key, true as const])), aliases };
  const unknown = findUnknownOptions(options, shape).slice(0, MAX_UNKNOWN_REPORTED);
  for (const { path, suggestion } of unknown) {
    const key = printable(cutText(path, 100));
    reportOnce(
      `task_option:${what}:${key}`,
      "warn",
      "unknown_option",
      `${what} has no option \`${key}\`: it is ignored${
        suggestion === undefined
          ? ` (its options: ${cutText(keys.join(", "), 200)})`
          : `; did you mean \`${suggestion}\`?`
      }`,
      { option: key, suggestion },
    );
  }
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
