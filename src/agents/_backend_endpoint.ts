/**
 * The OpenAI traces backend exporter's endpoint: which URLs it accepts (http(s), without a user
 * name or password) and which parts of it are never shown in a diagnostic (its query string and
 * fragment, where a token may be). As in the OTLP exporter's options, an error names the option,
 * never its value.
 *
 * @internal
 * @module
 */
import { TracerError } from "../errors.ts";

/** The start of every error about the endpoint. */
const CANNOT = "Cannot create BackendSpanExporter: `endpoint`";

/**
 * Throws unless `endpoint` can be posted to: an http(s) URL with a host and no user name or
 * password. `fetch` refuses a URL with credentials, with an error that quotes the whole URL
 * (password included): it would only ever fail, and leak the password into diagnostics.
 *
 * @param endpoint The `endpoint` option.
 * @throws {TracerError} `INVALID_CONFIG`, whose message shows neither the credentials nor the
 *   query string (nor anything else of the URL but its scheme).
 * @internal
 */
export function checkBackendEndpoint(endpoint: string): void {
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    // Not a URL at all: nothing of it is shown.
  }
  const web = url?.protocol === "http:" || url?.protocol === "https:";
  if (!web || !/^https?:\/\/[^/]/i.test(endpoint)) {
    const scheme = url === undefined || web ? "" : ` (not ${url.protocol})`;
    throw new TracerError("INVALID_CONFIG", `${CANNOT} must be an http(s) URL${scheme}`);
  }
  if (url!.username !== "" || url!.password !== "") {
    throw new TracerError(
      "INVALID_CONFIG",
      `${CANNOT} must not contain a user name or password; the key is sent as \`apiKey\``,
    );
  }
}

/**
 * The parts of an endpoint a diagnostic must not show, as a fetch error may quote the URL: its
 * query string and fragment, whole and each parameter and value, as given and as `URL`
 * normalizes them.
 *
 * @param endpoint An endpoint {@linkcode checkBackendEndpoint} accepted.
 * @returns The values to mask (none without a query string or fragment).
 * @internal
 */
export function endpointSecrets(endpoint: string): string[] {
  const url = new URL(endpoint);
  const at = endpoint.search(/[?#]/);
  const given = at < 0 ? "" : endpoint.slice(at + 1);
  const secrets: string[] = [];
  for (const text of [given, url.search.slice(1), url.hash.slice(1)]) {
    secrets.push(text);
    for (const part of text.split(/[?#&]/)) secrets.push(part, part.slice(part.indexOf("=") + 1));
  }
  for (const value of url.searchParams.values()) secrets.push(value);
  return secrets.filter((secret) => secret !== "");
}
