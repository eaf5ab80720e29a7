/**
 * Tag, label and metric-name cleaning, as dreadnode's `clean_str` does it.
 *
 * @module
 */

import { reportOnce } from "./diagnostics.ts";
import { safeString } from "./safe_string.ts";

/**
 * The most tags a span keeps. A tag past it is dropped (reported once, `tags_dropped`): tags were
 * unbounded, and de-duplicating them cost time quadratic in their number (60,000 tags in one
 * `tags` option blocked the event loop for 5 s).
 */
export const MAX_TAGS = 256;

/**
 * The most repeated or empty tags a list is read past: an endless iterable of them never filled
 * the 256, and `new Array(1e8)` took 16 s, inside span methods that must not block.
 */
const MAX_TAGS_SKIPPED = MAX_TAGS * 16;

const OUTSIDE = /[^a-z0-9/@.]+/g;
const EDGE_UNDERSCORES = /^_+|_+$/g;

/**
 * Lower-cases `text`, turns every run of characters outside `a-z 0-9 / @ .` into `_`, and strips
 * leading and trailing `_`. For example `"v2-beta"` becomes `"v2_beta"`.
 *
 * @param text The raw text.
 * @returns The cleaned text.
 */
export function cleanStr(text: string): string {
  return safeString(text).toLowerCase().replace(OUTSIDE, "_").replace(EDGE_UNDERSCORES, "");
}

/**
 * Cleans and de-duplicates tags, keeping the first occurrence; a lone string is one tag and empty
 * results are dropped, and so is every tag past {@linkcode MAX_TAGS} or past 4,096 repeated or
 * empty ones (nothing more is read then: a list can be endless).
 * Never throws: what cannot be iterated yields the tags read so far.
 *
 * @param tags A tag or list of tags.
 * @param existing Tags already cleaned, kept first (for adding to a span's tags).
 * @returns The cleaned, de-duplicated tags.
 */
export function cleanTags(
  tags: string | readonly string[] | undefined,
  existing: readonly string[] = [],
): string[] {
  const out = existing.slice();
  if (tags === undefined) return out;
  let skipped = 0;
  try {
    for (const tag of typeof tags === "string" ? [tags] : tags) {
      const cleaned = cleanStr(tag);
      // A linear search: at most MAX_TAGS long.
      const known = cleaned === "" || out.includes(cleaned);
      if (known && ++skipped <= MAX_TAGS_SKIPPED) continue;
      if (known || out.length >= MAX_TAGS) {
        reportOnce("tags", "warn", "tags_dropped", "Tags past 256 on a span were dropped");
        break;
      }
      out.push(cleaned);
    }
  } catch {
    // Not iterable: keep what was read.
  }
  return out;
}
