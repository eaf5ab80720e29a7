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
import { configureWith, registerDefaultParts } from "../configure.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "../configure.ts";
import { DenoFsStorage } from "../storage/deno_fs.ts";
import { hookRuntimeExit } from "./_exit_hook.ts";
import { serverParts } from "./_server_parts.ts";

/** The Deno runtime parts. */
export const denoParts: RuntimeParts = serverParts({
  runtime: "deno",
  storage: (root) => new DenoFsStorage({ root }),
  onExit: (flush) => hookRuntimeExit(flush, "unload"),
});

registerDefaultParts(denoParts);

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
  return configureWith(denoParts, options);
}

export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
