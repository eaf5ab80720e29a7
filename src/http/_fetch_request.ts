/**
 * What `tracedFetch` reads from a `fetch(input, init)` call, and the call it makes instead: the
 * method and URL the request will have, and the same arguments with `traceparent` (and
 * `tracestate`) added to a copy of the headers. The caller's `Headers`, `Request` and init
 * objects are never changed.
 *
 * @module
 */
import { injectTraceContext } from "../task/trace_context.ts";
import type { SpanContext } from "../types.ts";

/** The methods `fetch` sends in upper case whatever their case (the Fetch standard's list). */
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

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
 * caller set `traceparent` itself, or when `init` is not an object (fetch then throws as it does).
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
  if (headers.has("traceparent")) return undefined;
  const carrier = injectTraceContext(context);
  if (carrier === undefined) return undefined;
  headers.set("traceparent", carrier.traceparent!);
  if (carrier.tracestate !== undefined) headers.set("tracestate", carrier.tracestate);
  // A key-by-key copy: it keeps what a spread loses, the inherited fields of an init that is an
  // instance of a class, and options of runtimes (undici's `dispatcher`, workerd's `cf`).
  const copy: Record<string, unknown> = {};
  for (const key in init as object) copy[key] = (init as Record<string, unknown>)[key];
  copy.headers = headers;
  return { input, init: copy };
}
