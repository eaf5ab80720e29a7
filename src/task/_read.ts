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
import { readArray } from "../safe_read.ts";

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
 * The own enumerable entries of a `{name: value}` record, copied into a fresh plain object. A
 * value whose read throws becomes the serializer's `"<error: …>"` placeholder; a record whose
 * keys cannot be listed, or that is not an object at all (a string would otherwise be logged
 * one character at a time), reads as empty and is reported once per `what`.
 *
 * @param record The record as given; `undefined` and `null` read as empty, silently.
 * @param what What the record holds (in the diagnostic).
 * @returns The entries, `__proto__` keys included as own data.
 */
export function readRecord(record: unknown, what: string): Record<string, unknown> {
  if (record === undefined || record === null) return {};
  const entries = typeof record === "object" || typeof record === "function"
    ? ownEntries(record)
    : undefined;
  if (entries !== undefined) return entries;
  reportOnce(
    `task_record:${what}`,
    "warn",
    "invalid_task_input",
    typeof record === "object"
      ? `Cannot read ${what}: its keys cannot be listed`
      : `Cannot log ${what}: expected an object of name → value, got ${typeof record}`,
  );
  return {};
}
