/**
 * `tracedFetch()`: a `fetch` that makes one CLIENT span per request (OpenTelemetry HTTP client
 * conventions) and passes the trace on in `traceparent`, without changing what `fetch` does.
 *
 * @module
 */
import { withUrlsRewritten } from "./_error_url.ts";
import type { Context } from "../context/context.ts";
import { report } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { isBoolean, isFunction } from "../option_rules.ts";
import { isPromiseLike } from "../promise_like.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import type { SpanContext } from "../types.ts";
import type { FetchArgs } from "./_fetch_request.ts";
import { endAfterFetchBody, hasBodyToTime } from "./_fetch_body_end.ts";
import { startRequestSpan, type TracedRequest } from "./_fetch_request_span.ts";
import { followRedirects } from "./_follow_redirects.ts";
import { checkHttpOptions } from "./_options.ts";
import { recordFailure, recordStatus, type ResponsePolicy } from "./_span_response.ts";

/**
 * Marks a traced fetch and holds the fetch it sends with, so a traced fetch made from another
 * (`globalThis.fetch = tracedFetch()` run twice) sends with that one: one span per request.
 * Shared by every copy of tracelet in the process.
 */
const UNDERLYING: symbol = Symbol.for("tracelet.tracedFetch");

/**
 * A function with `fetch`'s signature. The input is spelled out (the DOM's `RequestInfo` is
 * `Request | string`) so the declarations type-check in Node projects without the DOM lib.
 */
export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** What `spanName` is told about a request. */
export interface FetchRequestInfo {
  /** The method as sent (`fetch` upper-cases GET, POST, PUT, DELETE, HEAD and OPTIONS). */
  readonly method: string;
  /** The URL, query and credentials included (a copy: changing it changes nothing). */
  readonly url: URL;
}

/** Options of {@linkcode tracedFetch}. */
export interface TracedFetchOptions {
  /**
   * The `fetch` that sends requests, called as a plain function. Default: `globalThis.fetch` as
   * it is when `tracedFetch()` is called; a later change of the global does not reach it. Pass a
   * bound function (`(input, init) => env.API.fetch(input, init)` for a Workers service binding).
   * A traced fetch given here (or found as the global) is unwrapped: its own underlying fetch
   * sends, so a request gets one span.
   */
  readonly fetch?: FetchFunction | undefined;
  /** The tracer. Default: `getTracer()` at each call, so a later `configure()` applies. */
  readonly tracer?: Tracer | undefined;
  /**
   * The parent of every span: a span, a span context or a context; `null` starts a new trace
   * each time. Default: the active span. On Workers without AsyncLocalStorage, pass
   * `invocationSpan(ctx)` (make one `tracedFetch` per request then); `undefined` means the default.
   */
  readonly parent?: Span | SpanContext | Context | null | undefined;
  /**
   * Add `traceparent` (and `tracestate`) to requests: true (default), false, or a function of
   * the URL, e.g. only to your own services. A request whose headers already hold a valid
   * `traceparent` of another trace keeps it; one of the span's own trace (an ancestor's, forwarded
   * from the incoming request) or a malformed one is replaced. A function that throws means false (and is reported).
   */
  readonly propagate?: boolean | ((url: URL) => boolean) | undefined;
  /**
   * Keep the query string in `url.full`. Default false: query strings often carry tokens. The
   * values of signature parameters (`Signature`, `sig`, `X-Goog-Signature`, `AWSAccessKeyId`, and AWS Signature V4's
   * `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`)
   * are `REDACTED` even then.
   */
  readonly recordQuery?: boolean | undefined;
  /**
   * When the span ends. `"body"` (default): when the response body has been read to its end,
   * cancelled or failed, so a streamed response is timed to its last chunk. A 2xx body nobody
   * reads or cancels keeps its span open until the response is garbage-collected: its body is
   * then cancelled (freeing the connection, as `fetch` frees an unread body) and the span ends
   * with the event `http.response.cancelled`; not on workerd, where a collection could cut a body
   * still being delivered short: there, under `instrument()`, the span ends with the invocation
   * instead, with the event `http.response.unread` (the body stays readable). `"headers"`: when the response arrives; the
   * response is then the one `fetch` gave, untouched. Responses with no body to time, or that
   * callers often leave unread, end at the headers either way: HEAD, 204, 205,
   * `Content-Length: 0`, 3xx (`redirect: "manual"`), 4xx and 5xx.
   */
  readonly endAt?: "body" | "headers" | undefined;
  /**
   * The span name. Default: the method (`HTTP` for an unknown one), as the conventions say. A
   * function that throws or gives no string means the default (and is reported).
   */
  readonly spanName?: ((request: FetchRequestInfo) => string) | undefined;
}

/** A client span fails from a 4xx on; the decoded body's size is not the size sent. */
const POLICY: ResponsePolicy = {
  errorFrom: 400,
  bodySize: false,
  unobserved: "http_body_unobserved",
  sent: false,
};

/** Records the response and gives what to hand the caller. Never throws. */
function responded(call: TracedRequest, response: unknown, options: TracedFetchOptions): unknown {
  const { span, end } = call;
  try {
    const status = (response as { status?: unknown } | null)?.status;
    if (typeof status === "number") recordStatus(span, status, POLICY);
    if (
      !(response instanceof Response) || !span.isRecording || options.endAt === "headers" ||
      call.head || !hasBodyToTime(response)
    ) {
      end();
      return response;
    }
    return endAfterFetchBody(call, response, POLICY);
  } catch (error) {
    report("warn", "http_trace_failed", "Cannot record a fetch response", error);
    end();
    return response;
  }
}

/** Records a failed request (network error, abort) and ends its span. */
function failed(call: TracedRequest, error: unknown): void {
  recordFailure(call.span, withUrlsRewritten(error, call.urls), false);
  call.end();
}

/**
 * A `fetch` that makes one CLIENT span per request, named by the method, with the OpenTelemetry
 * HTTP client attributes: `http.request.method` (`_OTHER` with `http.request.method_original` for
 * an unknown method), `url.full` (no credentials; no query string unless `recordQuery`),
 * `server.address`, `server.port` and `http.response.status_code`. A status of 400 or more sets
 * status ERROR and `error.type` to the status code; a network error or abort sets `error.type`
 * to the error's name (`TypeError`, `AbortError`, `TimeoutError`).
 *
 * The request carries `traceparent` (and `tracestate`) of the span, added to a copy of its
 * headers, unless it already has a `traceparent` of another trace or `propagate` says no (one
 * of the span's own trace, forwarded from the incoming request, is replaced); an unsampled span
 * sends its flags with the sampled bit cleared (`00`, or `02` when tracelet made the trace id)
 * and records nothing. The span ends when the response body has been read to its end, cancelled
 * or failed, or when the response is garbage-collected unread (its body is then cancelled, with
 * the event `http.response.cancelled`; on workerd a collection cancels nothing, and under
 * `instrument()` a body still open when the invocation ends ends the span with the event
 * `http.response.unread`); `endAt: "headers"` ends it at the response. It ends at
 * the response, which is then `fetch`'s own, for a HEAD request, a 204, 205 or
 * `Content-Length: 0` response, a 3xx handed back (`redirect: "manual"`), a 4xx or 5xx (bodies
 * callers often leave unread), and when the span is not recording.
 *
 * Tracing never changes what `fetch` does: the same response (status, headers, `url`,
 * `redirected`, body bytes as they stream; a byte stream stays one; a blob's type) or the same
 * error, for string, `URL` and `Request` inputs and any init (a class instance's getters
 * included). A problem in tracing is reported as a diagnostic and the request is sent untraced.
 *
 * It sends with the `fetch` option or, by default, with `globalThis.fetch` as it is when
 * `tracedFetch()` is called, never with whatever is global later: `globalThis.fetch =
 * tracedFetch()` cannot call itself, and a wrapper installed over it afterwards (a retry, a
 * queue) runs once per call. A traced fetch it would send with is unwrapped to the fetch that one
 * sends with, so running `globalThis.fetch = tracedFetch()` twice still makes one span per request.
 *
 * @param options The underlying `fetch`, tracer, parent, propagation, query, end and name options.
 * @returns A function with `fetch`'s signature.
 * @throws {TracerError} `INVALID_CONFIG` when an option has the wrong type.
 * @example
 * ```ts
 * import { getTracer, tracedFetch } from "@tracelet/tracelet";
 *
 * const fetch = tracedFetch({
 *   fetch: () => Promise.resolve(new Response("pong")), // your fetch; default globalThis.fetch
 *   propagate: (url) => url.hostname.endsWith(".internal.example"),
 * });
 * await getTracer().withSpan("refresh", async () => {
 *   const response = await fetch("https://api.internal.example/ping");
 *   console.log(await response.text()); // "pong": the span ends with the body
 * });
 * ```
 */
export function tracedFetch(options: TracedFetchOptions = {}): FetchFunction {
  checkHttpOptions("Cannot create a traced fetch", undefined, options, [
    [["fetch", "spanName"], isFunction, "a function"],
    [["recordQuery"], isBoolean, "a boolean"],
    [["propagate"], (value) => isBoolean(value) || isFunction(value), "a boolean or a function"],
    [["endAt"], (value) => value === "body" || value === "headers", '"body" or "headers"'],
    [["parent"], (value) => typeof value === "object", "a span, a span context, a context or null"],
  ]);
  const given: unknown = options.fetch ?? globalThis.fetch;
  if (typeof given !== "function") {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot create a traced fetch: there is no `globalThis.fetch`; pass `fetch`",
    );
  }
  const inner: unknown = Reflect.get(given, UNDERLYING);
  const underlying = (typeof inner === "function" ? inner : given) as FetchFunction;
  // Called as a plain function: workerd's own `fetch` fails with "Illegal invocation" when
  // called as a method of another object.
  const send = ({ input, init }: FetchArgs): Promise<Response> =>
    underlying(input as Parameters<FetchFunction>[0], init as RequestInit);
  const traced: FetchFunction = (input, init) => {
    const call = startRequestSpan({ input, init }, options);
    if (call === undefined) return send({ input, init });
    let result: unknown;
    try {
      const { follow } = call;
      result = follow === undefined
        ? send(call.args)
        : followRedirects(send, call.args, follow.target, follow.allow);
    } catch (error) {
      failed(call, error);
      throw error;
    }
    if (!isPromiseLike(result)) return responded(call, result, options) as Promise<Response>;
    return result.then(
      (response) => responded(call, response, options),
      (error: unknown) => {
        failed(call, error);
        throw error;
      },
    ) as Promise<Response>;
  };
  return Object.defineProperty(traced, UNDERLYING, { value: underlying });
}
