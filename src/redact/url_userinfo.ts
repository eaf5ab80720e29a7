/**
 * Credentials in URLs: the user name and password of `scheme://user:password@host`. OpenTelemetry's
 * `url.full` convention says they MUST NOT be recorded and SHOULD read `REDACTED`
 * (`https://REDACTED:REDACTED@www.example.com/`), as `tracedFetch` records them. The redaction
 * policy replaces them wherever it masks URL query parameters: in URL attribute values and in
 * every URL quoted in free text. A user name alone is replaced too (`https://TOKEN@github.com`:
 * a token is often passed so). Only text after `scheme://` is read: an e-mail address
 * (`bob@example.com`, `mailto:bob@example.com`) and `git@github.com:org/repo` have no user info.
 *
 * @module
 */

/** What replaces a user name, and a password (the `url.full` convention's text). */
const REDACTED = "REDACTED";

/**
 * `user:password` (either may be empty, the password may be absent) with each part that is not
 * empty replaced by `REDACTED`, as `URL.username` and `URL.password` are set.
 */
function maskedUserinfo(userinfo: string): string {
  const colon = userinfo.indexOf(":");
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const masked = user === "" ? "" : REDACTED;
  if (colon < 0) return masked;
  return `${masked}:${colon + 1 === userinfo.length ? "" : REDACTED}`;
}

/**
 * The user info of the authority `text.slice(start, end)`, the text before its last `@` (as URL
 * parsers read it: a password may hold an `@`): where it ends and its masked form; undefined when
 * there is none, or it is masked already.
 */
function userinfoOf(
  text: string,
  start: number,
  end: number,
): readonly [end: number, masked: string] | undefined {
  const at = start + text.slice(start, end).lastIndexOf("@");
  if (at <= start) return undefined;
  const userinfo = text.slice(start, at);
  const masked = maskedUserinfo(userinfo);
  return masked === userinfo ? undefined : [at, masked];
}

/** A URL's scheme and `//` at the start of a string. */
const URL_START = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
/** A URL's authority: up to its path, query or fragment. */
const AUTHORITY = /[^/?#]*/y;

/**
 * Masks the user info of a URL attribute value (`url.full`): of the URL it starts with, read up
 * to its path, query or fragment (white space and quotes included: the value is one URL), and of
 * every URL quoted further on (a redirect target in its query, see
 * {@linkcode maskUserinfoInText}).
 *
 * @param url The value.
 * @returns The value with user names and passwords replaced; the same string when none was.
 */
export function maskUrlUserinfo(url: string): string {
  const scheme = URL_START.exec(url);
  if (scheme !== null) {
    const start = scheme[0].length;
    AUTHORITY.lastIndex = start;
    AUTHORITY.test(url);
    const found = userinfoOf(url, start, AUTHORITY.lastIndex);
    if (found !== undefined) url = url.slice(0, start) + found[1] + url.slice(found[0]);
  }
  return maskUserinfoInText(url);
}

/**
 * Where a URL's authority starts in free text: `://` after a scheme's last character, also with
 * its slashes escaped (`https:\/\/…`, as PHP writes JSON).
 */
const AUTHORITY_START = /[A-Za-z0-9+.-]:(?:\\*\/){2}/g;
/**
 * A URL's authority in free text: up to its path, query or fragment, or to what ends a URL
 * quoted in text (white space, a double quote or backtick, a backslash of an escape, `<` or `>`).
 * Not `'`: a URL keeps it unescaped in its user info (`https://bob:pa'ss@host/`).
 */
const TEXT_AUTHORITY = /[^\s/?#\\"`<>]*/y;

/**
 * Masks the user info of every URL quoted in free text (`request to https://u:pw@host/ failed`):
 * the text between `scheme://` and the last `@` of the authority after it becomes `REDACTED`
 * (`REDACTED:REDACTED` for a user name and password). Each authority is read once, from its
 * `://` to the first character that ends it (a `/` among them, so two reads share at most the
 * two characters before a `://`): the time is linear in the text's length.
 *
 * @param text Free text (an error message, a stack trace, a status message), or a URL.
 * @returns The text with user names and passwords replaced; the same string when none was.
 */
export function maskUserinfoInText(text: string): string {
  if (!text.includes("@")) return text;
  const parts: string[] = [];
  let last = 0;
  AUTHORITY_START.lastIndex = 0;
  while (AUTHORITY_START.test(text)) {
    const start = AUTHORITY_START.lastIndex;
    TEXT_AUTHORITY.lastIndex = start;
    TEXT_AUTHORITY.test(text);
    const found = userinfoOf(text, start, TEXT_AUTHORITY.lastIndex);
    if (found !== undefined) {
      parts.push(text.slice(last, start), found[1]);
      last = found[0];
    }
    // The next search starts at the authority's end; or at its last two characters, which can
    // be the scheme's last character and the `:` of a URL that follows it (`…@hhttps://…`).
    AUTHORITY_START.lastIndex = Math.max(start, TEXT_AUTHORITY.lastIndex - 2);
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}
