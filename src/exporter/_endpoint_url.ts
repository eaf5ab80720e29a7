/**
 * Which OTLP endpoint URLs can be used: the one check behind the exporter's constructor,
 * `createOtlpExporter()`'s options and the endpoint environment variables.
 *
 * @module
 */
import { TracerError } from "../errors.ts";

/**
 * What is wrong with an endpoint URL, or undefined when it can be used: it must be an http(s) URL
 * without a user name or password (`fetch` rejects such a URL with an error that quotes it whole,
 * password included: it would only ever fail, and leak the password into diagnostics). A relative
 * URL is taken where `fetch` resolves it (a page, a web worker, Deno with `--location`): against
 * the page's base URL or the global `location`.
 *
 * @param text The URL.
 * @returns The problem, a phrase naming no part of the URL; undefined when there is none.
 * @internal
 */
export function urlProblem(text: string): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    try {
      // Deno without `--location` throws on reading `location`: no base, as elsewhere.
      const page = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
      url = new URL(text, page.document?.baseURI ?? page.location?.href);
    } catch {
      // Not a URL at all.
    }
  }
  if (url && /^https?:$/.test(url.protocol)) {
    return url.username || url.password
      ? "it contains a user name or password (send credentials as headers)"
      : undefined;
  }
  return "not an http(s) URL";
}

/**
 * Throws for an explicit URL option that cannot be used, naming the option, never the value.
 *
 * @param name The option (`endpoint`, `server`).
 * @param value Its value.
 * @throws {TracerError} `INVALID_CONFIG` unless `value` is an absolute http(s) URL without a user
 *   name or password.
 * @internal
 */
export function checkUrlOption(name: string, value: string): void {
  const problem = urlProblem(value);
  if (problem) {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot configure OTLP export: \`${name}\`: ${problem}`,
    );
  }
}

/**
 * What diagnostics must never show of an exporter's settings: every header value (an API key,
 * `Bearer …`) and every value in the endpoint's query string (`?api_key=…`), which a collector or
 * a proxy may quote in its error answers.
 *
 * @param url The endpoint, already checked (relative URLs are read against any base).
 * @param headers The request headers.
 * @returns The values, decoded (the masking also masks their percent-encoded form).
 * @internal
 */
export function endpointSecrets(url: string, headers: Record<string, string>): string[] {
  return [...Object.values(headers), ...new URL(url, "http://l").searchParams.values()];
}
