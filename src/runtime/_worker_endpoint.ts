/**
 * The Workers preset's warning about an OTLP endpoint on this machine. Without an endpoint
 * (the quick start deployed before its `OTLP_ENDPOINT` binding is set) OTLP export goes to the
 * default, `http://localhost:4318/v1/traces`. Cloudflare's edge has no collector there: every
 * export fails as a lost network connection and is parked, and nothing said where it went. Under
 * `wrangler dev` or Miniflare a local collector may answer, so it is a warning, once per isolate,
 * at the first request to such an endpoint (`worker_otlp_localhost`). It names only the endpoint's
 * scheme, host and port: never its path, query or user info, which may hold credentials.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import type { FetchLike } from "../exporter/otlp_http_options.ts";

/** Hosts of this machine: `localhost` (and its subdomains), 127.0.0.0/8, `[::1]`, `0.0.0.0`. */
const LOCAL_HOST = /^(?:(?:.+\.)?localhost|127(?:\.\d+){3}|\[::1\]|0\.0\.0\.0)$/i;

/** Reports `url` once per isolate when its host is this machine. Never throws. */
function warnIfLocal(url: string): void {
  try {
    const { hostname, origin } = new URL(url);
    if (!LOCAL_HOST.test(hostname)) return;
    reportOnce(
      "worker_otlp_localhost",
      "warn",
      "worker_otlp_localhost",
      `OTLP export goes to ${origin}, which a deployed Worker cannot reach (a collector under \`wrangler dev\` or Miniflare can answer there; it is also the default when no endpoint is set): before deploying, point \`otlp.endpoint\` or an \`OTEL_EXPORTER_OTLP_ENDPOINT\` binding at a collector the Worker can reach`,
    );
  } catch {
    // Not a URL: fetch reports that itself.
  }
}

/**
 * A wrapper for the `fetch` of each OTLP exporter the Workers preset's pipeline builds (see
 * `WRAP_OTLP_FETCH`): its first request is checked for an endpoint on this machine, which is
 * reported once per isolate (`worker_otlp_localhost`); every request is then sent as it is.
 *
 * @returns The wrapper: given the exporter's `fetch` option (undefined for the global `fetch`).
 */
export function warnLocalEndpoint(): (inner: FetchLike | undefined) => FetchLike {
  return (inner) => {
    let checked = false;
    return (url, init) => {
      if (!checked) {
        checked = true;
        warnIfLocal(url);
      }
      return inner === undefined ? fetch(url, init) : inner(url, init);
    };
  };
}
