/**
 * Copies of strings the trace analysis keeps until its end (error texts, run and trace ids).
 *
 * @module
 */

/**
 * A copy of a string that shares no memory with a longer string it may have been cut from (V8
 * keeps a whole line alive behind a short slice of it).
 *
 * @param text The string.
 * @returns An equal string.
 */
export function detachedString(text: string): string {
  // Concatenating then slicing flattens the text into a new string first.
  return ` ${text}`.slice(1);
}
