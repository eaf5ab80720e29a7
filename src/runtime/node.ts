/**
 * The Node.js (and Bun) preset: AsyncLocalStorage context, file storage under `TRACELET_HOME` or
 * `./.tracelet`, node:zlib gzip, background timers that never keep the process alive, and a flush
 * when the event loop empties (`beforeExit`; 30 s at most in all, so an endpoint that never
 * answers cannot keep the process alive) and on `SIGTERM` / `SIGINT` when the program has no
 * handler of its own for them (at most 2 s, then the signal ends the process as usual).
 * `process.exit()` exits synchronously and cannot be waited for: call `await tracing.shutdown()`
 * before it (and in your own signal handlers). Re-exports the whole runtime-neutral API.
 *
 * @example
 * ```ts
 * import { configure } from "@tracelet/tracelet/node";
 * const tracing = configure({ serviceName: "my-agent", project: "demo" });
 * await tracing.tracer.withSpan("hello", () => "world");
 * await tracing.shutdown();
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";
import { configureWith, registerDefaultParts } from "../configure.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "../configure.ts";
import { NodeFsStorage } from "../storage/node_fs.ts";
import { hookRuntimeExit } from "./_exit_hook.ts";
import { serverParts } from "./_server_parts.ts";
import { registerCreateHash } from "../hash/native_digest.ts";

/** The Node.js runtime parts. */
export const nodeParts: RuntimeParts = serverParts({
  runtime: "node",
  storage: (root) => new NodeFsStorage({ root }),
  onExit: (flush) => hookRuntimeExit(flush, "process"),
});

registerDefaultParts(nodeParts);
registerCreateHash(createHash);

/**
 * Configures tracing for Node.js and Bun.
 *
 * @param options Service, project, storage, exporters, redaction, batching, …
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 * @example
 * ```ts
 * import { configure } from "@tracelet/tracelet/node";
 * configure({ console: true });
 * ```
 */
export function configure(options: ConfigureOptions = {}): Configured {
  return configureWith(nodeParts, options);
}

export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
