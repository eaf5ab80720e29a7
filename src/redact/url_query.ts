/**
 * Secrets in URL query strings: `?api_key=…&token=…` in `url.full`, `url.query` and their older
 * names. The redaction policy masks the value of every query parameter whose (decoded) name is a
 * sensitive key, as it masks the value of a sensitive JSON key, so a URL recorded with its query
 * (`recordQuery: true`, or a URL attribute set by hand) never carries a token the policy covers.
 * A name in the PHP and Rails form of nested keys (`user[password]`, `api_key[]`) is sensitive
 * when its name before the brackets, or a name inside them, is: as `{"user":{"password":…}}` is.
 * A parameter without `=` whose `=` is percent-encoded (`token%3DSECRET`) is read as a server that
 * decodes the query before splitting it reads it: its value after the `%3D` is masked.
 *
 * @module
 */

/** Span attributes that hold a URL or its query (OpenTelemetry's names, current and older). */
export const URL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "url.full",
  "url.query",
  "url.original",
  "http.url",
  "http.target",
]);

/**
 * Masks the values of sensitive parameters in a URL's query (the text after the first `?`, up to
 * a `#`), or in a bare query (`url.query`, after one leading `?` if it has one, as
 * `URL.prototype.search` gives it). Parameters are split by hand so the ones left alone keep their
 * exact encoding.
 *
 * @param text A URL, a path with a query, or a bare query.
 * @param bare Whether `text` is a bare query.
 * @param isSensitive Whether a parameter name (decoded; or a part of a bracketed name) is a
 *   sensitive key.
 * @param replacement What replaces a sensitive value (percent-encoded where a URL needs it).
 * @returns The text with those values replaced; the same string when none was.
 */
export function maskUrlQuery(
  text: string,
  bare: boolean,
  isSensitive: (key: string) => boolean,
  replacement: string,
): string {
  const start = bare ? (text.charCodeAt(0) === 0x3f ? 1 : 0) : text.indexOf("?") + 1; // `?`
  if (start === 0 && !bare) return text;
  const hash = text.indexOf("#", start);
  const end = hash < 0 ? text.length : hash;
  let changed = false;
  const value = encodeURIComponent(replacement);
  const parts = text.slice(start, end).split("&").map((part) => {
    const eq = part.indexOf("=");
    if (eq < 0) {
      // `token%3DSECRET`: a server that decodes before it splits reads `token=SECRET`.
      const encoded = part.search(/%3d/i);
      if (encoded <= 0 || !isSensitiveName(decodeName(part.slice(0, encoded)), isSensitive)) {
        return part;
      }
      changed = true;
      return `${part.slice(0, encoded + 3)}${value}`;
    }
    if (eq === 0 || !isSensitiveName(decodeName(part.slice(0, eq)), isSensitive)) return part;
    changed = true;
    return `${part.slice(0, eq + 1)}${value}`;
  });
  return changed ? text.slice(0, start) + parts.join("&") + text.slice(end) : text;
}

/**
 * A query parameter in free text: a separator (`?`, `&`, `;`, `#`, or `?`/`&` written `\u0026`,
 * `%3F`, `%26`; `&amp;` and `&#38;` end in `;`), a name, `=` (or `%3D`), and the value up to the
 * next separator, `?` (a URL nested unencoded in it), white space, a quote, a backslash (an escaped
 * quote), `<`, `>` or `)`. So every parameter is found on its own, in nested and joined URLs too.
 */
const QUERY_PARAMETER =
  /(?:[?&;#]|\\u0026|%3[Ff]|%26)((?:[^\s"'`<>\\=&;#?%]|%(?!3[Dd]|26)[0-9A-Fa-f]{2})+)(?:=|%3[Dd])([^\s"'`<>\\&;#?)]*)/g;

/**
 * Masks the sensitive query parameters of every URL quoted in free text, as
 * {@linkcode maskUrlQuery} masks a URL attribute's: runtimes quote the request's URL in their
 * fetch errors (`request to https://…?api_key=… failed`), and programs in their own messages.
 * Each `name=value` after a query separator is read on its own (see `QUERY_PARAMETER`), so a URL
 * nested in another's parameter, URLs joined by commas, a fragment's query, `;` separators and
 * escaped or encoded ampersands do not hide a parameter.
 *
 * @param text Free text (an error message, a stack trace, a status message).
 * @param isSensitive Whether a parameter name is a sensitive key.
 * @param replacement What replaces a sensitive value (percent-encoded).
 * @returns The text with those values replaced; the same string when none was.
 */
export function maskQueriesInText(
  text: string,
  isSensitive: (key: string) => boolean,
  replacement: string,
): string {
  if (!text.includes("=") && !/%3d/i.test(text)) return text;
  const value = encodeURIComponent(replacement);
  return text.replace(
    QUERY_PARAMETER,
    (pair: string, name: string, given: string) =>
      given !== "" && isSensitiveName(decodeName(name), isSensitive)
        ? pair.slice(0, pair.length - given.length) + value
        : pair,
  );
}

/** A nested name in the PHP and Rails form: a name, then one or more `[…]` (maybe empty). */
const BRACKETED = /^([^[\]]*)((?:\[[^[\]]*\])+)$/;

/**
 * Whether a parameter name is sensitive: the name itself, or for a nested name (`user[password]`,
 * `api_key[]`, `a[b][c]`) the name before the brackets or a name inside them.
 */
function isSensitiveName(name: string, isSensitive: (key: string) => boolean): boolean {
  if (isSensitive(name)) return true;
  const nested = BRACKETED.exec(name);
  if (nested === null) return false;
  if (nested[1] !== "" && isSensitive(nested[1])) return true;
  for (const inner of nested[2].slice(1, -1).split("][")) {
    if (inner !== "" && isSensitive(inner)) return true;
  }
  return false;
}

/** A parameter name as a server reads it (undecodable escapes: as given). */
function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    return name;
  }
}
