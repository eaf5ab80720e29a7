/**
 * Redirects followed by `tracedFetch` itself, so its `propagate` rule is asked again for every
 * URL a request is redirected to: `fetch` would send the same `traceparent` on to each. Each hop
 * is sent with `redirect: "manual"` and the Fetch standard's rules for following: at most 20
 * redirects (126 on Bun, as its fetch); 301 and 302 turn POST, and 303 any method but GET and HEAD, into a GET without a
 * body or body headers; 307 and 308 send the body again, which a stream cannot be (a `TypeError`,
 * as `fetch` fails); a redirect to another origin drops `Authorization`, `Cookie` and
 * `Proxy-Authorization`, as Deno, Node and Bun do. Not used in browsers (a manual redirect is
 * opaque there), for a `Request` with a body (whether `fetch` could send it again is not
 * visible), or when the request does not follow redirects.
 *
 * @module
 */
import { runtimeKey } from "../runtime/_globals.ts";
import type { FetchArgs, FetchTarget } from "./_fetch_request.ts";

/** The redirect statuses `fetch` follows. */
const REDIRECTS = [301, 302, 303, 307, 308];

/** The most redirects `fetch` follows: the Fetch standard's 20, and Bun's 126. */
const maxRedirects = (): number => runtimeKey() === "bun" ? 126 : 20;

/** The headers that describe a body, dropped with it. */
const BODY_HEADERS = [
  "content-encoding",
  "content-language",
  "content-length",
  "content-location",
  "content-type",
];

/** The credentials not sent on to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "cookie2", "proxy-authorization"];

/** The trace headers `propagate` decides about. */
const TRACE_HEADERS = ["traceparent", "tracestate"];

/** A body `fetch` can send again: anything but a stream or an (async) iterable. */
function replayable(body: unknown): boolean {
  return body === undefined || body === null || typeof body === "string" ||
    body instanceof ArrayBuffer || ArrayBuffer.isView(body) || body instanceof Blob ||
    body instanceof URLSearchParams || body instanceof FormData;
}

/**
 * True when the traced request should follow its redirects through {@linkcode followRedirects}:
 * it follows them (the default), it is not a `Request` with a body, and this is not a browser.
 *
 * @param args The arguments sent, with the trace headers.
 * @param target The request's method, URL and `Request`.
 * @returns Whether to follow redirects in the wrapper.
 */
export function followsRedirects(args: FetchArgs, target: FetchTarget): boolean {
  const init = args.init as RequestInit | undefined;
  const mode = init?.redirect ?? target.request?.redirect ?? "follow";
  return mode === "follow" && target.url !== undefined && !(target.request?.body) &&
    runtimeKey() !== "browser";
}

/**
 * Sends the request and follows its redirects, asking `allow` whether each URL it is redirected
 * to gets the trace headers the first request carries. The final response reads as `fetch`'s
 * would: its `url` is the last URL and `redirected` is true after a redirect.
 *
 * @param send The underlying fetch.
 * @param args The first request, with the trace headers in `init.headers`.
 * @param target Its method, URL and `Request`.
 * @param allow The `propagate` rule (must not throw).
 * @returns The final response.
 * @throws {TypeError} As `fetch` fails: too many redirects, a bad `Location`, a stream body to
 *   send again; and whatever `send` throws.
 */
export async function followRedirects(
  send: (args: FetchArgs) => Promise<Response>,
  args: FetchArgs,
  target: FetchTarget,
  allow: (url: URL) => boolean,
): Promise<Response> {
  const init: Record<string, unknown> = { ...(args.init as object), redirect: "manual" };
  if (target.request !== undefined && init.signal === undefined) {
    init.signal = target.request.signal; // Later hops are sent by URL, not with the Request.
  }
  const headers = new Headers(init.headers as HeadersInit);
  const trace = TRACE_HEADERS.map((name) => [name, headers.get(name)] as const);
  let method = target.method;
  let url = target.url!;
  const max = maxRedirects();
  let response = await send({ input: args.input, init });
  for (let count = 0;; count++) {
    const location = REDIRECTS.includes(response?.status) && response.headers?.get !== undefined
      ? response.headers.get("location")
      : null;
    if (location === null) break;
    response.body?.cancel().catch(() => {});
    if (count === max) throw new TypeError("fetch failed: too many redirects");
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new TypeError(`fetch failed: invalid redirect location ${location}`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw new TypeError(`fetch failed: cannot redirect to ${next.protocol}`);
    }
    const { status } = response;
    // As the Fetch standard orders it: a streamed body fails any redirect but a 303 before a
    // 301/302 can turn the POST into a GET (which would succeed without ever sending the body).
    if (status !== 303 && !replayable(init.body)) {
      throw new TypeError(
        "fetch failed: cannot send a streamed request body again after a redirect",
      );
    }
    if (
      ((status === 301 || status === 302) && method === "POST") ||
      (status === 303 && method !== "GET" && method !== "HEAD")
    ) {
      method = "GET";
      init.body = undefined;
      for (const name of BODY_HEADERS) headers.delete(name);
    }
    if (next.origin !== url.origin) { for (const name of CREDENTIAL_HEADERS) headers.delete(name); }
    const allowed = allow(next);
    for (const [name, value] of trace) {
      if (allowed && value !== null) headers.set(name, value);
      else headers.delete(name);
    }
    url = next;
    response = await send({ input: url.href, init: { ...init, method, headers } });
  }
  if (url !== target.url) {
    Object.defineProperty(response, "redirected", { value: true, configurable: true });
  }
  return response;
}
