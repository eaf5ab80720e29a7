/**
 * Python's `str()` of a parsed JSON value, as design_research_agents labels an event type, a
 * step type or status, or a run id that is not a string: `None`, `True`, `5`, and `repr()` for
 * lists and objects (`[1, 'a']`, `{'k': None}`). A float that JSON wrote as `2.0` was read as the
 * number 2 and prints as `2`.
 *
 * @module
 */
import { pythonNumber, pythonStr } from "../serialize/python_json.ts";

// What Python's `str.isprintable()` rejects: other (C*) and separator (Z*) characters, except
// the space.
const UNPRINTABLE = /[\p{C}\p{Z}]/u;
const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Python's `repr()` of a string: quoted, with its escapes for unprintable characters.
 *
 * @param text The string.
 * @returns `'text'` (or `"it's"`).
 */
export function stringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of text) {
    const code = c.codePointAt(0)!;
    if (c === quote || c === "\\") out += `\\${c}`;
    else if (Object.hasOwn(ESCAPES, c)) out += ESCAPES[c];
    else if (c === " " || !UNPRINTABLE.test(c)) out += c;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return out + quote;
}

/** Python's `repr()` of a parsed JSON value. */
function repr(value: unknown): string {
  if (typeof value === "string") return stringRepr(value);
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pythonNumber(value);
  if (Array.isArray(value)) return `[${value.map(repr).join(", ")}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record).map((k) => `${stringRepr(k)}: ${repr(record[k])}`).join(", ")}}`;
}

/**
 * Python's `str()` of a parsed JSON value.
 *
 * @param value A string, number, boolean, null, list or object.
 * @returns Its text: a string as is.
 */
export function pythonText(value: unknown): string {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return pythonStr(value);
  }
  try {
    return repr(value);
  } catch {
    return "..."; // nested too deeply for the stack
  }
}
