/**
 * The start of a `tracedFetch()` request: its CLIENT span (name, method, `url.full`, server
 * address), the trace headers it sends when `propagate` allows, and whether the wrapper follows
 * its redirects itself to ask `propagate` again for each URL.
 *
 * @module
 */
import { type UrlRewrites, urlRewrites } from "./_error_url.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { getTracer } from "../global.ts";
import type { Span } from "../span.ts";
import type { Attributes } from "../types.ts";
import {
  type FetchArgs,
  type FetchTarget,
  fetchTarget,
  withTraceHeaders,
} from "./_fetch_request.ts";
import { followsRedirects } from "./_follow_redirects.ts";
import { fullUrl, methodAttributes, methodSpanName, setServerAddress } from "./_semconv.ts";
import { endOnce, type SpanEnd } from "./_span_response.ts";
import type { TracedFetchOptions } from "./traced_fetch.ts";

/** A traced request: its span, how to end it, and what to call `fetch` with. */
export interface TracedRequest extends SpanEnd {
  /** What to call `fetch` with: the caller's arguments, with trace headers when propagated. */
  readonly args: FetchArgs;
  /** The request's URL as its error text may quote it, and as the span records it. */
  readonly urls: UrlRewrites;
  /** True for a HEAD request: its span ends at the response. */
  readonly head: boolean;
  /** The request's target, and the `propagate` rule, when the wrapper follows its redirects. */
  readonly follow?: { readonly target: FetchTarget; readonly allow: (url: URL) => boolean };
}

/** The span name: `spanName`'s, when it gives one, else the method's. */
function nameOf(
  target: FetchTarget,
  attributes: Attributes,
  options: TracedFetchOptions,
): string {
  const { spanName } = options;
  if (spanName !== undefined && target.url !== undefined) {
    try {
      const name: unknown = spanName({ method: target.method, url: new URL(target.url.href) });
      if (typeof name === "string" && name !== "") return name;
      reportOnce("tracedFetch.spanName", "warn", "http_callback_failed", "`spanName` gave no name");
    } catch (error) {
      reportOnce("tracedFetch.spanName", "warn", "http_callback_failed", "`spanName` threw", error);
    }
  }
  return methodSpanName(attributes);
}

/** The `propagate` function's answer for `url`; a throw means false (and is reported). */
function allows(propagate: (url: URL) => boolean, url: URL): boolean {
  try {
    return propagate(new URL(url.href)) === true;
  } catch (error) {
    reportOnce("tracedFetch.propagate", "warn", "http_callback_failed", "`propagate` threw", error);
    return false;
  }
}

/** The arguments with trace headers, or undefined when the request is sent as given. */
function propagated(
  args: FetchArgs,
  target: FetchTarget,
  span: Span,
  options: TracedFetchOptions,
): FetchArgs | undefined {
  const { propagate = true } = options;
  if (target.url === undefined || propagate === false) return undefined;
  if (propagate !== true && !allows(propagate, target.url)) return undefined;
  try {
    return withTraceHeaders(args, target, span.spanContext());
  } catch {
    return undefined; // Headers fetch cannot read either: it fails as it would untraced.
  }
}

/**
 * Starts a request's span (named, with the HTTP client attributes) and gives what to send: the
 * arguments with trace headers when `propagate` allows, and the redirect rule when the wrapper
 * must follow redirects itself. Never throws.
 *
 * @param args The arguments `fetch` was called with.
 * @param options The traced fetch's options.
 * @returns The traced request, or undefined when it runs untraced (reported).
 */
export function startRequestSpan(
  args: FetchArgs,
  options: TracedFetchOptions,
): TracedRequest | undefined {
  try {
    const target = fetchTarget(args);
    const attributes = methodAttributes(target.method);
    if (target.url !== undefined) {
      attributes["url.full"] = fullUrl(target.url, options.recordQuery === true);
      setServerAddress(target.url, attributes);
    }
    const tracer = options.tracer ?? getTracer();
    const span = tracer.startSpan(nameOf(target, attributes, options), {
      kind: "CLIENT",
      attributes,
      parent: options.parent,
    });
    const head = attributes["http.request.method"] === "HEAD";
    // Nothing below throws: a span started is a span ended.
    const sent = propagated(args, target, span, options);
    const { propagate } = options;
    // fetch would send the trace headers on to every URL it is redirected to: when `propagate`
    // picks URLs, the wrapper follows redirects itself and asks it again for each.
    const follow = sent !== undefined && typeof propagate === "function" &&
        followsRedirects(sent, target)
      ? { target, allow: (url: URL) => allows(propagate, url) }
      : undefined;
    const urls = urlRewrites(args, target, options.recordQuery === true);
    return { span, end: endOnce(span), head, args: sent ?? args, urls, follow };
  } catch (error) {
    report("error", "http_trace_failed", "Cannot trace a fetch; it runs untraced", error);
    return undefined;
  }
}
