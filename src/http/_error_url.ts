/**
 * A failed fetch's error as a client span records it. Runtimes quote the request's URL in their
 * errors (Node: `Failed to parse URL from …`, `Request cannot be constructed from a URL that
 * includes credentials: …`), password and query string included, which `url.full` leaves out: the
 * recorded message and stack carry the URL as `url.full` does.
 *
 * @module
 */
import type { FetchArgs, FetchTarget } from "./_fetch_request.ts";
import { fullUrl } from "./_semconv.ts";

/** Pairs of a URL as the request gave it and as the span may record it. */
export type UrlRewrites = readonly (readonly [string, string])[];

/**
 * How a request's URL may appear in its error text, and what replaces it there.
 *
 * @param args The call's arguments.
 * @param target What was read from them.
 * @param recordQuery Whether `url.full` keeps the query string.
 * @returns The rewrites (none when nothing needs hiding). Never throws.
 */
export function urlRewrites(
  args: FetchArgs,
  target: FetchTarget,
  recordQuery: boolean,
): UrlRewrites {
  try {
    const { input } = args;
    const given = typeof input === "string"
      ? input
      : input instanceof URL
      ? input.href
      : target.request?.url;
    const url = target.url;
    // A URL fetch could not parse: without what may follow a `?` or `#`, and without user info.
    const shown = url !== undefined
      ? fullUrl(url, recordQuery)
      : String(given).replace(/[?#][^]*$/, "").replace(/\/\/[^/@]*@/, "//REDACTED@");
    const rewrites: [string, string][] = [];
    for (const raw of [given, url?.href]) {
      if (typeof raw === "string" && raw !== "" && raw !== shown) rewrites.push([raw, shown]);
    }
    return rewrites;
  } catch {
    return [];
  }
}

/**
 * The error to record: `error` itself when its message and stack quote none of the rewritten
 * URLs, else a copy with its name, and its message and stack rewritten.
 *
 * @param error The thrown value.
 * @param rewrites From {@linkcode urlRewrites}.
 * @returns What to record.
 */
export function withUrlsRewritten(error: unknown, rewrites: UrlRewrites): unknown {
  if (rewrites.length === 0) return error;
  try {
    const { name, message, stack } = error as {
      name?: unknown;
      message?: unknown;
      stack?: unknown;
    };
    if (typeof message !== "string") return error;
    const rewrite = (text: string) =>
      rewrites.reduce((out, [raw, shown]) => out.split(raw).join(shown), text);
    const cleanMessage = rewrite(message);
    const cleanStack = typeof stack === "string" ? rewrite(stack) : stack;
    if (cleanMessage === message && cleanStack === stack) return error;
    return { name, message: cleanMessage, stack: cleanStack };
  } catch {
    return error; // unreadable: recordException reads nothing from it either
  }
}
