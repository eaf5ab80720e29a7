/**
 * Tag, label and metric-name cleaning, as dreadnode's `clean_str` does it.
 *
 * @module
 */

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
  return String(text).toLowerCase().replace(OUTSIDE, "_").replace(EDGE_UNDERSCORES, "");
}

/**
 * Cleans and de-duplicates tags, keeping the first occurrence; a lone string is one tag and empty
 * results are dropped.
 *
 * @param tags A tag or list of tags.
 * @returns The cleaned, de-duplicated tags.
 */
export function cleanTags(tags: string | readonly string[] | undefined): string[] {
  if (tags === undefined) return [];
  const list = typeof tags === "string" ? [tags] : tags;
  const out: string[] = [];
  for (const tag of list) {
    const cleaned = cleanStr(tag);
    if (cleaned !== "" && !out.includes(cleaned)) out.push(cleaned);
  }
  return out;
}
