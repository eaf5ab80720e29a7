/**
 * Text forms that match Python's, so content hashes and JSONL lines agree byte for byte with
 * dreadnode's: `str(value)` for scalars, `json.dumps(value, separators=(",", ":"))` (compact,
 * `ensure_ascii`, insertion key order) for hashed values, and `json.dumps(value)` (separators
 * `", "` and `": "`) for JSONL lines.
 *
 * JavaScript has one number type, so an integer-valued number is always written the way Python
 * writes an `int` (`1`, never `1.0`), and other numbers the way Python writes a `float` (`repr`:
 * shortest round-trip digits, scientific notation below `1e-4` with a two-digit exponent such as
 * `1e-05`).
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
import { serialize } from "./serialize.ts";
import type { JsonValue } from "./types.ts";

/**
 * Python's `str()` of a number: integers as `int` (all digits, no exponent), other finite
 * numbers as `float` `repr`, and `nan`, `inf`, `-inf`.
 *
 * @param n A number.
 * @returns Python's text for it.
 */
export function pythonNumber(n: number): string {
  if (Number.isInteger(n)) {
    return Number.isSafeInteger(n) ? String(n === 0 ? 0 : n) : BigInt(n).toString();
  }
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  const text = Math.abs(n) < 1e-4 ? n.toExponential() : String(n);
  const e = text.indexOf("e");
  if (e < 0) return text;
  const sign = text[e + 1] === "-" ? "-" : "+";
  const digits = text.slice(text[e + 1] === "-" || text[e + 1] === "+" ? e + 2 : e + 1);
  return `${text.slice(0, e)}e${sign}${digits.length < 2 ? "0" + digits : digits}`;
}

/**
 * A float as Python's `json.dumps` writes it (`float.__repr__`): shortest round-trip digits,
 * always with a fraction or an exponent, fixed notation from 1e-4 up to below 1e16 and scientific
 * notation with a signed exponent of at least two digits outside it (`5.0`, `-0.0`, `0.0001`,
 * `1e-05`, `1.8446744073709552e+19`), and `NaN`, `Infinity`, `-Infinity`. For values Python holds
 * as floats whatever their value (dreadnode's metric values): {@linkcode pythonNumber} writes an
 * integer-valued number as an `int`.
 *
 * @param n A number.
 * @returns Python's JSON text for it as a float.
 */
export function pythonFloatJson(n: number): string {
  if (!Number.isFinite(n)) return n !== n ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  if (!Number.isInteger(n)) return pythonNumber(n);
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  // Integers of 1e16 and more: `toExponential()` writes the shortest digits and `e+16` … `e+308`.
  return Math.abs(n) < 1e16 ? `${n}.0` : n.toExponential();
}

/**
 * Python's `str()` of a scalar: strings unchanged, `True`/`False`, numbers per
 * {@linkcode pythonNumber}.
 *
 * @param value A string, number or boolean (anything else gives its JavaScript string form).
 * @returns Python's text for it.
 */
export function pythonStr(value: string | number | boolean): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "True" : "False";
  return typeof value === "number" ? pythonNumber(value) : safeString(value);
}

// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/;
const NOT_ASCII = /[\u007f-\uffff]/g;

function escapeUnit(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * A JSON string literal with Python's `ensure_ascii` escaping: every character outside
 * space…`~` is written as `\uXXXX` (lower-case hex, surrogate pairs for astral characters), with
 * the short escapes `\" \\ \n \r \t \b \f`.
 *
 * @param text The string.
 * @returns The quoted, escaped literal.
 */
export function asciiJsonString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  // JSON.stringify already escapes as Python does below U+0020, `"`, `\` and lone surrogates
  // (lower-case `\u00XX` / `\udXXX`); what is left is DEL and everything above ASCII.
  return JSON.stringify(text).replace(NOT_ASCII, escapeUnit);
}

/**
 * {@linkcode pythonJsonOrThrow} of a value whose numbers `JSON.stringify` writes as Python does
 * (finite; integers below 1e21; fractions from 1e-4 up, as the serializer notes them): the
 * native writer, then every character past `~` escaped, which only strings and keys hold. The
 * same text; when `JSON.stringify` throws, the result (or the error) of
 * {@linkcode pythonJsonOrThrow}.
 *
 * @param value A JSON value without other numbers.
 * @returns The compact ASCII JSON text.
 * @internal
 */
export function pythonJsonOfPlainNumbers(value: JsonValue): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Left to the writer below, which throws as its callers expect.
  }
  if (text === undefined) return pythonJsonOrThrow(value);
  return asciiJson(text);
}

/**
 * JSON text with every character past `~` escaped as Python's `ensure_ascii` escapes it
 * (`\u00e9`); in JSON that `JSON.stringify` wrote only strings and keys hold such characters,
 * and it escapes the others as Python does.
 *
 * @param text JSON text `JSON.stringify` wrote.
 * @returns The ASCII-only text (the same string when it is ASCII already).
 * @internal
 */
export function asciiJson(text: string): string {
  return NOT_PLAIN_ASCII.test(text) ? text.replace(NOT_ASCII, escapeUnit) : text;
}

/** Any character past `~`. */
const NOT_PLAIN_ASCII = /[\u007f-\uffff]/;

/**
 * Python's `json.dumps(value, separators=(",", ":"))` of a JSON value: compact, ASCII-only,
 * keys in insertion order (JavaScript orders integer-like keys first; that is the one ordering
 * difference from Python dicts). Non-finite numbers are written as Python does (`NaN`,
 * `Infinity`). Never throws: a value that is not an acyclic JSON value is written in its
 * serialized form.
 *
 * @param value A JSON value.
 * @returns The compact ASCII JSON text.
 */
export function pythonJson(value: JsonValue): string {
  return dumps(value, ",", ":");
}

/**
 * {@linkcode pythonJson} of a value known to be JSON (a serializer's output), without the
 * fallback: it throws when the value is not an acyclic JSON value or when the stack runs out on
 * a deeply nested one, so a caller can tell that the text would have been of a cut form.
 *
 * @param value A JSON value.
 * @returns The compact ASCII JSON text.
 * @internal
 */
export function pythonJsonOrThrow(value: JsonValue): string {
  return encode(value, ",", ":");
}

/**
 * {@linkcode pythonJsonDumps} of a value known to be JSON, without the fallback (as
 * {@linkcode pythonJsonOrThrow}): the JSONL line writer falls back to the whole line's
 * serialized form itself.
 *
 * @param value A JSON value.
 * @returns The JSON text with `", "` and `": "` separators.
 * @internal
 */
export function pythonJsonLineOrThrow(value: JsonValue): string {
  return encode(value, ", ", ": ");
}

/**
 * Python's `json.dumps(value)` with its default separators `", "` and `": "`: the form of
 * dreadnode's JSONL lines (`spans.jsonl`, `artifacts.jsonl`). Otherwise as
 * {@linkcode pythonJson}: ASCII-only, Python number forms, never throws.
 *
 * @param value A JSON value.
 * @returns The JSON text, for example `{"a": [1, 1e-07], "b": "\u00e9"}`.
 */
export function pythonJsonDumps(value: JsonValue): string {
  return dumps(value, ", ", ": ");
}

/**
 * `JSON.stringify(value)` (compact, non-ASCII characters as they are, `toJSON` honoured) with every
 * number in Python's form, as {@linkcode pythonNumber} writes it: an integer with all its digits
 * (JavaScript writes 2^60 as `1152921504606847000`, which Python's `json.loads` reads as another
 * int, and 1e21 as `1e+21`, a float), a fraction below 1e-4 as `1e-05`. The JSON-string attributes
 * of a task's state are written so, as the JSONL line around them writes its own. Each number is
 * printed once: the numbers of `JSON.stringify`'s text that Python writes otherwise are rewritten
 * where they stand (see {@linkcode withPythonNumbers}).
 *
 * @param value Any value.
 * @returns The JSON text.
 * @throws {TypeError} When `JSON.stringify` throws (a BigInt, a cycle) or gives no text.
 * @internal
 */
export function jsonWithPythonNumbers(value: unknown): string {
  const text: string | undefined = JSON.stringify(value);
  if (text === undefined) throw new TypeError("The value has no JSON form");
  return withPythonNumbers(text);
}

/**
 * JSON text that `JSON.stringify` wrote, with each number Python writes otherwise rewritten by
 * {@linkcode pythonNumber}; strings and keys are left as they are. Those numbers all hold an
 * exponent (`1e-7`, `1e+21`), are integers of 16 digits or more (every integer past 2^53), or are
 * fractions below 1e-4 (`0.00001`); each is found from its exponent sign or, as a number starts
 * the text or follows `[`, `,` or `:`, from its first digits, without a walk over the value.
 *
 * @param text Text `JSON.stringify` wrote.
 * @returns The text with Python's numbers (the same string when none differs).
 * @internal
 */
export function withPythonNumbers(text: string): string {
  const first = text.charCodeAt(0);
  if (first === 0x2d || (first >= 0x30 && first <= 0x39)) return pythonNumber(Number(text));
  // Made here: a global RegExp holds the position of its last match.
  const candidates = /e[-+]|[[,:]-?(?:\d{16}|0\.0000)/g;
  let out = "";
  let copied = 0;
  let quote = text.indexOf('"');
  for (let match = candidates.exec(text); match !== null; match = candidates.exec(text)) {
    const at = match.index;
    let inString = false;
    while (quote >= 0 && quote < at) {
      const end = stringEnd(text, quote);
      quote = text.indexOf('"', end);
      if (end > at) {
        inString = true;
        candidates.lastIndex = end;
        break;
      }
    }
    if (inString) continue;
    let start = text.charCodeAt(at) === 0x65 ? at : at + 1; // at `e`, or after the `[,:` before
    while (start > 0 && isNumberChar(text.charCodeAt(start - 1))) start--;
    let end = at + 1;
    while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
    candidates.lastIndex = end;
    const token = text.slice(start, end);
    const python = pythonNumber(Number(token));
    if (python === token) continue;
    out += text.slice(copied, start) + python;
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Whether a code unit can be part of a number `JSON.stringify` wrote: `0-9 . e + -`. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x2b || c === 0x2d;
}

/** The index after the closing quote of the JSON string literal that opens at `quote`. */
function stringEnd(text: string, quote: number): number {
  for (let from = quote + 1;;) {
    const close = text.indexOf('"', from);
    if (close < 0) return text.length;
    let backslash = close - 1;
    while (text.charCodeAt(backslash) === 0x5c) backslash--;
    if ((close - 1 - backslash) % 2 === 0) return close + 1; // not escaped
    from = close + 1;
  }
}

function dumps(value: JsonValue, comma: string, colon: string): string {
  try {
    return encode(value, comma, colon, true);
  } catch {
    // Not an acyclic JSON value (a cycle, a throwing getter): its serialized form.
    return encode(serialize(value, { schema: false }).value, comma, colon, true);
  }
}

/**
 * The JSON text of a value, nested containers by recursion (one stack frame a level).
 *
 * `flat` is for a caller that may hold the text (a JSONL line waiting to be written). Text built
 * with `+=` is a tree of its pieces (a rope in V8 and JavaScriptCore), held at several times its
 * length until something copies it: 2.9 KB for an event line of 407 characters. With `flat`, the
 * outermost container's text is joined with its closing bracket, which copies it once into one
 * string: about what that copy costs (collecting every piece in an array for one join took 10-50%
 * longer). Nested levels are left as ropes; a scalar's text is short. A string item is written
 * here, not by a call: most of a line's values are strings, and V8 does not inline `encode` into
 * itself (without it, a small line took 3-5% longer than with a separate outermost loop).
 */
function encode(value: JsonValue, comma: string, colon: string, flat?: boolean): string {
  switch (typeof value) {
    case "string":
      return asciiJsonString(value);
    case "number":
      if (Number.isNaN(value)) return "NaN";
      if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
      return pythonNumber(value);
    case "boolean":
      return value ? "true" : "false";
    default: {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += comma;
          const item = value[i];
          out += typeof item === "string"
            ? asciiJsonString(item)
            : encode(item ?? null, comma, colon);
        }
        return flat ? [out, "]"].join("") : out + "]";
      }
      let out = "{";
      let first = true;
      for (const key in value) {
        const item = value[key];
        if (item === undefined) continue;
        if (!first) out += comma;
        first = false;
        out += asciiJsonString(key) + colon +
          (typeof item === "string" ? asciiJsonString(item) : encode(item, comma, colon));
      }
      return flat ? [out, "}"].join("") : out + "}";
    }
  }
}
