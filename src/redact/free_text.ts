/**
 * Masking inside free text that may embed JSON: an error message, a span status message, a stack
 * trace (`POST /v1/chat failed: body="{"api_key":"…"}"`). `maskJsonText` pairs quotes from the
 * start of the text, as in JSON; in free text one unbalanced quote earlier on (`config 'x"
 * rejected; {"api_key":"…"}`) would shift that pairing and hide every key after it. Here the text
 * between *any* two consecutive quotes (not escaped by a backslash) that is followed by `:` is a
 * key, so the value after every sensitive `"key":` is masked wherever it is: a string up to its
 * closing quote, a number or literal up to `,`, `}`, `]` or a line break (a bare value holding a
 * quote, which JSON never has, up to the line break), an object or array up to its closing bracket
 * (brackets inside strings skipped; one not closed ends where a stack frame line, `    at …`,
 * starts, or with the text). A sensitive `["key", value]` pair is masked the same way. The text
 * between two quotes that is not a key, when it may hold a quote (has `\\"` or `\\u` in it), is
 * decoded as a JSON string and handed to a callback, so JSON escaped inside a quoted string
 * (`"… {\\"token\\":…}"`) is redacted too. Then, when the text still holds an escaped quote, it
 * is scanned again with each escaped quote (`\\"` after any number of backslashes, or `\\u0022`)
 * read as a quote: JSON escaped once or more, inside quotes or not, next to text that is no JSON
 * string (`body={\\"api_key\\":…}`, `"D:\\data {\\"token…"`); a value found there is masked in
 * the text, its replacement escaped as much as its quote is. That scan is made once for each level
 * of escaping in the text, and a quote escaped more than the key's is content of the value (a
 * password `a"b` escaped once is `\\"a\\\\\\"b\\"`). The scans take time linear in the text's
 * length, times the number of levels (level `k` needs `2^(k-1)` backslashes: 20 at 1 MB).
 *
 * @module
 */

import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from "../json_chars.ts";
import {
  closingQuote,
  decode,
  isPairKey,
  type JsonScanOptions,
  lineEnds,
  skipSpace,
  valueEnd,
} from "./json_scan.ts";

/** `text.slice(from, to)` replaced by `by`. */
type Edit = readonly [from: number, to: number, by: string];

/**
 * Masks the values of sensitive keys of JSON embedded anywhere in free text.
 *
 * @param text The text.
 * @param options The key rule, the replacement and the string callback (`names` is not used).
 * @returns The masked text; the same string when nothing was masked.
 * @internal
 */
export function maskFreeText(text: string, options: JsonScanOptions): string {
  const edits: Edit[] = [];
  const masked = JSON.stringify(options.replacement);
  scanFree(text, options.isSensitive, (_key, start, stop) => edits.push([start, stop, masked]), (
    open,
    close,
  ) => {
    const raw = text.slice(open + 1, close);
    // Only a string with a quote in it can change (keys are quoted); a failed decode is slow.
    if (!raw.includes('\\"') && !raw.includes("\\u")) return;
    const decoded = decode(raw);
    if (decoded === undefined) return;
    const redacted = options.redactString(decoded);
    // Only the body is replaced: its closing quote may open the next key.
    if (redacted !== decoded) edits.push([open + 1, close, JSON.stringify(redacted).slice(1, -1)]);
  });
  const out = applyEdits(text, edits);
  return out.includes('\\"') || out.includes("\\u0022") ? maskEscaped(out, options) : out;
}

/**
 * Masks the values of sensitive keys of JSON escaped in free text, one level of escaping at a
 * time, lowest first (see `escapeLevel`): at level `k` the text is scanned with every quote
 * escaped `k` times or fewer (see `ESCAPED_QUOTE`) as a plain quote and the quotes escaped more
 * as content, and the value of each key whose closing quote is escaped `k` times (or fewer, at
 * the lowest level) is replaced in the text.
 */
function maskEscaped(text: string, options: JsonScanOptions): string {
  const levels = new Set<number>();
  for (const match of text.matchAll(ESCAPED_QUOTE)) levels.add(escapeLevel(match[0]));
  let lowest = true;
  for (const level of [...levels].sort((a, b) => a - b)) {
    text = maskLevel(text, level, lowest, options);
    lowest = false;
  }
  return text;
}

function maskLevel(
  text: string,
  level: number,
  lowest: boolean,
  options: JsonScanOptions,
): string {
  // `at[k]`: where the character `k` of the view starts in the text. Each escaped quote is one
  // character of the view: a quote, or a character with no meaning in JSON (content).
  const at: number[] = [];
  let last = 0;
  const view = text.replace(ESCAPED_QUOTE, (quote: string, index: number) => {
    while (last < index) at.push(last++);
    at.push(index);
    last += quote.length;
    return escapeLevel(quote) <= level ? '"' : "\u0000";
  });
  while (last <= text.length) at.push(last++);
  const quoteAt = (k: number) => text.slice(at[k], at[k + 1]);
  const found: [quote: number, start: number, stop: number][] = [];
  scanFree(view, options.isSensitive, (key, start, stop) => {
    const quote = quoteAt(key);
    const keyLevel = quote.length > 1 ? escapeLevel(quote) : 0;
    // Written with the quotes of the value (of the key, for a value that is not a string).
    if (keyLevel === level || (lowest && keyLevel < level)) {
      found.push([view.charCodeAt(start) === QUOTE ? start : key, start, stop]);
    }
  });
  const edits: Edit[] = [];
  for (const [quote, start, stop] of found) {
    const by = escapedReplacement(options.replacement, quoteAt(quote));
    if (text.slice(at[start], at[stop]) !== by) edits.push([at[start], at[stop], by]);
  }
  return applyEdits(text, edits);
}

/** A quote escaped once or more: after backslashes, or as `\u0022`. */
const ESCAPED_QUOTE = /(?<!\\)\\+(?:"|u0022)/g;

/**
 * How many times an escaped quote (see `ESCAPED_QUOTE`) was escaped: `\"` once, `\\\"` twice
 * (`\\\\\\\"` three times, …); `\u0022` once, `\\u0022` twice (escaped again, or as .NET
 * escapes `\"`: `\\\u0022`), `\\\\u0022` three times.
 */
function escapeLevel(quote: string): number {
  const slashes = quote.lastIndexOf("\\") + 1;
  return quote.endsWith('"') ? 31 - Math.clz32(slashes + 1) : 32 - Math.clz32(slashes);
}

/** The replacement as a JSON string between two `quote`s, escaped as much as they are. */
function escapedReplacement(replacement: string, quote: string): string {
  const slashes = quote.lastIndexOf("\\") + 1;
  let body = JSON.stringify(replacement).slice(1, -1);
  // One level of escaping more for 1, 3, 7, 15 … backslashes.
  for (let level = 1; level <= slashes; level = 2 * level + 1) {
    body = JSON.stringify(body).slice(1, -1);
  }
  return quote + body + quote;
}

/**
 * Finds the values of sensitive keys in free text (see the module documentation): `onValue` gets
 * the index of the key's closing quote and the value's range; `onString` gets the opening and
 * closing quote (the end of the text when cut off) of each quoted piece that is not such a key.
 */
function scanFree(
  text: string,
  isSensitive: (key: string) => boolean,
  onValue: (key: number, start: number, stop: number) => void,
  onString?: (open: number, close: number) => void,
): void {
  const n = text.length;
  let ends: Int32Array | undefined; // See `freeBracketEnds`, made when first needed.
  let from = n; // The last search for a stack frame line started here and found `frame`.
  let frame = n;
  const lineEnd = lineEnds(text);
  const endOf = (start: number) => {
    const stop = valueEnd(text, start, () => ends ??= freeBracketEnds(text), lineEnd);
    const c = text.charCodeAt(start);
    if (stop < n || (c !== OPEN_BRACE && c !== OPEN_BRACKET) || ends?.[start] === n) return stop;
    // Not closed: the value ends where the stack trace starts, if it does.
    if (start < from || start > frame) {
      FRAME.lastIndex = from = start;
      frame = FRAME.exec(text)?.index ?? n;
    }
    return frame;
  };
  // Many values may end at the same line break, and whitespace may follow it: skipped once.
  const skipped = new Map<number, number>();
  const after = (start: number) => {
    const stop = endOf(start);
    let next = skipped.get(stop);
    if (next === undefined) skipped.set(stop, next = skipSpace(text, stop));
    return next;
  };
  let open = closingQuote(text, -1);
  while (open >= 0) {
    const close = closingQuote(text, open);
    const end = close < 0 ? n : close;
    const next = skipSpace(text, end + 1);
    const following = text.charCodeAt(next);
    if (
      (following === COLON || (following === COMMA && isPairKey(text, open, next, after))) &&
      isSensitive(keyText(text.slice(open + 1, end)))
    ) {
      const start = skipSpace(text, next + 1);
      const stop = endOf(start);
      onValue(end, start, stop);
      // The next quote from the value's last character on: a string value's closing quote may
      // open the next key (`"token":"x"api_key":…` is not JSON, but the key must not escape).
      open = stop < n ? closingQuote(text, stop - 2) : -1;
      continue;
    }
    onString?.(open, end);
    open = close;
  }
}

/** A stack frame line (V8, Deno, Bun: `    at f (file.js:1:1)`), from its line break. */
const FRAME = /\r?\n[ \t]*at /g;

/** A key's text: its quoted body decoded (as it is when it does not decode). */
function keyText(raw: string): string {
  return decode(raw) ?? raw;
}

/** The text with the edits (in order, not overlapping) made; the same string without edits. */
function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const parts: string[] = [];
  let last = 0;
  for (const [from, to, by] of edits) {
    parts.push(text.slice(last, from), by);
    last = to;
  }
  parts.push(text.slice(last));
  return parts.join("");
}

/**
 * Where each bracket of free text closes, in one pass: at the index of an opening `[` or `{`, the
 * end (exclusive) of the bracketed value; 0 when it is not closed. Which quotes open strings
 * depends on where a scan starts, so each bracket is matched as a scan starting at it would: a
 * bracket with an even number of quotes before it is matched against the others with an even
 * number (those with an odd number are inside strings for it), and the same for odd.
 */
function freeBracketEnds(text: string): Int32Array {
  const n = text.length;
  const ends = new Int32Array(n);
  const open: [number[], number[]] = [[], []];
  let parity = 0;
  for (let j = 0; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++; // An escaped character is never a quote or a bracket.
    else if (c === QUOTE) parity ^= 1;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) open[parity].push(j);
    else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && open[parity].length > 0) {
      ends[open[parity].pop() as number] = j + 1;
    }
  }
  return ends;
}
