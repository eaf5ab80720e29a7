/**
 * `traceRequestListener()`: one SERVER span per request for a `node:http` request listener
 * (`(req, res) => void`): an Express or Koa app's callback, Fastify's handler through its
 * `serverFactory`, or a plain `http.createServer` listener, on Node, Bun and Deno's `node:http`.
 * The span is the one `traceFetchHandler` makes (name, semantic-convention attributes, the
 * caller's `traceparent`), active while the listener and the work it starts run, and ended when
 * the response has been handed to the operating system (`finish`) or the connection closed first.
 *
 * The objects are read by shape only (no `node:http` import), so this module loads everywhere.
 *
 * @module
 */
import { Context } from "../context/context.ts";
import { runInContext } from "../context/run_in_context.ts";
import { report } from "../diagnostics.ts";
import { getTracer } from "../global.ts";
import { isBoolean } from "../option_rules.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import { checkHttpOptions } from "./_options.ts";
import { setPeerAddress } from "./_semconv.ts";
import { type RequestHead, SERVER_RESPONSE_POLICY, serverSpanStart } from "./_server_span.ts";
import { endOnce, recordFailure, recordStatus } from "./_span_response.ts";

/**
 * A `node:http` request listener of any typing: `(req, res) => void` (Express's app, with its
 * `next`, too). The request and response are read as {@linkcode IncomingMessageLike} and
 * {@linkcode ServerResponseLike}.
 */
// deno-lint-ignore no-explicit-any
export type RequestListenerLike = (this: any, req: any, res: any, ...rest: any[]) => unknown;

/** Options of {@linkcode traceRequestListener}. */
export interface TraceRequestListenerOptions {
  /** The tracer. Default: `getTracer()` at each request, so a later `configure()` applies. */
  readonly tracer?: Tracer | undefined;
  /**
   * Continue the caller's trace from its `traceparent` / `tracestate` headers. Default true. Set
   * false at an edge that faces untrusted clients: every request then starts a new trace.
   */
  readonly trustTraceparent?: boolean | undefined;
  /**
   * Record `url.query`. Default false: query strings often carry tokens. When true, the values
   * of signature parameters are still replaced by `REDACTED` (as for `traceFetchHandler`).
   */
  readonly recordQuery?: boolean | undefined;
}

/** The parts of a `node:http` `IncomingMessage` the span reads. */
export interface IncomingMessageLike {
  /** The request method. */
  readonly method?: string | undefined;
  /** The request target: a path and query (an absolute URL for a proxy request). */
  readonly url?: string | undefined;
  /** The request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The connection (`encrypted` on TLS). */
  readonly socket?: {
    readonly remoteAddress?: string | undefined;
    readonly remotePort?: number | undefined;
    readonly encrypted?: boolean | undefined;
  } | null;
}

/** The parts of a `node:http` `ServerResponse` the span reads. */
export interface ServerResponseLike {
  /** The status code sent (read when the response has finished). */
  readonly statusCode: number;
  /** True once the whole response has been handed to the operating system. */
  readonly writableFinished?: boolean | undefined;
  /** True once `end()` was called (an http2 stream the client reset finishes without it). */
  readonly writableEnded?: boolean | undefined;
  /** A header set on the response (`content-length` for the body size). */
  getHeader?(name: string): unknown;
  /** Listens once for `finish` (sent) or `close` (the connection closed; also after `finish`). */
  once(event: "finish" | "close", listener: () => void): unknown;
}

/** A header's value as text (several values joined as `Headers` joins them). */
function header(message: IncomingMessageLike, name: string): string | null {
  const value = message.headers[name];
  if (value === undefined) return null;
  return typeof value === "string" ? value : value.join(", ");
}

/** The request as the server span reads it: method, full URL and headers. */
function requestHead(req: IncomingMessageLike): RequestHead {
  const target = req.url ?? "/";
  const scheme = req.socket?.encrypted === true ? "https" : "http";
  return {
    method: req.method ?? "GET",
    url: /^[a-z][a-z0-9+.-]*:\/\//i.test(target)
      ? target
      : `${scheme}://${header(req, "host") ?? header(req, ":authority") ?? "localhost"}${target}`,
    headers: { get: (name) => header(req, name.toLowerCase()) },
  };
}

/**
 * Makes every event of the request or response emitted in `context`: the stream's own callbacks
 * (`data` and `end`, a body parser's) run in the context current where the connection was set up,
 * not the listener's, once the body arrives after the listener returned.
 */
function emitInContext(emitter: object, context: Context): void {
  const target = emitter as { emit?: (...args: unknown[]) => unknown };
  const emit = target.emit;
  if (typeof emit !== "function") return;
  target.emit = function (this: unknown, ...args: unknown[]) {
    return runInContext(context, () => emit.apply(this, args));
  };
}

/**
 * Ends the span when the response has been sent, or the connection closed before.
 *
 * @returns How to end it now (once, whichever comes first).
 */
function endWithResponse(res: ServerResponseLike, span: Span): () => void {
  const end = endOnce(span);
  res.once("finish", () => {
    try {
      // `node:http2`'s compatibility layer finishes a stream the client reset, never ended.
      if (res.writableEnded === false) span.addEvent("http.response.cancelled");
      recordStatus(span, res.statusCode, SERVER_RESPONSE_POLICY);
      const length = Number(res.getHeader?.("content-length"));
      if (Number.isSafeInteger(length) && length >= 0) {
        span.setAttribute("http.response.body.size", length);
      }
    } catch {
      // A response whose fields cannot be read: the span ends without them.
    }
    end();
  });
  res.once("close", () => {
    // Closed before the response was sent whole: the client went away (or the server cut it).
    if (res.writableFinished !== true) span.addEvent("http.response.cancelled");
    end();
  });
  return end;
}

/**
 * Wraps a `node:http` request listener so each request gets one SERVER span, as
 * `traceFetchHandler` makes for fetch-style handlers: named by the method, with the HTTP
 * semantic-convention attributes (`http.request.method`, `url.scheme`, `url.path`,
 * `server.address`, `server.port`, `user_agent.original`, `client.address`, the request and
 * response body sizes when declared, `http.response.status_code`; `url.query` only with
 * `recordQuery`), continuing the caller's trace from `traceparent` / `tracestate`, active while the
 * listener runs, in the work it starts and in the request's and response's event callbacks (a
 * body parser's `data` and `end`; through the configured context manager), and ended when the
 * response has been handed to the operating system. A 5xx status sets `error.type`; a connection closed before the response was sent adds an
 * `http.response.cancelled` event; a listener that throws has its error recorded and rethrown
 * unchanged. Name the route once it is known:
 * `getTracer().activeSpan()?.updateName("GET /users/:id").setAttribute("http.route", …)`. Tracing
 * problems never reach the listener: it runs untraced and a diagnostic says why.
 *
 * @typeParam Listener The listener's own type, which the traced one keeps (an Express app's
 *   overloads included); every argument and `this` reach it as given.
 * @param listener The request listener (an Express app, a Koa `app.callback()`).
 * @param options Tracer, `trustTraceparent`, `recordQuery`.
 * @returns A listener with the same arguments.
 * @throws {TracerError} `INVALID_CONFIG` when `listener` is not a function or an option has the
 *   wrong type.
 * @example
 * ```ts
 * import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
 * import { getTracer, traceRequestListener } from "@tracelet/tracelet";
 *
 * const server = createServer(traceRequestListener((req: IncomingMessage, res: ServerResponse) => {
 *   getTracer().activeSpan()?.setAttribute("http.route", "/hello");
 *   res.end(`hello ${req.url}`);
 * }));
 * // Express: createServer(traceRequestListener(app)).listen(3000);
 * // Fastify: fastify({ serverFactory: (h) => createServer(traceRequestListener(h)) });
 * server.close();
 * ```
 */
export function traceRequestListener<Listener extends RequestListenerLike>(
  listener: Listener,
  options: TraceRequestListenerOptions = {},
): Listener {
  checkHttpOptions("Cannot trace the request listener", listener ?? null, options, [
    [["trustTraceparent", "recordQuery"], isBoolean, "a boolean"],
  ]);
  return function (
    this: unknown,
    req: IncomingMessageLike,
    res: ServerResponseLike,
    ...rest: unknown[]
  ): void {
    const call = () => listener.call(this, req, res, ...rest);
    let tracer: Tracer;
    let span: Span | undefined;
    let end: () => void;
    let context: Context;
    try {
      tracer = options.tracer ?? getTracer();
      const { name, attributes, parent } = serverSpanStart(requestHead(req), options);
      setPeerAddress(req.socket?.remoteAddress, req.socket?.remotePort, attributes);
      span = tracer.startSpan(name, { kind: "SERVER", attributes, parent });
      context = tracer.contextWith(span, Context.ROOT);
      emitInContext(req, context);
      emitInContext(res, context);
      end = endWithResponse(res, span);
    } catch (error) {
      span?.end();
      report("error", "http_trace_failed", "Cannot trace a request; it runs untraced", error);
      call();
      return;
    }
    try {
      runInContext(context, call);
    } catch (error) {
      recordFailure(span, error, false);
      end();
      throw error;
    }
  } as Listener;
}
