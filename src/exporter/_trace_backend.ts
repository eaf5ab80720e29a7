/**
 * Where traces go: the `traceBackend` choice between local storage only and a dreadnode-style
 * remote backend, and the dreadnode credentials it looks at (options, else `DREADNODE_*`).
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { envWarn } from "../env_warn.ts";
import { TracerError } from "../errors.ts";
import { type EnvReader, readEnv } from "../otlp/resource.ts";
import { HEADER_TEXT, isHeaderValue } from "./_otlp_headers.ts";
import { envOrganization, envUrl } from "./_otlp_config.ts";

/** Where traces go: only local storage, or also a remote OTLP backend. */
export type TraceBackend = "local" | "remote";

/** The dreadnode credentials {@linkcode resolveTraceBackend} looks at. */
export interface BackendCredentials {
  /** Server base URL. */
  server?: string | undefined;
  /** API key. */
  apiKey?: string | undefined;
  /** Organization key. */
  organization?: string | undefined;
}

/**
 * The dreadnode credentials: each explicit one, else its `DREADNODE_SERVER`,
 * `DREADNODE_API_KEY` or `DREADNODE_ORGANIZATION` variable. A variable that cannot be used (a
 * server that is not an http(s) URL or carries a password, a key a header cannot carry) is
 * reported as `invalid_env`, never with its value, and ignored, so tracing stays local instead of
 * failing. Explicit values are not checked here: {@linkcode resolveOtlpConfig} throws for them.
 *
 * @param given The explicit credentials.
 * @param env Environment reader.
 * @returns The credentials to use.
 */
export function resolveCredentials(
  given: BackendCredentials,
  env: EnvReader | undefined,
): BackendCredentials {
  const server = given.server ?? envUrl(env, "DREADNODE_SERVER");
  let apiKey = given.apiKey;
  if (apiKey === undefined) {
    apiKey = readEnv(env, "DREADNODE_API_KEY");
    if (apiKey !== undefined && !isHeaderValue(apiKey)) {
      envWarn("DREADNODE_API_KEY", `it must be ${HEADER_TEXT}`);
      apiKey = undefined;
    }
  }
  const organization = given.organization ?? envOrganization(env);
  return { server, apiKey, organization };
}

/**
 * Decides where traces go. `"local"` stays local; `"remote"` requires server, API key and
 * organization and is a configuration error without them (never a silent downgrade);
 * `undefined` (auto) is remote exactly when all three are known, and when only some are, it
 * stays local and reports the missing ones once (`dreadnode_credentials_incomplete`, a warning
 * that never shows a value).
 *
 * @param backend The requested backend, or undefined for auto.
 * @param credentials The known credentials.
 * @returns The effective backend.
 * @throws {TracerError} `MISSING_CREDENTIALS` for `"remote"` without all three credentials,
 *   `INVALID_CONFIG` for an unknown backend name.
 * @example
 * ```ts
 * import { resolveTraceBackend } from "./_trace_backend.ts";
 * resolveTraceBackend(undefined, { server: "https://dn.example" }); // "local"
 * ```
 */
export function resolveTraceBackend(
  backend: TraceBackend | undefined,
  credentials: BackendCredentials,
): TraceBackend {
  if (backend !== undefined && backend !== "local" && backend !== "remote") {
    throw new TracerError(
      "INVALID_CONFIG",
      'Cannot configure tracing: `traceBackend` must be "local", "remote" or undefined',
    );
  }
  if (backend === "local") return "local";
  const missing = (["server", "apiKey", "organization"] as const).filter((key) =>
    !credentials[key]
  );
  if (backend === "remote" && missing.length > 0) {
    throw new TracerError(
      "MISSING_CREDENTIALS",
      `Cannot use the remote trace backend: missing ${missing.join(", ")}`,
    );
  }
  if (missing.length === 0) return "remote";
  if (missing.length < 3) reportIncomplete(missing);
  return "local";
}

/** Where each credential is set, for the report of the missing ones. */
const CREDENTIAL_SOURCES = {
  server: "server / DREADNODE_SERVER",
  apiKey: "apiKey / DREADNODE_API_KEY",
  organization: "organization / DREADNODE_ORGANIZATION",
} as const;

/**
 * Reports once that some dreadnode credentials are given but not all, so traces stay local: names
 * the missing ones, never a value.
 */
function reportIncomplete(missing: readonly (keyof BackendCredentials)[]): void {
  reportOnce(
    `dreadnode_credentials_incomplete:${missing.join()}`,
    "warn",
    "dreadnode_credentials_incomplete",
    `Remote trace export is off: dreadnode credentials are incomplete, missing ${
      missing.map((key) => CREDENTIAL_SOURCES[key]).join(", ")
    }; traces stay local (set traceBackend: "local" to silence this)`,
  );
}
