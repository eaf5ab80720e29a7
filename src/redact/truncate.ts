/**
 * String truncation as design-research-agents does it: a string longer than the limit (counted
 * in Unicode code points, like Python `len`) keeps its first `limit - 16` code points followed by
 * `...[truncated:<original length>]`, so the result is slightly longer than the limit but says
 * how long the original was.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";

/** How many code points of the limit are reserved for the truncation note (as in DRA). */
export const TRUNCATION_RESERVE = 16;

/**
 * Counts the Unicode code points of a string (a surrogate pair counts once).
 *
 * @param text The string.
 * @returns Its length in code points.
 */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * Truncates a string longer than `maxLength` code points to its first `maxLength - 16` code
 * points plus `...[truncated:<original length in code points>]`. Shorter strings are returned
 * unchanged (the same string).
 *
 * @param text The string (anything else is truncated as its string form).
 * @param maxLength The limit in code points (default 2048).
 * @returns The string or its truncated form.
 * @example
 * ```ts
 * import { truncateString } from "@tracelet/tracelet";
 * truncateString("x".repeat(3000)).endsWith("...[truncated:3000]"); // true
 * ```
 */
export function truncateString(text: string, maxLength: number = 2048): string {
  if (typeof text !== "string") text = safeString(text);
  if (text.length <= maxLength) return text;
  const length = codePointLength(text);
  if (length <= maxLength) return text;
  const keep = Math.max(0, maxLength - TRUNCATION_RESERVE);
  let end = 0;
  for (let kept = 0; kept < keep; kept++) {
    const c = text.charCodeAt(end);
    end += c >= 0xd800 && c <= 0xdbff && end + 1 < text.length &&
        (text.charCodeAt(end + 1) & 0xfc00) === 0xdc00
      ? 2
      : 1;
  }
  return `${text.slice(0, end)}...[truncated:${length}]`;
}
