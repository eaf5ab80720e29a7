/**
 * Reading what callers hand to the agent and events layers. Those calls must never throw because
 * of a value: an options bag may be null or a revoked proxy, a field may be a throwing getter,
 * a thrown "error" may be anything, a limit may not be a number. These readers turn every such
 * value into something usable (or into "absent") instead of throwing.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { setOwn } from "../own_property.ts";
import { safeString } from "../safe_string.ts";
import { isInstance } from "../safe_read.ts";
import { serialize } from "../serialize/serialize.ts";
import { sortedPythonJson } from "../serialize/sorted_python_json.ts";

/**
 * Reads a field of a response-like object under its snake_case or camelCase name.
 *
 * @param value An object (or anything).
 * @param names Candidate field names, tried in order.
 * @returns The first defined value; undefined when `value` is not an object or every read threw.
 * @internal
 */
export function field(value: unknown, ...names: string[]): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  for (const name of names) {
    try {
      const v = (value as Record<string, unknown>)[name];
      if (v !== undefined) return v;
    } catch {
      // A throwing getter counts as absent.
    }
  }
  return undefined;
}

/**
 * A plain copy of an object's own enumerable fields (an options bag, span data). A field whose
 * read throws is left out; so is everything when the keys cannot be listed (a revoked proxy).
 * Anything that is not an object gives `{}`. Unreadable input is reported once.
 *
 * @param value The object.
 * @returns The copy.
 * @internal
 */
export function ownFields<T extends object>(value: T | null | undefined): Partial<T> {
  if (typeof value !== "object" || value === null) return {};
  try {
    return { ...value }; // defines a `__proto__` key as data, like setOwn
  } catch {
    // A throwing getter or a hostile proxy: copy what can be read, one field at a time.
  }
  const out: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch (error) {
    unreadable(error);
    return out as Partial<T>;
  }
  for (const key of keys) {
    try {
      setOwn(out, key, (value as Record<string, unknown>)[key]);
    } catch (error) {
      unreadable(error);
    }
  }
  return out as Partial<T>;
}

/**
 * Reads a caller's object (an options bag, span data) with `read`: directly, without a copy, when
 * that works; else once more from what can be read of it (`ownFields`), so a throwing getter or a
 * hostile proxy costs only the fields it spoils. `read` must only read (it may run twice).
 *
 * @param value The object (anything: non-objects read as `{}`).
 * @param read Builds what the caller needs from the object.
 * @returns What `read` returned.
 * @internal
 */
export function readOrCopy<T extends object, R>(
  value: T | null | undefined,
  read: (value: Partial<T>) => R,
): R {
  if (typeof value === "object" && value !== null) {
    try {
      return read(value);
    } catch {
      // A throwing getter or a hostile proxy: read the copy instead.
    }
  }
  return read(ownFields(value));
}

function unreadable(error: unknown): void {
  reportOnce(
    "agent_input_unreadable",
    "warn",
    "invalid_input",
    "Cannot read a value given to the agent or events layer: it is ignored",
    error,
  );
}

/**
 * The text of an error value, as design_research_agents reads an error (a string, a `{message}`,
 * else the sorted JSON of the value): a string as is; an `Error`'s message (its name when the
 * message is empty); another object's non-empty string `message`; else the object's own string
 * form when it has one (a `toString` of its own; not for an array), or its JSON as Python's
 * `json.dumps(value, ensure_ascii=True, sort_keys=True)` writes it (`{"code": "E_TIMEOUT",
 * "status": 504}`, never `[object Object]`; a cycle is `"<circular reference>"`); any other
 * value's string form (`42`). What cannot be printed at all is `<unprintable>`. Never throws.
 *
 * @param error The error (anything that was thrown or passed as an error).
 * @returns The text, or null when there is no error (`null` / `undefined`).
 * @internal
 */
export function errorText(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  if (typeof error === "string") return error;
  if (typeof error !== "object") return safeString(error);
  const message = field(error, "message");
  if (isInstance(error, Error)) {
    if (typeof message === "string" && message !== "") return message;
    const name = field(error, "name");
    return typeof name === "string" ? name : "Error";
  }
  return typeof message === "string" && message !== "" ? message : objectText(error);
}

/**
 * The text of what was thrown: {@linkcode errorText}, and for a thrown `undefined` or `null` its
 * string form (`"undefined"`), so a failed run never records `error: null`, which reads as no
 * error (design_research_agents records `str(exc)` of whatever was raised).
 *
 * @param thrown What was thrown.
 * @returns The text.
 * @internal
 */
export function thrownErrorText(thrown: unknown): string {
  return errorText(thrown) ?? safeString(thrown);
}

/** What `safeString` gives for a value that cannot be printed. */
const UNPRINTABLE = "<unprintable>";

/** Bounds of the JSON of an error object: its text is error text, not a payload. */
const ERROR_JSON_LIMITS = { schema: false, pythonCompatible: true, maxBytes: 64 * 1024 } as const;

/**
 * An object's own string form (a `toString` of its own, not `[object Object]`), else (and for an
 * array) its sorted Python-style JSON. An object that cannot be printed (its `toString` throws, no
 * prototype, a revoked proxy) stays `<unprintable>`, and one whose fields cannot be read (a
 * throwing `ownKeys` trap) keeps its string form.
 */
function objectText(error: object): string {
  const own = safeString(error);
  if (own === UNPRINTABLE) return own;
  if (!/^\[object [^\]]*\]$/.test(own) && !isArray(error)) return own;
  const { value } = serialize(error, ERROR_JSON_LIMITS);
  if (typeof value !== "object" || value === null) return own; // an unreadable object's marker
  try {
    return sortedPythonJson(value);
  } catch {
    return own; // nested too deeply for the stack
  }
}

/** `Array.isArray`, false for a revoked proxy (where it throws). */
function isArray(value: object): boolean {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * The type of an error value: an `Error`'s name, else its `typeof`.
 *
 * @param error Anything that was thrown.
 * @returns The type name.
 * @internal
 */
export function errorType(error: unknown): string {
  if (!isInstance(error, Error)) return typeof error;
  const name = field(error, "name");
  return typeof name === "string" ? name : "Error";
}

/**
 * A time given in epoch milliseconds: a finite number, or a valid `Date`.
 *
 * @param value The time.
 * @returns Epoch ms, or undefined when `value` is no usable time ("now").
 * @internal
 */
export function epochMsOf(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (!isInstance(value, Date)) return undefined;
  try {
    const ms = value.getTime();
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}
