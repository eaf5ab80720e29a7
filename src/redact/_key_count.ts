/**
 * A bound on how many object keys a JSON text holds, found without parsing it: the redaction
 * policy compares it with the keys `JSON.parse` gave, to learn that no key was repeated (see
 * `RedactionPolicy`'s `#text`).
 *
 * @module
 */

/** A quote, JSON whitespace and a colon: what ends every object key of a JSON text. */
const KEY_END = /"[\t\n\r ]*:/g;
/** A key end with whitespace before its colon (`JSON.stringify` writes none). */
const SPACED_KEY_END = /"[\t\n\r ]+:/;

/**
 * How many quotes of a JSON text that no backslash escapes are followed by a colon (after JSON
 * whitespace). Every object key of the text ends so, so in valid JSON text this is at least the
 * number of its keys, every repeated copy counted; it is more only when a string starts with a
 * colon (after JSON whitespace). Keys of JSON nested inside its strings are not counted (their
 * quotes are escaped).
 *
 * @param text A JSON text (valid: an unescaped quote opens or closes a string).
 * @returns The count.
 * @internal
 */
export function keyCountBound(text: string): number {
  let count = 0;
  if (SPACED_KEY_END.test(text)) {
    KEY_END.lastIndex = 0;
    for (let end = KEY_END.exec(text); end !== null; end = KEY_END.exec(text)) {
      if (!isEscaped(text, end.index)) count++;
    }
    return count;
  }
  // The usual text: each key ends with `":`, found by the native search (no match objects).
  for (let at = text.indexOf('":'); at >= 0; at = text.indexOf('":', at + 2)) {
    if (!isEscaped(text, at)) count++;
  }
  return count;
}

/** Whether the quote at `quote` follows an odd run of backslashes (is escaped, in a string). */
function isEscaped(text: string, quote: number): boolean {
  let run = quote;
  while (run > 0 && text.charCodeAt(run - 1) === 0x5c) run--;
  return (quote - run) % 2 === 1;
}
