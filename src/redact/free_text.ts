/**
 * Masking inside free text that may embed JSON: an error message, a span status message, a stack
 * trace (`POST /v1/chat failed: body="{"api_key":"…"}"`). `maskJsonText` pairs quotes from the
 * start of the text, as in JSON; in free text one unbalanced quote earlier on (`config 'x"
 * rejected; {"api_key":"…"}`) would shift that pairing and hide every key after it. Here the text
 * between *any* two consecutive quotes (not escaped by a backslash) that is followed by `:` is a
 * key, so the value after every sensitive `"key":` is masked wherever it is: a string up to its
 * closing quote, a number or literal, an object or array up to its closing bracket (brackets
 * inside strings skipped), or everything up to the end of the text when the value is cut off. A
 * sensitive `["key", value]` pair is masked the same way. The text between two quotes that is not
 * a key is decoded as a JSON string and handed to a callback, so JSON escaped inside a quoted
 * string (`"… {\\"token\\":…}"`) is redacted too. The scan takes time linear in the text's length.
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
  mayNestJson,
  skipSpace,
  valueEnd,
} from "./json_scan.ts";

/**
 * Masks the values of sensitive keys of JSON embedded anywhere in free text.
 *
 * @param text The text.
 * @param options The key rule, the replacement and the string callback (`names` is not used).
 * @returns The masked text; the same string when nothing was masked.
 * @internal
 */
export function maskFreeText(text: string, options: JsonScanOptions): string {
  const n = text.length;
  const parts: string[] = [];
  let last = 0;
  let ends: Int32Array | undefined; // See `freeBracketEnds`, made when first needed.
  const endOf = (start: number) => valueEnd(text, start, () => ends ??= freeBracketEnds(text));
  let open = closingQuote(text, -1);
  while (open >= 0) {
    const close = closingQuote(text, open);
    const raw = text.slice(open + 1, close < 0 ? n : close);
    const next = close < 0 ? n : skipSpace(text, close + 1);
    const after = text.charCodeAt(next);
    if (
      (after === COLON || (after === COMMA && isPairKey(text, open, next, endOf))) &&
      options.isSensitive(decode(raw) ?? raw)
    ) {
      const start = skipSpace(text, next + 1);
      const stop = endOf(start);
      parts.push(text.slice(last, start), JSON.stringify(options.replacement));
      last = stop;
      // The next quote from the value's last character on: a string value's closing quote may
      // open the next key (`"token":"x"api_key":…` is not JSON, but the key must not escape).
      open = stop < n ? closingQuote(text, stop - 2) : -1;
      continue;
    }
    // Decoded only when it may hold JSON or quotes: a failed decode is slow.
    const decoded = mayNestJson(raw) || raw.includes('\\"') ? decode(raw) : undefined;
    if (decoded !== undefined) {
      const redacted = options.redactString(decoded);
      if (redacted !== decoded) {
        // Only the body is replaced: its closing quote may open the next key.
        parts.push(text.slice(last, open + 1), JSON.stringify(redacted).slice(1, -1));
        last = close < 0 ? n : close;
      }
    }
    open = close;
  }
  if (last === 0) return text;
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
