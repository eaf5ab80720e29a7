/**
 * Parsing of the HTTP `Retry-After` header in both of its forms: delay-seconds and HTTP-date.
 *
 * @module
 */

const MAX_RETRY_AFTER = 24 * 60 * 60 * 1000;

/**
 * Converts a `Retry-After` header value into a delay in milliseconds.
 *
 * @param value The header value (`"120"` or `"Wed, 21 Oct 2015 07:28:00 GMT"`), or null.
 * @param now The current epoch time in ms (an HTTP-date is relative to it).
 * @returns The delay (0 for a date in the past, capped at one day), or undefined when absent or
 *   unreadable.
 * @example
 * ```ts
 * import { parseRetryAfter } from "./_retry_after.ts";
 * parseRetryAfter("2", Date.now()); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === "") return undefined;
  let delay: number;
  if (/^\d+(\.\d+)?$/.test(text)) {
    delay = Number(text) * 1000;
  } else {
    if (!/^[A-Za-z]{3},? /.test(text)) return undefined; // an HTTP-date starts with the day name
    const date = Date.parse(text);
    if (Number.isNaN(date)) return undefined;
    delay = date - now;
  }
  return Math.min(Math.max(0, Math.ceil(delay)), MAX_RETRY_AFTER);
}
