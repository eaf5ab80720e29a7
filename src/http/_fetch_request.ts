/**
 * What `tracedFetch` reads from a `fetch(input, init)` call, and the call it makes instead: the
 * method and URL the request will have, and the same arguments with `traceparent` (and
 * `tracestate`) added to a copy of the headers. The caller's `Headers`, `Request` and init
 * objects are never changed.
 *
 * @module
 */
import { injectTraceContext, parseTraceparent } from "../task/trace_context.ts";
import type { SpanContext } from "../types.ts";

/** The methods `fetch` sends in upper case whatever their case (the Fetch standard's list). */
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

/** The members of `RequestInit` (the Fetch standard's, and Chrome's `priority`). */
const INIT_MEMBERS: readonly string[] = [
  "method",
  "headers",
  "body",
  "referrer",
  "referrerPolicy",
  "mode",
  "credentials",
  "cache",
  "redirect",
  "integrity",
  "keepalive",
  "signal",
  "duplex",
  "priority",
  "window",
];

/** The arguments of a `fetch` call. */
export interface FetchArgs {
  /** The resource: a URL string, a `URL`, or a `Request`. */
  readonly input: unknown;
  /** The init object, if any. */
  readonly init: unknown;
}

/** The request a `fetch` call makes. */
export interface FetchTarget {
  /** The method as sent. */
  readonly method: string;
  /** The URL, or undefined when it cannot be parsed (fetch then fails). */
  readonly url: URL | undefined;
  /** The `Request` given as input, if any. */
  readonly request: Request | undefined;
}

/** A `Request` of this realm, or one of another copy of the fetch classes (undici's). */
function asRequest(input: unknown): Request | undefined {
  if (input instanceof Request) return input;
  const like = input as Partial<Request> | null;
  return typeof like === "object" && like !== null && typeof like.url === "string" &&
      typeof like.method === "string" && typeof like.headers?.get === "function"
    ? like as Request
    : undefined;
}

/** The base of relative URLs, as `fetch` resolves them (Deno's `--location`, a page). */
function baseUrl(): string | undefined {
  try {
    const href = (globalThis as { location?: { href?: unknown } }).location?.href;
    return typeof href === "string" ? href : undefined;
  } catch {
    return undefined; // Deno without --location throws on `location`.
  }
}

/**
 * The method and URL a `fetch(input, init)` call requests, read as `fetch` reads them.
 *
 * @param args The call's arguments.
 * @returns The target.
 * @throws When the arguments cannot be read (a throwing getter); fetch then fails too.
 */
export function fetchTarget({ input, init }: FetchArgs): FetchTarget {
  const request = asRequest(input);
  const given = (init as RequestInit | null | undefined)?.method;
  const method = given !== undefined ? String(given) : request?.method ?? "GET";
  const upper = method.toUpperCase();
  let url: URL | undefined;
  try {
    url = new URL(request?.url ?? String(input), baseUrl());
  } catch {
    url = undefined;
  }
  return { method: NORMALIZED.has(upper) ? upper : method, url, request };
}

/**
 * The arguments to call `fetch` with so the request carries the span's `traceparent` (and its
 * `tracestate`, when it has one): `init` copied with a copy of the headers, which are the init's
 * own or else the input `Request`'s. Undefined (call with the caller's own arguments) when the
 * caller set a valid `traceparent` of another trace, or when `init` is not an object (fetch then
 * throws as it does). A `traceparent` of the span's own trace is replaced: it names an ancestor,
 * passed on from the incoming request (a gateway forwarding `request.headers`), and the downstream
 * service would otherwise skip this service's spans. So is a malformed one (upper-case hex, an
 * all-zero id, two values joined): it names no trace, and W3C Trace Context says to replace it
 * (with the `tracestate` sent with it, when the span has none).
 *
 * @param args The call's arguments.
 * @param target What {@linkcode fetchTarget} read from them.
 * @param context The span's context.
 * @returns The arguments, or undefined.
 * @throws When the headers cannot be read or copied (invalid headers); fetch then fails too.
 */
export function withTraceHeaders(
  args: FetchArgs,
  target: FetchTarget,
  context: SpanContext,
): FetchArgs | undefined {
  const { input, init } = args;
  if (init !== undefined && init !== null && !["object", "function"].includes(typeof init)) {
    return undefined;
  }
  const given = (init as RequestInit | null | undefined)?.headers;
  const headers = new Headers(given !== undefined ? given : target.request?.headers);
  const forwarded = headers.get("traceparent");
  const named = forwarded === null ? undefined : parseTraceparent(forwarded);
  if (named !== undefined && named.traceId !== context.traceId) return undefined;
  const carrier = injectTraceContext(context);
  if (carrier === undefined) return undefined;
  headers.set("traceparent", carrier.traceparent!);
  if (carrier.tracestate !== undefined) headers.set("tracestate", carrier.tracestate);
  // A malformed traceparent names no trace: the tracestate sent with it belongs to none either.
  else if (forwarded !== null && named === undefined) headers.delete("tracestate");
  // A copy that keeps what a spread loses: the members of an init that is an instance of a
  // class (getters, read by name), and options of runtimes (undici's `dispatcher`, workerd's
  // `cf`; enumerable, found by `for...in`).
  const source = (init ?? {}) as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of INIT_MEMBERS) {
    const value = source[key];
    if (value !== undefined) copy[key] = value;
  }
  for (const key in source) if (!INIT_MEMBERS.includes(key)) copy[key] = source[key];
  // Any init resets a Request's referrer and referrer policy (the Fetch standard): keep them.
  const { request } = target;
  for (const key of ["referrer", "referrerPolicy"] as const) {
    const value = request?.[key];
    if (copy[key] === undefined && typeof value === "string") copy[key] = value;
  }
  copy.headers = headers;
  return { input, init: copy };
}
