/**
 * Span attribute values that hold a URL, and how the redaction policy masks them: the values of
 * the URL attributes (`url.full`, `url.query`, … see `URL_ATTRIBUTES`), and under any key a value
 * that is a URL (`scheme://…` without white space), or the JSON string of one, which is what a
 * `URL` object given as an attribute value becomes (`"https://…"`, quotes included: attribute
 * values that are objects are JSON-encoded, and a `URL` encodes as its `href`). Such a value has
 * its user info replaced (see `maskUrlUserinfo`) and the values of its sensitive query parameters
 * masked (see `maskUrlQuery`); the JSON string of a URL stays a JSON string.
 *
 * @module
 */
import { maskUrlQuery, URL_ATTRIBUTES } from "./url_query.ts";
import { maskUrlUserinfo } from "./url_userinfo.ts";

/**
 * A value that is a URL: `scheme://` and no white space, maybe in the quotes of a JSON string.
 * Anchored at the start and read once: linear in the value's length.
 */
const URL_VALUE = /^"?[A-Za-z][A-Za-z0-9+.-]*:\/\/\S*$/;

/**
 * Masks a string attribute value that holds a URL (see the module documentation).
 *
 * @param key The attribute's key.
 * @param value Its value (or an item of its string array).
 * @param isSensitive Whether a query parameter name is a sensitive key.
 * @param replacement What replaces a sensitive parameter's value (percent-encoded).
 * @returns The masked value; the same string when nothing changed or it holds no URL.
 */
export function maskUrlAttribute(
  key: string,
  value: string,
  isSensitive: (key: string) => boolean,
  replacement: string,
): string {
  const url = URL_VALUE.test(value) ? unquoted(value) : undefined;
  if (url !== undefined) {
    const masked = maskUrlQuery(maskUrlUserinfo(url), false, isSensitive, replacement);
    return masked === url ? value : url === value ? masked : JSON.stringify(masked);
  }
  if (!URL_ATTRIBUTES.has(key)) return value;
  return maskUrlQuery(maskUrlUserinfo(value), key === "url.query", isSensitive, replacement);
}

/** A URL value without the quotes of its JSON string, if it has them (undefined: not JSON). */
function unquoted(value: string): string | undefined {
  if (value.charCodeAt(0) !== 0x22) return value; // `"`
  if (value.length < 2 || value.charCodeAt(value.length - 1) !== 0x22) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
