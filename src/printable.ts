/**
 * Makes untrusted text safe to print on a terminal as part of one line.
 *
 * @module
 */

// C0 and C1 controls, DEL, the line and paragraph separators and the bidi embeddings, overrides
// and isolates (which reorder how the rest of a line is shown).
// deno-lint-ignore no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every control character (newlines, ESC and BEL of terminal escape sequences,
 * hyperlinks) and every bidi override escaped as `\uXXXX`: it prints as one line and never styles,
 * moves or clears the terminal, nor reorders the text shown.
 *
 * @param text Any text.
 * @returns The text, escaped.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
