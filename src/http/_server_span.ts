/**
 * The SERVER span of one request, shared by the Workers `instrument()` and `traceFetchHandler`:
 * its name, attributes and parent (the caller's `traceparent`), the handler run with the span
 * active, and the span ended when the response body has been delivered. The caller starts the
 * span (with its runtime's attributes added) and says what ending it does.
 *
 * The query string is left out unless asked for (it often carries tokens), and no header other
 * than `user-agent` is recorded here.
 *
 * @module
 */
import { Context } from "../context/context.ts";
import { runInContext } from "../context/run_in_context.ts";
import { extractTraceContext } from "../task/trace_context.ts";
import type { StartSpanOptions, Tracer } from "../tracer.ts";
import type { Attributes } from "../types.ts";
import { runtimeKey } from "../runtime/_globals.ts";
import { methodAttributes, methodSpanName, redactQuery, setServerAddress } from "./_semconv.ts";
import {
  endAfterBody,
  recordFailure,
  recordStatus,
  type ResponsePolicy,
  type SpanEnd,
} from "./_span_response.ts";

/** Per-request options of a server span. */
export interface ServerSpanOptions {
  /** Continue the caller's trace from `traceparent` / `tracestate`. Default true. */
  readonly trustTraceparent?: boolean | undefined;
  /** Record `url.query` (it may carry secrets; signature parameters are redacted). Default false. */
  readonly recordQuery?: boolean | undefined;
  /**
   * End the span when the response body has been delivered. Default true: the body is then
   * re-wrapped. `false` ends the span at the headers and returns the handler's response untouched.
   */
  readonly waitForBody?: boolean | undefined;
}

/** A running server span: its tracer, the span, and how to end it. */
export interface Traced extends SpanEnd {
  /** The tracer that started the span. */
  readonly tracer: Tracer;
}

/** How a server span outside Workers reads its response: 5xx fail it, the body size is recorded. */
export const SERVER_RESPONSE_POLICY: ResponsePolicy = {
  errorFrom: 500,
  bodySize: true,
  unobserved: "http_body_unobserved",
  sent: true,
};

/** What a server span reads of a request: a `Request`, or a view of another runtime's request. */
export interface RequestHead {
  /** The method. */
  readonly method: string;
  /** The full URL. */
  readonly url: string;
  /** Its headers (only `get` is used). */
  readonly headers: { get(name: string): string | null };
}

/** What a server span starts with. */
export interface ServerSpanStart {
  /** The span name: the method, or `HTTP`. */
  readonly name: string;
  /** The request's attributes (add the runtime's own before starting the span). */
  readonly attributes: Attributes;
  /** The caller's span context, or null (a new trace). */
  readonly parent: NonNullable<StartSpanOptions["parent"]> | null;
  /** True for a HEAD request (its response sends no body). */
  readonly head: boolean;
}

/**
 * Request attributes of an HTTP server span: method, scheme, path, query (when asked for),
 * server address and port, user agent and the declared body size.
 *
 * @param request The incoming request.
 * @param recordQuery Whether to record `url.query`.
 * @returns The attributes.
 */
export function requestAttributes(request: RequestHead, recordQuery: boolean): Attributes {
  const attributes = methodAttributes(request.method);
  try {
    const url = new URL(request.url);
    attributes["url.scheme"] = url.protocol.replace(/:$/, "");
    attributes["url.path"] = url.pathname;
    setServerAddress(url, attributes);
    if (recordQuery && url.search !== "") attributes["url.query"] = redactQuery(url.search);
  } catch {
    // An unparsable URL leaves the URL attributes out.
  }
  const agent = request.headers.get("user-agent");
  if (agent !== null) attributes["user_agent.original"] = agent;
  const length = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isSafeInteger(length) && length >= 0) attributes["http.request.body.size"] = length;
  return attributes;
}

/**
 * The name, attributes and parent of a request's server span.
 *
 * @param request The incoming request.
 * @param options Whether to trust `traceparent` and record the query.
 * @returns What to start the span with.
 */
export function serverSpanStart(
  request: RequestHead,
  options: ServerSpanOptions,
): ServerSpanStart {
  const parent = options.trustTraceparent === false ? null : extractTraceContext({
    traceparent: request.headers.get("traceparent") ?? undefined,
    tracestate: request.headers.get("tracestate") ?? undefined,
  }).context ?? null;
  const attributes = requestAttributes(request, options.recordQuery === true);
  const name = methodSpanName(attributes);
  return { name, attributes, parent, head: attributes["http.request.method"] === "HEAD" };
}

/**
 * Runs `fn` with the span active (in a context of its own, not the caller's), awaiting its
 * result; a throw or rejection is recorded, ends the span and is rethrown unchanged. A thenable it
 * returns is adopted inside the span's context (`runInContext`), so the work a lazy thenable's
 * `then` starts (a query builder's query) is the span's child.
 *
 * @param traced The running span.
 * @param fn The handler call.
 * @returns What `fn` gave, awaited.
 */
export async function runTraced(traced: Traced, fn: () => unknown): Promise<unknown> {
  try {
    return await runInContext(traced.tracer.contextWith(traced.span, Context.ROOT), fn);
  } catch (error) {
    recordFailure(traced.span, error, false);
    traced.end();
    throw error;
  }
}

/**
 * True for a response: this realm's `Response`, or with `ownClassOnly` false anything of its
 * shape (a numeric `status`, `headers`, `body` and a boolean `bodyUsed`), so one from another
 * realm or a polyfill (undici's on Node) counts too. Never throws: a value whose fields cannot be
 * read is no response.
 */
function isResponse(value: unknown, ownClassOnly: boolean): value is Response {
  if (value instanceof Response) return true;
  try {
    if (ownClassOnly || typeof value !== "object" || value === null) return false;
    const { status, headers, bodyUsed } = value as Partial<Response>;
    return typeof status === "number" && typeof headers === "object" && headers !== null &&
      typeof bodyUsed === "boolean" && "body" in value;
  } catch {
    return false;
  }
}

/**
 * Runs a fetch handler inside its server span and gives what to return to the runtime: the
 * handler's response, whose body ends the span when delivered. The span ends at the headers, and
 * the response is returned untouched, with `waitForBody: false`, for a HEAD request (no body is
 * sent), when the span is not recording (unsampled) and for a response of another class than this
 * realm's `Response` (from another realm or a polyfill: re-wrapping would change its class); at
 * once, as a `TypeError` failure, for anything that is not a response at all (with a
 * `notResponseStatus` policy, anything that is not this realm's `Response`).
 *
 * @param traced The running span.
 * @param head True for a HEAD request.
 * @param options Whether to wait for the body.
 * @param policy What to record (server: 5xx fail the span).
 * @param fn The handler call.
 * @param upgraded True when the runtime took the connection over while the handler ran (a Bun
 *   WebSocket upgrade): it has answered 101 whatever the handler returned, and the span ends.
 * @returns The response to hand to the runtime.
 */
export async function serveTraced(
  traced: Traced,
  head: boolean,
  options: ServerSpanOptions,
  policy: ResponsePolicy,
  fn: () => unknown,
  upgraded?: () => boolean,
): Promise<unknown> {
  const response = await runTraced(traced, fn);
  const { span } = traced;
  if (upgraded?.() === true) {
    span.setAttribute("http.response.status_code", 101);
    traced.end();
    return response;
  }
  // A runtime that takes only its own Response (workerd) answers for a look-alike as for any
  // other value; elsewhere (Node's adapters read the fields) a look-alike is sent.
  if (!isResponse(response, policy.notResponseStatus !== undefined)) {
    // Every runtime fails such a handler (workerd and Deno answer 500; Bun varies).
    if (policy.notResponseStatus !== undefined) {
      span.setAttribute("http.response.status_code", policy.notResponseStatus);
    }
    recordFailure(span, new TypeError("The handler did not return a Response"), false);
    traced.end();
    return response;
  }
  // Nothing to time, or nothing to record: the response goes out as the handler made it, so the
  // runtime keeps its length and its fast paths (static and file bodies).
  const wrap = options.waitForBody !== false && !head && span.isRecording &&
    response instanceof Response;
  // `bodyUsed` is read where the body is wrapped, and where the server answers 500 for a used one
  // (workerd, Deno.serve, Bun.serve), not on Node: there it makes an adapter's light response
  // (@hono/node-server's) build the real one, which the adapter then sends the slow way (2x the
  // CPU of a small request).
  if (
    (wrap || policy.notResponseStatus !== undefined || runtimeKey() !== "node") &&
    response.bodyUsed
  ) {
    // A runtime cannot send a body that was already read: workerd answers 500 instead.
    span.setAttribute("http.response.status_code", 500);
    recordFailure(
      span,
      new TypeError("Cannot send the response: its body has already been used"),
      false,
    );
    traced.end();
    return response;
  }
  recordStatus(span, response.status, policy);
  if (!wrap) {
    traced.end();
    return response;
  }
  return endAfterBody(traced, response, policy);
}
