/**
 * Span attribute values that hold a URL, and how the redaction policy masks them: the values of
 * the URL attributes (`url.full`, `url.query`, … see `URL_ATTRIBUTES`), and under any key a value
 * that is a URL (`scheme://…` without white space), or the JSON string of one, which is what a
 * `URL` object given as an attribute value becomes (`"https://…"`, quotes included: attribute
 * values that are objects are JSON-encoded, and a `URL` encodes as its `href`). Such a value has
 * its user info replaced (see `maskUrlUserinfo`) and the values of its sensitive query parameters
 * masked (see `maskUrlQuery`), and so are those of a fragment of `key=value&…` form (OAuth's
 * implicit flow and magic links put tokens there: `#access_token=…`), or of a fragment's query
 * (`#/callback?token=…`), as is the value of a `url.fragment` attribute (the fragment without its
 * `#`); the JSON string of a URL stays a JSON string. Other fragments (`#section-2`) are kept.
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
    const masked = maskUrl(maskUrlUserinfo(url), false, isSensitive, replacement);
    return masked === url ? value : url === value ? masked : JSON.stringify(masked);
  }
  // A fragment attribute is a URL's fragment without its `#`.
  if (key === "url.fragment") return maskUrl(`#${value}`, true, isSensitive, replacement).slice(1);
  if (!URL_ATTRIBUTES.has(key)) return value;
  return maskUrl(maskUrlUserinfo(value), key === "url.query", isSensitive, replacement);
}

/**
 * `maskUrlQuery`, then the same on the fragment (the text after the first `#`, if any) read as a
 * bare query (`access_token=…&token_type=bearer`), and on the query a fragment route may have
 * after a `?` (`/callback?token=…`). A fragment without `=` is kept.
 */
function maskUrl(
  text: string,
  bare: boolean,
  isSensitive: (key: string) => boolean,
  replacement: string,
): string {
  const masked = maskUrlQuery(text, bare, isSensitive, replacement);
  const hash = masked.indexOf("#") + 1;
  if (hash === 0) return masked;
  const fragment = maskUrlQuery(masked.slice(hash), true, isSensitive, replacement);
  return masked.slice(0, hash) + maskUrlQuery(fragment, false, isSensitive, replacement);
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
