/**
 * `tracedFetch()`: a `fetch` that makes one CLIENT span per request (OpenTelemetry HTTP client
 * conventions) and passes the trace on in `traceparent`, without changing what `fetch` does.
 *
 * @module
 */
import { type UrlRewrites, urlRewrites, withUrlsRewritten } from "./_error_url.ts";
import type { Context } from "../context/context.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
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
import { followRedirects, followsRedirects } from "./_follow_redirects.ts";
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
   * the URL, e.g. only to your own services. A request whose headers already hold a
   * `traceparent` of another trace keeps it; one of the span's own trace (an ancestor's, forwarded
   * from the incoming request) is replaced. A function that throws means false (and is reported).
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

/** A traced request: its span, how to end it, and what to call `fetch` with. */
interface Call extends SpanEnd {
  readonly args: FetchArgs;
  /** The request's URL as its error text may quote it, and as the span records it. */
  readonly urls: UrlRewrites;
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

/**
 * True when the response has a body worth timing: a 2xx other than 204 and 205 whose body is not
 * empty (`Content-Length: 0`) and can be observed. Redirects handed back (`redirect: "manual"`)
 * and failing statuses end at the headers: their bodies are often never read, and a span that
 * waits for them would never be exported.
 */
function observable(response: Response): boolean {
  const { status, body } = response;
  return body !== null && !body.locked && !response.bodyUsed && status >= 200 && status <= 299 &&
    status !== 204 && status !== 205 && response.headers.get("content-length") !== "0";
}

/** The methods that read a response body. */
const CONSUMERS = ["arrayBuffer", "blob", "bytes", "formData", "json", "text"] as const;

/**
 * `method` of `Response.prototype` made to end the span when it rejects (Bun's `formData()`
 * rejects a response of another type without reading its body, which would keep the span
 * open), and, for `blob`, to keep the type: Bun gives a stream-bodied response's blob no type.
 */
function consumer(
  name: typeof CONSUMERS[number],
  original: Response,
  end: () => void,
): ((this: Response) => Promise<unknown>) | undefined {
  const method = (Response.prototype as unknown as Record<string, unknown>)[name];
  if (typeof method !== "function") return undefined;
  return function (this: Response) {
    const result = (method as (this: Response) => Promise<unknown>).call(this).catch((error) => {
      end();
      throw error;
    });
    if (name !== "blob") return result;
    return result.then((blob) => {
      const type = original.headers.get("content-type");
      if ((blob as Blob).type !== "" || type === null) return blob;
      // The runtime's own Blob-from-response rule: the type as its fetch would give it.
      return new Response(blob as Blob, { headers: { "content-type": type } }).blob();
    });
  };
}

/**
 * The observed response made to read as the original does: `url`, `redirected`, `type` and the
 * (immutable) `headers` of the response `fetch` gave, and a blob's type, also on its clones. A
 * body-reading method that rejects ends the span.
 */
function asOriginal(copy: Response, original: Response, end: () => void): Response {
  const fields = {
    url: original.url,
    redirected: original.redirected,
    type: original.type,
    headers: original.headers,
  };
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(copy, key, { value, configurable: true });
  }
  const methods: Record<string, unknown> = {
    clone: () => asOriginal(Response.prototype.clone.call(copy), original, end),
  };
  for (const name of CONSUMERS) methods[name] = consumer(name, original, end);
  for (const [key, value] of Object.entries(methods)) {
    if (value !== undefined) {
      Object.defineProperty(copy, key, { value, configurable: true, writable: true });
    }
  }
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
      return observed === response ? response : asOriginal(observed, response, end);
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
    const call = begin({ input, init }, options);
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
