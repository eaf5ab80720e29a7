/**
 * `traceFetchHandler()`: one SERVER span per request for any fetch-style handler
 * (`(request, ...rest) => Response | Promise<Response>`): `Deno.serve`, `Bun.serve`'s `fetch`,
 * Hono's `app.fetch`, a Worker's `fetch`, or Node through a fetch adapter. The span is the one
 * the Workers `instrument()` makes, without what is Workers-only (the flush per invocation).
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { getTracer } from "../global.ts";
import { isBoolean } from "../option_rules.ts";
import type { Tracer } from "../tracer.ts";
import type { Attributes } from "../types.ts";
import { watchUpgrades } from "./_bun_upgrade.ts";
import {
  SERVER_RESPONSE_POLICY,
  serverSpanStart,
  serveTraced,
  type Traced,
} from "./_server_span.ts";
import { setPeerAddress } from "./_semconv.ts";
import { endOnce } from "./_span_response.ts";
import { checkHttpOptions } from "./_options.ts";

/** Options of {@linkcode traceFetchHandler}. */
export interface TraceFetchHandlerOptions {
  /** The tracer. Default: `getTracer()` at each request, so a later `configure()` applies. */
  readonly tracer?: Tracer | undefined;
  /**
   * Continue the caller's trace from its `traceparent` / `tracestate` headers. Default true (the
   * tracer's sampler then follows the caller's sampled flag, as usual). Set false at an edge that
   * faces untrusted clients: every request then starts a new trace.
   */
  readonly trustTraceparent?: boolean | undefined;
  /**
   * Record `url.query`. Default false: query strings often carry tokens. When true, the values
   * of signature parameters (`Signature`, `sig`, `X-Goog-Signature`, `AWSAccessKeyId`, and AWS Signature V4's
   * `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`) are
   * still replaced by `REDACTED`.
   */
  readonly recordQuery?: boolean | undefined;
  /**
   * End the span when the response body has been sent (the default): the response is then
   * handed on with its body wrapped, so a streamed body is timed to its last chunk. A wrapped
   * body keeps an explicit `Content-Length` on Deno and Node; without one it is sent chunked,
   * and Bun sends a large wrapped body (a `Bun.file` too) chunked either way. `false` ends the
   * span at the headers and returns the handler's response untouched, as HEAD and unsampled
   * requests always get it.
   */
  readonly waitForBody?: boolean | undefined;
}

/**
 * A fetch-style server handler: a request (and runtime-specific arguments) in, a response out.
 * `Req` is the runtime's request type when it extends `Request` (Bun's `BunRequest` of a route).
 */
export type FetchHandler<
  Args extends unknown[] = unknown[],
  This = unknown,
  Req extends Request = Request,
> = (
  this: This,
  request: Req,
  ...rest: Args
) => Response | Promise<Response>;

/** How `Deno.serve` (its handler info) and `Bun.serve` (its server) tell a handler the peer. */
interface PeerSources {
  readonly remoteAddr?: { readonly hostname?: unknown; readonly port?: unknown };
  requestIP?(request: Request): { readonly address?: unknown; readonly port?: unknown } | null;
}

/**
 * `client.address`, `network.peer.address` and `network.peer.port` from `Deno.serve`'s handler
 * info (`info.remoteAddr`) or Bun's server (`server.requestIP(request)`), when the handler's
 * second argument is one of them. Forwarding headers are not read (a client can forge them).
 */
function peerAttributes(request: Request, rest: readonly unknown[]): Attributes {
  const attributes: Attributes = {};
  const source = rest[0] as PeerSources | undefined;
  if (typeof source !== "object" || source === null) return attributes;
  const peer = typeof source.requestIP === "function"
    ? source.requestIP(request)
    : source.remoteAddr;
  const address = (peer as { address?: unknown })?.address ??
    (peer as { hostname?: unknown })?.hostname;
  setPeerAddress(address, peer?.port, attributes);
  return attributes;
}

/**
 * Starts a request's span, or gives undefined when the request runs untraced (tracing it failed:
 * that is reported, never thrown at the handler).
 */
function start(
  request: Request,
  rest: readonly unknown[],
  options: TraceFetchHandlerOptions,
): (Traced & { head: boolean }) | undefined {
  try {
    const tracer = options.tracer ?? getTracer();
    const { name, attributes, parent, head } = serverSpanStart(request, options);
    try {
      Object.assign(attributes, peerAttributes(request, rest));
    } catch {
      // A handler argument that throws when read: no peer attributes.
    }
    const span = tracer.startSpan(name, { kind: "SERVER", attributes, parent });
    return { tracer, span, end: endOnce(span), head };
  } catch (error) {
    report("error", "http_trace_failed", "Cannot trace a request; it runs untraced", error);
    return undefined;
  }
}

/**
 * Wraps a fetch-style server handler so each request gets one SERVER span, the same span the
 * Workers `instrument()` makes: named by the method, with the HTTP semantic-convention
 * attributes, continuing the caller's trace from `traceparent` / `tracestate`, active while the
 * handler runs (through the configured context manager), and ended when the response body has
 * been sent (at the headers for HEAD; an unsampled request's response is never wrapped). A 5xx
 * response sets `error.type` to its status code; a Bun WebSocket upgrade (a `server.upgrade()`
 * that succeeded for the request) records 101, whatever the handler returns; a handler that throws
 * has its error recorded and rethrown unchanged. Nothing is flushed per request: server runtimes
 * export in the background. Tracing problems never reach the handler: it runs untraced and a
 * diagnostic says why.
 *
 * @typeParam Args The handler's arguments after the request (e.g. Deno's handler info).
 * @typeParam This The handler's `this` (passed through).
 * @typeParam Req The request type (`Request`, or a runtime's subtype such as Bun's `BunRequest`).
 * @param handler The handler.
 * @param options Tracer, `trustTraceparent`, `recordQuery`, `waitForBody`.
 * @returns A handler with the same arguments that answers with a promise of the response.
 * @throws {TracerError} `INVALID_CONFIG` when `handler` is not a function or an option has the
 *   wrong type.
 * @example
 * ```ts
 * import { getTracer, traceFetchHandler } from "@tracelet/tracelet";
 *
 * const handler = traceFetchHandler((request: Request) => {
 *   getTracer().activeSpan()?.setAttribute("http.route", "/hello");
 *   return new Response(`hello ${new URL(request.url).pathname}`);
 * });
 * const response = await handler(new Request("http://localhost/world"));
 * console.log(await response.text()); // "hello /world"
 * // Deno.serve(handler); Bun.serve({ fetch: handler }); export default { fetch: handler };
 * ```
 */
export function traceFetchHandler<
  Args extends unknown[],
  This = unknown,
  Req extends Request = Request,
>(
  handler: FetchHandler<Args, This, Req>,
  options: TraceFetchHandlerOptions = {},
): (this: This, request: Req, ...rest: Args) => Promise<Response> {
  checkHttpOptions("Cannot trace the fetch handler", handler ?? null, options, [
    [["trustTraceparent", "recordQuery", "waitForBody"], isBoolean, "a boolean"],
  ]);
  return function (this: This, request: Req, ...rest: Args): Promise<Response> {
    const call = () => handler.call(this, request, ...rest);
    const traced = start(request, rest, options);
    if (traced === undefined) return new Promise((resolve) => resolve(call()));
    // Bun answers 101 for a WebSocket upgrade, whatever the handler returns (usually nothing).
    const watch = watchUpgrades(rest[0]);
    let upgraded = false;
    const run = watch === undefined ? call : async () => {
      try {
        return await call();
      } finally {
        upgraded = watch(request);
      }
    };
    return serveTraced(
      traced,
      traced.head,
      options,
      SERVER_RESPONSE_POLICY,
      run,
      () => upgraded,
    ) as Promise<
      Response
    >;
  };
}
