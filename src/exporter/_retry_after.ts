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
  const text = value?.trim() ?? "";
  // delay-seconds, or an HTTP-date (which starts with the day name)
  const delay = /^\d+(\.\d+)?$/.test(text)
    ? Number(text) * 1000
    : /^[a-z]{3},? /i.test(text)
    ? Date.parse(text) - now
    : NaN;
  return Number.isNaN(delay) ? undefined : Math.min(Math.max(0, Math.ceil(delay)), MAX_RETRY_AFTER);
}
