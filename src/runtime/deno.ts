/**
 * The Deno preset: AsyncLocalStorage context (from `node:async_hooks`), file storage through
 * Deno's file APIs under `TRACELET_HOME` or `./.tracelet`, node:zlib gzip, timers that never keep
 * the process alive, and a flush on `beforeunload`. Re-exports the whole runtime-neutral API.
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
import { serverParts } from "./_server_parts.ts";

interface UnloadTarget {
  addEventListener(type: "beforeunload", listener: () => void): void;
  removeEventListener(type: "beforeunload", listener: () => void): void;
}

/** The Deno runtime parts. */
export const denoParts: RuntimeParts = serverParts({
  runtime: "deno",
  storage: (root) => new DenoFsStorage({ root }),
  onExit(flush) {
    const target = globalThis as unknown as UnloadTarget;
    if (typeof target.addEventListener !== "function") return () => {};
    let flushed = false;
    const listener = () => {
      if (flushed) return;
      flushed = true;
      void flush();
    };
    target.addEventListener("beforeunload", listener);
    return () => target.removeEventListener("beforeunload", listener);
  },
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
