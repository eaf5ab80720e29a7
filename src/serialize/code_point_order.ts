/**
 * Python's string order: by Unicode code point. JavaScript's `<` compares UTF-16 code units, which
 * puts a character past U+FFFF (a surrogate pair, from U+D800) before one in U+E000–U+FFFF; Python
 * puts it after.
 *
 * @module
 */

/**
 * Orders two strings by code point, as Python's `sorted()` orders `str`.
 *
 * @param a A string.
 * @param b Another string.
 * @returns -1, 0 or 1.
 */
export function byCodePoint(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) < codePointRank(y) ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/**
 * A code unit's rank in code point order: a surrogate (U+D800–U+DFFF, part of a character past
 * U+FFFF) after every other code unit. Two strings first differ either in two surrogates (ordered
 * as their code points are) or in one unit, whose rank orders them.
 */
function codePointRank(unit: number): number {
  return unit >= 0xd800 && unit <= 0xdfff ? unit + 0x10000 : unit;
}
