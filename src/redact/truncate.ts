/**
 * String truncation as design-research-agents does it: a string longer than the limit (counted
 * in Unicode code points, like Python `len`) keeps its first `limit - 16` code points followed by
 * `...[truncated:<original length>]`, so the result is slightly longer than the limit but says
 * how long the original was.
 *
 * Truncation is idempotent: a string that truncation already cut (a prefix of at most
 * `limit - 16` code points, then a well-formed marker) passes unchanged, so a value cut by the
 * task or events layer and cut again by the exporter's redaction still states its original
 * length. One cut with a larger limit is cut again keeping the length its marker states.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
import { copyOf } from "../cut_text.ts";

/** How many code points of the limit are reserved for the truncation note (as in DRA). */
export const TRUNCATION_RESERVE = 16;

/**
 * A UTF-16 surrogate: a string without one has one code point per code unit, so its length and
 * its prefixes need no loop over its characters (redaction passing a string that a layer had cut
 * already took 6 µs, its two loops, for 2 kB; the native search is instant on a string stored one
 * byte a character, which cannot hold a surrogate).
 */
const SURROGATE = /[\ud800-\udfff]/;

/**
 * Counts the Unicode code points of a string (a surrogate pair counts once).
 *
 * @param text The string.
 * @returns Its length in code points.
 */
export function codePointLength(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
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

/** What a truncation marker starts with (its original length and `]` follow). */
const MARKER_START = "...[truncated:";
/** The longest marker: `...[truncated:` + 16 digits (any safe integer) + `]`. */
const MAX_MARKER_LENGTH = MARKER_START.length + 17;

/** What {@linkcode truncatedParts} finds in a string that truncation already cut. */
export interface TruncatedParts {
  /** The kept text before the marker. */
  readonly prefix: string;
  /** The prefix's length in code points. */
  readonly kept: number;
  /** The original length the marker states (greater than `kept`). */
  readonly length: number;
}

/**
 * Splits a string that truncation already cut into its kept prefix and the original length its
 * marker states: the string ends with `...[truncated:<n>]` where `n` is a safe integer written
 * without leading zeros and greater than the prefix's length in code points.
 *
 * @param text The string.
 * @returns Its parts, or undefined for any other string.
 */
export function truncatedParts(text: string): TruncatedParts | undefined {
  if (text.charCodeAt(text.length - 1) !== 0x5d) return undefined; // `]`
  const at = text.indexOf(MARKER_START, Math.max(0, text.length - MAX_MARKER_LENGTH));
  if (at < 0) return undefined;
  const digits = text.slice(at + MARKER_START.length, -1);
  if (!/^[1-9][0-9]{0,15}$/.test(digits)) return undefined;
  const length = Number(digits);
  const prefix = text.slice(0, at);
  const kept = codePointLength(prefix);
  return Number.isSafeInteger(length) && length > kept ? { prefix, kept, length } : undefined;
}

/**
 * Truncates a string longer than `maxLength` code points to its first `maxLength - 16` code
 * points plus `...[truncated:<original length in code points>]`. Shorter strings are returned
 * unchanged (the same string), and so is a string this function already cut (to this limit or a
 * smaller one): cutting twice keeps the original length. A string cut with a larger limit keeps
 * the length its marker states.
 *
 * @param text The string (anything else is truncated as its string form).
 * @param maxLength The limit in code points (default 2048).
 * @returns The string or its truncated form.
 * @example
 * ```ts
 * import { truncateString } from "@tracelet/tracelet";
 * const cut = truncateString("x".repeat(3000));
 * cut.endsWith("...[truncated:3000]"); // true
 * truncateString(cut) === cut; // true
 * ```
 */
export function truncateString(text: string, maxLength: number = 2048): string {
  if (typeof text !== "string") text = safeString(text);
  if (text.length <= maxLength) return text;
  let length = codePointLength(text);
  if (length <= maxLength) return text;
  const keep = Math.max(0, maxLength - TRUNCATION_RESERVE);
  const cut = truncatedParts(text);
  if (cut !== undefined) {
    // `!(a > b)`, not `a <= b`: a NaN limit keeps no prefix, and its output passes too.
    if (!(cut.kept > Math.ceil(keep))) return text;
    text = cut.prefix;
    length = cut.length;
  }
  return `${cutCodePoints(text, keep)}...[truncated:${length}]`;
}

/** The most code points of error text that are scanned for secrets, whatever the limit (1 MiB). */
const MAX_SCANNED_ERROR = 1 << 20;

/**
 * Error text cut to the part that is scanned for secrets. Masking free text costs time in its
 * length, so text longer than four times the string limit plus 1024 code points (at most 1 MiB)
 * is cut to that (see {@linkcode truncateString}), its marker stating its original length; the
 * rest of redaction cuts it to the string limit, so a secret at that later cut is masked whole.
 *
 * @param text Error text (an exception's message or stack trace, a status message).
 * @param maxStringLength The policy's string length limit in code points.
 * @returns The text, or its cut form.
 * @internal
 */
export function scannedErrorText(text: string, maxStringLength: number): string {
  return truncateString(text, scannedErrorLength(maxStringLength));
}

/**
 * How many code points of error text are scanned for secrets (see {@linkcode scannedErrorText}).
 *
 * @param maxStringLength The policy's string length limit in code points.
 * @returns Four times the limit plus 1024, at most 1 MiB.
 * @internal
 */
export function scannedErrorLength(maxStringLength: number): number {
  return Math.min(MAX_SCANNED_ERROR, maxStringLength * 4 + 1024);
}

/**
 * The first `count` code points of a string (a surrogate pair counts once and is never split).
 *
 * @param text The string.
 * @param count How many code points to keep (a fraction is rounded up; NaN keeps none).
 * @returns The prefix (a copy, see `copyOf`); the string itself when it is not longer.
 */
export function cutCodePoints(text: string, count: number): string {
  // `count` code units, as many as the loop below steps over when none is a surrogate.
  const units = count > 0 ? Math.min(text.length, Math.ceil(count)) : 0;
  if (!SURROGATE.test(text.slice(0, units))) {
    return units >= text.length ? text : copyOf(text.slice(0, units));
  }
  let end = 0;
  for (let kept = 0; kept < count && end < text.length; kept++) {
    const c = text.charCodeAt(end);
    end += c >= 0xd800 && c <= 0xdbff && end + 1 < text.length &&
        (text.charCodeAt(end + 1) & 0xfc00) === 0xdc00
      ? 2
      : 1;
  }
  return end >= text.length ? text : copyOf(text.slice(0, end));
}
