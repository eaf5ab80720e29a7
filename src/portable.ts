/**
 * The runtime-neutral `configure()`: in-memory storage, a synchronous context stack,
 * CompressionStream gzip and timers. Runtime presets export a `configure()` with the same
 * signature that adds AsyncLocalStorage, file storage and a faster gzip.
 *
 * @module
 */
import { SyncContextManager } from "./context/sync_manager.ts";
import { configureWith, registerDefaultParts } from "./configure.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "./configure.ts";
import { MemoryStorage } from "./storage/memory.ts";

/** The portable runtime parts (no file system, no environment, no AsyncLocalStorage). */
export const portableParts: RuntimeParts = {
  runtime: "web",
  contextManager: () => new SyncContextManager(),
  storage: () => new MemoryStorage(),
  env: () => undefined,
  timers: true,
};

registerDefaultParts(portableParts);

/**
 * Configures tracing with portable defaults (prefer your runtime's preset).
 *
 * @param options Service, project, storage, exporters, redaction, batching, …
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 * @example
 * ```ts
 * import { configure, MemoryStorage } from "@tracelet/tracelet";
 * const tracing = configure({ storage: new MemoryStorage(), project: "demo" });
 * tracing.tracer.startSpan("hello").end();
 * await tracing.shutdown();
 * ```
 */
export function configure(options: ConfigureOptions = {}): Configured {
  return configureWith(portableParts, options);
}
