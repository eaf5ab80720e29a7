/**
 * Masking inside text that looks like JSON but does not parse, typically JSON cut at a length
 * limit (a span's `attributeValueLengthLimit` slices the JSON encoding of an object attribute).
 * The text is scanned token by token, as leniently as possible: the value after every sensitive
 * `"key":` is replaced, whether it is a string (with escapes), a number, a literal, a nested
 * object or array, or a value cut off at the end of the text. A `["key", value]` pair (how a Map
 * with non-string keys is serialized: a two-item array that is itself an item of an array) is
 * masked the same way; other arrays of strings are left alone. Optionally some keys are names
 * (the policy's rule for `dreadnode.metrics` and `dreadnode.object_schemas`): a sensitive key no
 * deeper than `names.levels` whose value is complete in the text, parses, and has the shape
 * `names.holds` accepts is not masked: its parsed value is redacted by a callback and written in
 * canonical form (so a key repeated inside it, of which `JSON.parse` keeps the last copy, cannot
 * carry an earlier copy through); a value cut off at the end of the text cannot be checked, so it
 * is masked. Strings that are not keys are handed to a callback, so JSON nested inside them is
 * redacted too. The scan takes time linear in the text's length: where each bracket closes is
 * found once, in one pass. Also the small JSON-text helpers the redaction policy uses on strings
 * before parsing them: JSON whitespace and `\uXXXX` escapes.
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

/** Keys that are names (of metrics, of schema properties) rather than keys holding a secret. */
export interface NameKeys {
  /**
   * How many levels of keys are names: 1 is the keys of the outermost object, and an array counts
   * as a level. `["key", value]` pairs are never names.
   */
  readonly levels: number;
  /**
   * Whether a name's value, as parsed JSON, has the expected shape. A sensitive key at those
   * levels is kept only when this returns true; its value is then redacted as usual.
   */
  readonly holds: (value: unknown) => boolean;
}

/** Options of {@linkcode maskJsonText}. */
export interface JsonScanOptions {
  /** Tells whether a key's value must be masked. */
  readonly isSensitive: (key: string) => boolean;
  /** Keys that are names, not secret-bearing keys (default: none). */
  readonly names?: NameKeys | undefined;
  /** What a masked value becomes (written as a JSON string). */
  readonly replacement: string;
  /** Redacts a string value that is not a key; returns it unchanged when nothing changes. */
  readonly redactString: (value: string) => string;
  /**
   * Redacts the parsed value of a name that is kept (see {@linkcode NameKeys}); `names`: the name
   * keys of that value's keys, if any. Only called when `names` is given.
   */
  readonly redactName: (value: unknown, names: NameKeys | undefined) => unknown;
}

/**
 * Masks the values of sensitive keys in JSON-like text that `JSON.parse` rejects.
 *
 * @param text The text (usually starting with `{` or `[`).
 * @param options The key rule, the replacement and the string callback.
 * @returns The masked text; the same string when nothing was masked.
 * @internal
 */
export function maskJsonText(text: string, options: JsonScanOptions): string {
  const n = text.length;
  const parts: string[] = [];
  const names = options.names;
  let last = 0;
  let i = 0;
  let depth = 0; // Brackets open at `i`, outside strings; stray closing ones leave it at 0.
  let ends: Int32Array | undefined; // See `bracketEnds`, made when first needed.
  const endOf = (start: number) => valueEnd(text, start, () => ends ??= bracketEnds(text));
  const after = (start: number) => skipSpace(text, endOf(start));
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== QUOTE) {
      if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
      else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && depth > 0) depth--;
      i++;
      continue;
    }
    const close = closingQuote(text, i);
    const end = close < 0 ? n : close + 1;
    const raw = text.slice(i + 1, close < 0 ? n : close);
    const next = skipSpace(text, end);
    const following = text.charCodeAt(next);
    const isKey = following === COLON || (following === COMMA && isPairKey(text, i, next, after));
    if (isKey && options.isSensitive(decode(raw) ?? raw)) {
      const start = skipSpace(text, next + 1);
      const stop = endOf(start);
      if (following === COLON && names !== undefined && depth <= names.levels) {
        const slice = text.slice(start, stop);
        const value = parseOrUndefined(slice); // Cut off: does not parse, so it is masked.
        if (names.holds(value)) {
          // A name (a metric's, a schema property's): its value, redacted, in canonical form.
          const rest = names.levels - depth;
          const inner = rest >= 1 ? { levels: rest, holds: names.holds } : undefined;
          const kept = JSON.stringify(options.redactName(value, inner));
          if (kept !== slice) {
            parts.push(text.slice(last, start), kept);
            last = stop;
          }
          i = stop;
          continue;
        }
      }
      parts.push(text.slice(last, start), JSON.stringify(options.replacement));
      last = i = stop;
      continue;
    }
    const decoded = isKey || !mayNestJson(raw) ? undefined : decode(raw);
    if (decoded !== undefined) {
      const redacted = options.redactString(decoded);
      if (redacted !== decoded) {
        const encoded = JSON.stringify(redacted);
        parts.push(text.slice(last, i), close < 0 ? encoded.slice(0, -1) : encoded);
        last = end;
      }
    }
    i = end;
  }
  if (last === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}

/**
 * Whether the string opened at `open` (followed by the comma at `comma`) is the key of a
 * `["key", value]` pair: its `[` is an item of an array (it follows `[` or `,`), and the value is
 * the pair's last item (followed by `]`, or cut off at the end of the text). `after` gives, for
 * the start of a value, the first index past it that is not whitespace.
 *
 * @internal
 */
export function isPairKey(
  text: string,
  open: number,
  comma: number,
  after: (start: number) => number,
): boolean {
  const bracket = skipSpaceBack(text, open - 1);
  if (text.charCodeAt(bracket) !== OPEN_BRACKET) return false;
  const before = text.charCodeAt(skipSpaceBack(text, bracket - 1));
  if (before !== OPEN_BRACKET && before !== COMMA) return false;
  const end = after(skipSpace(text, comma + 1));
  return end >= text.length || text.charCodeAt(end) === CLOSE_BRACKET;
}

/**
 * Where each bracket of the text closes, in one pass (strings skipped): at the index of an
 * opening `[` or `{`, the end (exclusive) of the bracketed value; 0 when it is not closed (cut
 * off). Closing brackets of either kind match the last open one; stray ones are ignored.
 */
function bracketEnds(text: string): Int32Array {
  const n = text.length;
  const ends = new Int32Array(n);
  const open: number[] = [];
  for (let j = 0; j < n; j++) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = closingQuote(text, j);
      if (j < 0) break;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) open.push(j);
    else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && open.length > 0) {
      ends[open.pop() as number] = j + 1;
    }
  }
  return ends;
}

/**
 * The index of the quote closing the string opened at `open`, or -1 when it is cut off. From -1,
 * the first quote of the text not escaped by a backslash.
 *
 * @internal
 */
export function closingQuote(text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j;
  }
  return -1;
}

/** The index of the first character at or after `i` that is not JSON whitespace. @internal */
export function skipSpace(text: string, i: number): number {
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  return i;
}

function skipSpaceBack(text: string, i: number): number {
  while (i >= 0 && isJsonSpace(text.charCodeAt(i))) i--;
  return i;
}

/**
 * The end (exclusive) of the value starting at `start`: a string, a bracketed value (looked up in
 * `ends`, see `bracketEnds`) or a bare token up to `,`, `}`, `]` or a line break; the end of the
 * text when the value is cut off. A bare token holding a quote is not JSON: in JSON text (no
 * `lineEnd`) the rest of the text is the value, so that the scan never resumes inside a string; in
 * free text (where every pair of quotes is tried as a key) it ends at a line break, which
 * `lineEnd` finds: the first line break at or after an index (the end of the text when none).
 *
 * @internal
 */
export function valueEnd(
  text: string,
  start: number,
  ends: () => Int32Array,
  lineEnd?: (from: number) => number,
): number {
  const n = text.length;
  if (start >= n) return n;
  const first = text.charCodeAt(start);
  if (first === QUOTE) {
    const close = closingQuote(text, start);
    return close < 0 ? n : close + 1;
  }
  if (first === OPEN_BRACKET || first === OPEN_BRACE) return ends()[start] || n;
  for (let j = start; j < n; j++) {
    const c = text.charCodeAt(j);
    if (isLineBreak(c)) return j;
    if (c === QUOTE) return lineEnd === undefined ? n : lineEnd(j);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET) return j;
  }
  return n;
}

function isLineBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}

/**
 * A `lineEnd` for {@linkcode valueEnd} that remembers the stretch of text it last searched, so
 * that searches from increasing indexes take time linear in the text's length in all.
 *
 * @internal
 */
export function lineEnds(text: string): (from: number) => number {
  let from = text.length; // No line break in `[from, found)`; `found` is one or the end.
  let found = text.length;
  return (j) => {
    if (j >= from && j <= found) return found;
    let k = j;
    while (k < text.length && k !== from && !isLineBreak(text.charCodeAt(k))) k++;
    if (k !== from) found = k;
    from = j;
    return found;
  };
}

/**
 * The value of a JSON text; undefined when it does not parse (for example when it is cut off).
 *
 * @internal
 */
export function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The text of a JSON string body (without quotes); a body cut inside an escape loses the partial
 * escape. Undefined when it cannot be decoded. The body is checked before `JSON.parse` is called,
 * which then never throws: a failed parse is slow, and free text has many quoted pieces that are
 * not JSON strings.
 *
 * @internal
 */
export function decode(raw: string): string | undefined {
  if (isStringBody(raw)) return JSON.parse(`"${raw}"`);
  // A partial escape (`\`, `\u`, up to `\uXXX`) starts at the last backslash.
  const slash = raw.lastIndexOf("\\");
  if (slash < 0 || slash < raw.length - 5) return undefined;
  const cut = raw.slice(0, slash);
  return isStringBody(cut) ? JSON.parse(`"${cut}"`) : undefined;
}

/** Whether `"${raw}"` is a JSON string: no quote or control character unescaped, valid escapes. */
function isStringBody(raw: string): boolean {
  for (let j = 0; j < raw.length; j++) {
    const c = raw.charCodeAt(j);
    if (c < 0x20 || c === QUOTE) return false;
    if (c !== BACKSLASH) continue;
    const escape = raw.charCodeAt(++j);
    if (escape === 0x75) { // `\uXXXX`
      if (!HEX4.test(raw.slice(j + 1, j + 5))) return false;
      j += 4;
    } else if (!SIMPLE_ESCAPES.includes(escape)) return false;
  }
  return true;
}

/** Four hex digits. */
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** What follows the backslash of JSON's one-character escapes: `"`, `\`, `/`, b, f, n, r, t. */
const SIMPLE_ESCAPES = [0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74];

/**
 * Whether a JSON string body may decode to JSON text (an object or array, after whitespace): the
 * only strings whose redaction changes them without truncation. A cheap test before decoding.
 *
 * @internal
 */
export function mayNestJson(raw: string): boolean {
  return raw.includes("{") || raw.includes("[") || raw.includes("\\u");
}

/**
 * A `\uXXXX` escape, however many backslashes precede it (escapes of nested JSON). A match starts
 * only where a run of backslashes does, so a long run is tried once, not from each of its
 * backslashes (which took time quadratic in its length).
 */
export const UNICODE_ESCAPE: RegExp = /(?<!\\)\\+u([0-9a-fA-F]{4})/g;

/**
 * The character of a {@linkcode UNICODE_ESCAPE} match (a `String.prototype.replace` callback).
 *
 * @param _match The whole escape.
 * @param hex Its four hex digits.
 * @returns The UTF-16 code unit they encode.
 */
export function unescapeCode(_match: string, hex: string): string {
  return String.fromCharCode(parseInt(hex, 16));
}

/**
 * JSON whitespace: space, tab, line feed, carriage return.
 *
 * @param c A UTF-16 code unit (`NaN` past the end of a string).
 * @returns Whether it is JSON whitespace.
 */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}
