/**
 * The Node.js (and Bun) preset: AsyncLocalStorage context, file storage under `TRACELET_HOME` or
 * `./.tracelet`, node:zlib gzip, background timers that never keep the process alive, and a flush
 * before the process exits. Re-exports the whole runtime-neutral API.
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
import { configureWith, registerDefaultParts } from "../configure.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "../configure.ts";
import { NodeFsStorage } from "../storage/node_fs.ts";
import { getProcess } from "./_globals.ts";
import { serverParts } from "./_server_parts.ts";

interface ProcessEvents {
  once(event: "beforeExit", listener: () => void): unknown;
  off(event: "beforeExit", listener: () => void): unknown;
}

/** The Node.js runtime parts. */
export const nodeParts: RuntimeParts = serverParts({
  runtime: "node",
  storage: (root) => new NodeFsStorage({ root }),
  onExit(flush) {
    const proc = getProcess() as unknown as ProcessEvents | undefined;
    if (typeof proc?.once !== "function") return () => {};
    const listener = () => void flush();
    proc.once("beforeExit", listener);
    return () => void proc.off("beforeExit", listener);
  },
});

registerDefaultParts(nodeParts);

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
