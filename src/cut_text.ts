/**
 * Cutting text to a length in UTF-16 code units without splitting a character: a cut that would
 * keep the first half of a surrogate pair (an emoji, most CJK extension characters) stops before
 * it. Half a pair is not text: OTLP/JSON would carry it as a lone `\ud83d` escape, which strict
 * JSON decoders (the Collector's among them) reject, failing the whole request.
 *
 * @module
 */

/**
 * True for the first half of a UTF-16 surrogate pair.
 *
 * @param code A UTF-16 code unit.
 * @returns Whether it is a high (leading) surrogate.
 */
export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * `text` cut to at most `max` code units, one shorter when the cut would split a surrogate pair.
 * A cut is a copy: V8 and JavaScriptCore make a slice of a long string a view that keeps the whole
 * string alive, so a value cut from a 2 MB text and queued for export held the 2 MB (50 such cuts
 * held 127 MB behind a queue bound that counts what was kept).
 *
 * @param text The text.
 * @param max The most code units to keep.
 * @returns `text` itself when it fits, else a copy of its longest prefix of whole characters
 *   within `max`.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  return copyOf(text.slice(0, isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max));
}

/**
 * A copy of `text` that shares no memory with the string it was sliced from (see
 * {@linkcode cutText}): a JSON round trip, which copies on every engine, lone surrogates included.
 *
 * @param text A slice to keep.
 * @returns The same characters in a string of their own.
 */
export function copyOf(text: string): string {
  try {
    return JSON.parse(JSON.stringify(text));
  } catch {
    return text; // escaped past the engine's longest string (~100 M control characters)
  }
}
