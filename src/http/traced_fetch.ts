/**
 * `tracedFetch()`: a `fetch` that makes one CLIENT span per request (OpenTelemetry HTTP client
 * conventions) and passes the trace on in `traceparent`, without changing what `fetch` does.
 *
 * @module
 */
import type { Context } from "../context/context.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { getTracer } from "../global.ts";
import { isBoolean, isFunction } from "../option_rules.ts";
import { isPromiseLike } from "../promise_like.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import type { Attributes, SpanContext } from "../types.ts";
import {
  type FetchArgs,
  type FetchTarget,
  fetchTarget,
  withTraceHeaders,
} from "./_fetch_request.ts";
import { checkHttpOptions } from "./_options.ts";
import { fullUrl, methodAttributes, methodSpanName, setServerAddress } from "./_semconv.ts";
import {
  endAfterBody,
  endOnce,
  recordFailure,
  recordStatus,
  type ResponsePolicy,
  type SpanEnd,
} from "./_span_response.ts";

/** A function with `fetch`'s signature. */
export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

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
   * The `fetch` that sends requests. Default: `globalThis.fetch` at each call. Pass a bound
   * function (`(input, init) => env.API.fetch(input, init)` for a Workers service binding).
   */
  readonly fetch?: FetchFunction;
  /** The tracer. Default: `getTracer()` at each call, so a later `configure()` applies. */
  readonly tracer?: Tracer;
  /**
   * The parent of every span: a span, a span context or a context; `null` starts a new trace
   * each time. Default: the active span. On Workers without AsyncLocalStorage, pass
   * `invocationSpan(ctx)` (make one `tracedFetch` per request then).
   */
  readonly parent?: Span | SpanContext | Context | null;
  /**
   * Add `traceparent` (and `tracestate`) to requests: true (default), false, or a function of
   * the URL, e.g. only to your own services. A request whose headers already hold
   * `traceparent` keeps it. A function that throws means false (and is reported).
   */
  readonly propagate?: boolean | ((url: URL) => boolean);
  /**
   * Keep the query string in `url.full`. Default false: query strings often carry tokens. The
   * values of signature parameters (`Signature`, `sig`, `X-Goog-Signature`, `AWSAccessKeyId`)
   * are `REDACTED` even then.
   */
  readonly recordQuery?: boolean;
  /**
   * When the span ends. `"body"` (default): when the response body has been read to its end,
   * cancelled or failed, so a streamed response is timed to its last chunk. A body nobody reads
   * or cancels keeps its span open, never exported. `"headers"`: when the response arrives; the
   * response is then the one `fetch` gave, untouched.
   */
  readonly endAt?: "body" | "headers";
  /**
   * The span name. Default: the method (`HTTP` for an unknown one), as the conventions say. A
   * function that throws or gives no string means the default (and is reported).
   */
  readonly spanName?: (request: FetchRequestInfo) => string;
}

/** A client span fails from a 4xx on; the decoded body's size is not the size sent. */
const POLICY: ResponsePolicy = {
  errorFrom: 400,
  bodySize: false,
  unobserved: "http_body_unobserved",
};

/** A traced request: its span, how to end it, and what to call `fetch` with. */
interface Call extends SpanEnd {
  readonly args: FetchArgs;
  readonly head: boolean;
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

/** The arguments with trace headers, or undefined when the request is sent as given. */
function propagated(
  args: FetchArgs,
  target: FetchTarget,
  span: Span,
  options: TracedFetchOptions,
): FetchArgs | undefined {
  const { propagate = true } = options;
  if (target.url === undefined || propagate === false) return undefined;
  try {
    if (propagate !== true && propagate(new URL(target.url.href)) !== true) return undefined;
  } catch (error) {
    reportOnce("tracedFetch.propagate", "warn", "http_callback_failed", "`propagate` threw", error);
    return undefined;
  }
  try {
    return withTraceHeaders(args, target, span.spanContext());
  } catch {
    return undefined; // Headers fetch cannot read either: it fails as it would untraced.
  }
}

/** Starts a request's span, or gives undefined when it runs untraced (reported). */
function begin(args: FetchArgs, options: TracedFetchOptions): Call | undefined {
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
    const sent = propagated(args, target, span, options) ?? args;
    return { span, end: endOnce(span), head, args: sent };
  } catch (error) {
    report("error", "http_trace_failed", "Cannot trace a fetch; it runs untraced", error);
    return undefined;
  }
}

/** True when the response has a body that can be observed and is sent (not 204, 205 or 304). */
function observable(response: Response): boolean {
  const { status, body } = response;
  return body !== null && !body.locked && !response.bodyUsed && status >= 200 && status <= 599 &&
    status !== 204 && status !== 205 && status !== 304;
}

/**
 * The observed response made to read as the original does: `url`, `redirected`, `type` and the
 * (immutable) `headers` of the response `fetch` gave, also on its clones.
 */
function asOriginal(copy: Response, original: Response): Response {
  const fields = {
    url: original.url,
    redirected: original.redirected,
    type: original.type,
    headers: original.headers,
  };
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(copy, key, { value, configurable: true });
  }
  Object.defineProperty(copy, "clone", {
    value: () => asOriginal(Response.prototype.clone.call(copy), original),
    configurable: true,
    writable: true,
  });
  return copy;
}

/** Records the response and gives what to hand the caller. Never throws. */
function responded(call: Call, response: unknown, options: TracedFetchOptions): unknown {
  const { span, end } = call;
  try {
    const status = (response as { status?: unknown } | null)?.status;
    if (typeof status === "number") recordStatus(span, status, POLICY);
    if (
      !(response instanceof Response) || !span.isRecording || options.endAt === "headers" ||
      call.head || !observable(response)
    ) {
      end();
      return response;
    }
    const observed = endAfterBody(call, response, POLICY);
    try {
      return observed === response ? response : asOriginal(observed, response);
    } catch {
      return observed; // Its body is the one to read now, whatever its `url` says.
    }
  } catch (error) {
    report("warn", "http_trace_failed", "Cannot record a fetch response", error);
    end();
    return response;
  }
}

/** Records a failed request (network error, abort) and ends its span. */
function failed(call: Call, error: unknown): void {
  recordFailure(call.span, error, false);
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
 * headers, unless it already has a `traceparent` or `propagate` says no; an unsampled span
 * sends flags `00` and records nothing. The span ends when the response body has been read to
 * its end, cancelled or failed (`endAt: "headers"` ends it at the response); at once for a HEAD
 * request, a 204 or a 304.
 *
 * Tracing never changes what `fetch` does: the same response (status, headers, `url`,
 * `redirected`, body bytes as they stream; a byte stream stays one) or the same error, for
 * string, `URL` and `Request` inputs. A problem in tracing is reported as a diagnostic and the
 * request is sent untraced.
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
  // `globalThis.fetch = tracedFetch()` must not call itself: it then sends with the fetch of
  // the time it was made.
  const initial = globalThis.fetch;
  const traced: FetchFunction = (input, init) => {
    const send = ({ input, init }: FetchArgs): Promise<Response> => {
      // Called as a plain function, not as a method of `options`: workerd's own `fetch` fails
      // with "Illegal invocation" when called on another object.
      const { fetch: own } = options;
      if (own !== undefined) return own(input as RequestInfo, init as RequestInit);
      const global = globalThis.fetch === traced ? initial : globalThis.fetch;
      return global.call(globalThis, input as RequestInfo, init as RequestInit);
    };
    const call = begin({ input, init }, options);
    if (call === undefined) return send({ input, init });
    let result: unknown;
    try {
      result = send(call.args);
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
  return traced;
}
