/**
 * The Deno preset: AsyncLocalStorage context (from `node:async_hooks`), file storage through
 * Deno's file APIs under `TRACELET_HOME` or `./.tracelet`, node:zlib gzip, timers that never keep
 * the process alive, and a flush on `beforeunload` (each time the event loop empties; 30 s at most
 * in all, so an endpoint that never answers cannot keep the process alive). Signals
 * and `Deno.exit()` end the process without it: call `await tracing.shutdown()` in your signal
 * handler and before `Deno.exit()`. Re-exports the whole runtime-neutral API.
 *
 * @example
 * ```ts
 * import { configure } from "@tracelet/tracelet/deno";
 * const tracing = configure({ serviceName: "my-agent" });
 * await tracing.tracer.withSpan("hello", () => "world");
 * await tracing.shutdown();
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { configureWith, registerDefaultParts } from "../configure.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "../configure.ts";
import { checkConfigureOptions } from "../configure_checks.ts";
import type { FetchLike } from "../exporter/otlp_http_options.ts";
import { WRAP_OTLP_FETCH } from "../pipeline.ts";
import { safeString } from "../safe_string.ts";
import { getDeno, isPermissionError } from "./_globals.ts";
import { deniedAccess } from "./_deno_access.ts";
import { DenoFsStorage } from "../storage/deno_fs.ts";
import { hookRuntimeExit } from "./_exit_hook.ts";
import { serverParts } from "./_server_parts.ts";
import { registerCreateHash } from "../hash/native_digest.ts";

/** The Deno runtime parts. */
export const denoParts: RuntimeParts = serverParts({
  runtime: "deno",
  storage: (root) => new DenoFsStorage({ root }),
  onExit: (flush) => hookRuntimeExit(flush, "unload"),
});

registerDefaultParts(denoParts);
registerCreateHash(createHash);

/**
 * Wraps an OTLP exporter's `fetch`: a missing `--allow-net` (Deno's `NotCapable` error) is not a
 * network outage to retry for seconds but a 403 answered at once, whose body is Deno's message
 * (it names the host and the flag), so the export fails once, without retries.
 */
function denoFetch(inner: FetchLike | undefined): FetchLike {
  const send: FetchLike = inner ?? ((url, init) => fetch(url, init));
  return async (url, init) => {
    try {
      // Asked first: in a terminal, Deno's fetch would stop the program to prompt for the host.
      // A fetch of your own is not asked for (it may go elsewhere, or nowhere: a test double).
      const deno = inner === undefined ? getDeno() : undefined;
      const host = deno === undefined ? undefined : hostOf(url);
      if (deno !== undefined && host !== undefined) {
        const denied = deniedAccess(deno, { name: "net", host });
        if (denied !== undefined) throw denied;
      }
      return await send(url, init);
    } catch (error) {
      if (!isPermissionError(error)) throw error;
      return new Response(safeString(error), { status: 403 });
    }
  };
}

/**
 * The `host:port` Deno checks a fetch of a URL against, the default port written out (a grant of
 * `collector.example:443` covers `https://collector.example/…`), or undefined when it is not an
 * http(s) URL (fetch reports that itself).
 */
function hostOf(url: string): string | undefined {
  try {
    const { hostname, port, protocol } = new URL(url);
    if (hostname === "" || (protocol !== "http:" && protocol !== "https:")) return undefined;
    return `${hostname}:${port || (protocol === "https:" ? "443" : "80")}`;
  } catch {
    return undefined;
  }
}

/**
 * Configures tracing for Deno.
 *
 * @param options Service, project, storage, exporters, redaction, batching, …
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 * @example
 * ```ts
 * import { configure } from "@tracelet/tracelet/deno";
 * configure({ project: "demo" });
 * ```
 */
export function configure(options: ConfigureOptions = {}): Configured {
  // Checked first: the spread below would hide a non-object (a revoked proxy would throw).
  checkConfigureOptions(options);
  const wrapped = { ...options, [WRAP_OTLP_FETCH]: denoFetch };
  return configureWith(denoParts, wrapped);
}

export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
