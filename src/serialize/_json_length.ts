/**
 * What a string costs the serializer's `maxBytes` budget: the bytes of its JSON literal body as
 * it is written, Python's `ensure_ascii` form (`\uXXXX` for every character past `~`) for
 * hashed and stored values, UTF-8 otherwise.
 *
 * @internal
 * @module
 */

/** A code unit that does not take exactly one byte: a control character, `"`, `\`, DEL or more. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/** Strings at least this long are tested with {@linkcode NOT_PLAIN} before they are counted. */
const PLAIN_CHECK_LENGTH = 64;

/** The bytes one UTF-16 code unit takes in a JSON string literal body. */
function unitBytes(c: number, python: boolean): number {
  if (c < 0x20) return c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6; // \n, \u0001
  if (c === 0x22 || c === 0x5c) return 2; // \" and \\
  if (c < 0x7f) return 1;
  if (python) return 6; // \u00e9, and each half of a surrogate pair
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  return c >= 0xd800 && c <= 0xdfff ? 2 : 3; // a surrogate pair is 4 bytes of UTF-8
}

/**
 * The bytes of a string's JSON literal body (quotes not included), or, with `max`, how many of
 * its leading code units fit in `max` bytes.
 *
 * @param text The string.
 * @param python Python's ASCII-only form (else UTF-8).
 * @param max When given, count code units up to this many bytes instead.
 * @returns Bytes of the whole string, or the code units that fit in `max`.
 */
export function jsonStringBytes(text: string, python: boolean, max?: number): number {
  // A long string of plain ASCII (one byte per code unit, either form): one native test.
  if (text.length >= PLAIN_CHECK_LENGTH && !NOT_PLAIN.test(text)) {
    if (max === undefined || !(max < text.length)) return text.length;
    if (max >= 0) return Math.floor(max);
  }
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c ? 1 : unitBytes(c, python);
    if (max !== undefined && bytes > max) return i;
  }
  return max === undefined ? bytes : text.length;
}

/**
 * The characters a finite number (or Python's `NaN`, `Infinity`) takes in JSON: cheap for small
 * integers, else its printed form's length (Python's can differ by a character or two).
 *
 * @param n The number.
 * @returns Its length.
 */
export function jsonNumberLength(n: number): number {
  const a = n < 0 ? -n : n;
  if (a < 1e6 && Number.isInteger(a)) {
    const digits = a < 10 ? 1 : a < 100 ? 2 : a < 1000 ? 3 : a < 1e4 ? 4 : a < 1e5 ? 5 : 6;
    return n < 0 ? digits + 1 : digits;
  }
  return String(n).length;
}
