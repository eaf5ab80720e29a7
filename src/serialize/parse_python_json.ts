/**
 * Parsing of JSON written by Python's `json.dumps` (how stored object blobs are written, by
 * tracelet and dreadnode alike): standard JSON, plus the bare `NaN`, `Infinity` and `-Infinity`
 * tokens Python writes for non-finite floats, which `JSON.parse` rejects.
 *
 * @internal
 * @module
 */
import type { JsonValue } from "./types.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Parses JSON that may hold bare `NaN`, `Infinity` and `-Infinity` outside strings; the infinities
 * become those numbers, `NaN` becomes `nan` (NaN by default; the trace analysis reads it as null).
 * Strings are left as they are (a string `"NaN"` stays a string).
 *
 * @param text The JSON text.
 * @param nan What a bare `NaN` becomes.
 * @returns The parsed value.
 * @throws {SyntaxError} When the text is not JSON even with those tokens.
 */
export function parsePythonJson(text: string, nan: number | null = NaN): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    const marker = nan === null ? undefined : nanMarker(text);
    const rewritten = rewriteNonFinite(
      text,
      marker === undefined ? "null" : JSON.stringify(marker),
    );
    if (rewritten === text) throw error;
    if (marker === undefined || !rewritten.includes(marker)) {
      return JSON.parse(rewritten) as JsonValue;
    }
    return JSON.parse(rewritten, (_key, value) => value === marker ? nan : value) as JsonValue;
  }
}

/**
 * Replaces `Infinity` (so `-Infinity` too) outside strings with `1e999`, which `JSON.parse` reads
 * as Infinity, and `NaN` with `nan` (a JSON literal).
 */
function rewriteNonFinite(text: string, nan: string): string {
  const parts: string[] = [];
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== QUOTE) {
        if (text.charCodeAt(i) === BACKSLASH) i++;
        i++;
      }
    } else if (c === 0x4e && text.startsWith("NaN", i)) {
      parts.push(text.slice(last, i), nan);
      last = i + 3;
    } else if (c === 0x49 && text.startsWith("Infinity", i)) {
      parts.push(text.slice(last, i), "1e999");
      last = i + 8;
    }
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}

/**
 * A string that no string in `text` can decode to: it holds a private-use character that occurs
 * in the text neither raw nor as a `\u` escape (in practice always the first one tried).
 */
function nanMarker(text: string): string {
  let code = 0xe000;
  for (; code < 0xf8ff; code++) {
    const escape = new RegExp(`\\\\u${code.toString(16)}`, "i");
    if (!text.includes(String.fromCharCode(code)) && !escape.test(text)) break;
  }
  return `${String.fromCharCode(code)}NaN`;
}
