/**
 * OpenTelemetry HTTP semantic conventions shared by the server span (`instrument()`,
 * `traceFetchHandler`) and the client span (`tracedFetch`): the method and the span name it gives,
 * the server's address and port, `url.full` without secrets, and `error.type` of a thrown value.
 *
 * @module
 */
import { maskUrlQuery } from "../redact/url_query.ts";
import type { Attributes } from "../types.ts";

/** The methods of RFC 9110, PATCH (RFC 5789) and QUERY: the conventions' known methods. */
const KNOWN_METHODS = new Set([
  "CONNECT",
  "DELETE",
  "GET",
  "HEAD",
  "OPTIONS",
  "PATCH",
  "POST",
  "PUT",
  "QUERY",
  "TRACE",
]);

/** The port a URL without an explicit one uses, by scheme. */
const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/** Query parameters whose values the conventions redact in `url.full`. */
const SECRET_PARAMS = new Set([
  "AWSAccessKeyId",
  "Signature",
  "sig",
  "X-Goog-Signature",
  // AWS Signature V4 presigned URLs (S3, R2's S3 API): the signature, key id and session token.
  "X-Amz-Signature",
  "X-Amz-Credential",
  "X-Amz-Security-Token",
]);

/**
 * `http.request.method`: the canonical (upper-case) method when it is a known one, else `_OTHER`;
 * plus `http.request.method_original` when that differs from the method as sent.
 *
 * @param method The method as sent or received.
 * @returns The attributes.
 */
export function methodAttributes(method: string): Attributes {
  const upper = method.toUpperCase();
  const known = KNOWN_METHODS.has(upper) ? upper : "_OTHER";
  return known === method
    ? { "http.request.method": known }
    : { "http.request.method": known, "http.request.method_original": method };
}

/**
 * The span name of an HTTP span without a route: its method, or `HTTP` for an unknown one.
 *
 * @param attributes Attributes holding `http.request.method`.
 * @returns The name.
 */
export function methodSpanName(attributes: Attributes): string {
  const method = attributes["http.request.method"];
  return method === "_OTHER" ? "HTTP" : String(method);
}

/**
 * `server.address` (an IPv6 address without brackets) and `server.port` (80 or 443 by scheme
 * when the URL has none).
 *
 * @param url The request's URL.
 * @param attributes Where to set them.
 */
export function setServerAddress(url: URL, attributes: Attributes): void {
  if (url.hostname === "") return; // data:, blob:, file:///…: no server
  attributes["server.address"] = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port !== "" ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  if (port !== undefined) attributes["server.port"] = port;
}

/**
 * `client.address`, `network.peer.address` and `network.peer.port` of a server span from the
 * connection's peer (never from forwarding headers, which a client can forge); nothing unless the
 * address is a non-empty string.
 *
 * @param address The peer's address.
 * @param port The peer's port.
 * @param attributes Where to set them.
 */
export function setPeerAddress(address: unknown, port: unknown, attributes: Attributes): void {
  if (typeof address !== "string" || address === "") return;
  attributes["client.address"] = address;
  attributes["network.peer.address"] = address;
  if (Number.isSafeInteger(port)) attributes["network.peer.port"] = port as number;
}

/**
 * `url.full` as the conventions want it on a client span: a user name and password replaced by
 * `REDACTED`, no fragment (never sent), and the query string only when asked for (see
 * {@linkcode redactQuery}). A `data:` URL keeps its media type only: its payload is the data.
 *
 * @param url The request's URL (not changed).
 * @param recordQuery Whether to keep the query string.
 * @returns The value.
 */
export function fullUrl(url: URL, recordQuery: boolean): string {
  if (url.protocol === "data:") {
    const comma = url.pathname.indexOf(",");
    return `data:${comma < 0 ? "" : url.pathname.slice(0, comma + 1)}REDACTED`;
  }
  const copy = new URL(url.href);
  copy.hash = "";
  if (copy.username !== "") copy.username = "REDACTED";
  if (copy.password !== "") copy.password = "REDACTED";
  copy.search = recordQuery ? redactQuery(copy.search) : "";
  return copy.href;
}

/**
 * A query string (`url.query`, or the query of `url.full`) with the values of signature
 * parameters `REDACTED`: `Signature`, `sig`, `X-Goog-Signature` and `AWSAccessKeyId`, as the
 * conventions require by default, and AWS Signature V4's `X-Amz-Signature`, `X-Amz-Credential` and
 * `X-Amz-Security-Token` (a presigned URL's signature, key id and session token).
 *
 * @param search The query, with or without its leading `?`.
 * @returns The query without its leading `?`.
 */
export function redactQuery(search: string): string {
  return maskUrlQuery(
    search.replace(/^\?/, ""),
    true,
    (name) => SECRET_PARAMS.has(name),
    "REDACTED",
  );
}

/**
 * `error.type` of a thrown value (semantic conventions): its type's name, e.g. `TypeError` or
 * `AbortError`, or `_OTHER` when it has none. Never throws.
 *
 * @param error The thrown value.
 * @returns The value.
 */
export function errorType(error: unknown): string {
  try {
    const name = typeof error === "object" && error !== null
      ? (error as { name?: unknown }).name
      : undefined;
    if (typeof name === "string" && name !== "") return name;
  } catch {
    // A hostile error object: no type to read.
  }
  return "_OTHER";
}
