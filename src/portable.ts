/**
 * The runtime-neutral `configure()`: in-memory storage, the runtime's AsyncLocalStorage where
 * `process.getBuiltinModule` offers it (else a synchronous context stack), CompressionStream gzip
 * and timers. Runtime presets export a `configure()` with the same signature that adds file
 * storage, the environment and a faster gzip.
 *
 * @module
 */
import { defaultContextManager } from "./context/default_manager.ts";
import { getConfig as activeConfig, hasConfigFallback } from "./config_state.ts";
import type { TraceletConfig } from "./config_state.ts";
import { configureWith, registerDefaultParts } from "./configure.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "./configure.ts";
import { MemoryStorage } from "./storage/memory.ts";

/** The portable runtime parts (no file system, no environment). */
export const portableParts: RuntimeParts = {
  runtime: "web",
  contextManager: defaultContextManager,
  storage: () => new MemoryStorage(),
  env: () => undefined,
  timers: true,
};

/**
 * Registers the portable parts as the defaults of the module-level APIs (`run()`, tasks, the
 * events layer) called before `configure()`, unless a runtime preset registered its own at import.
 * Called by those APIs when they need the defaults, not at import: a program that imports only
 * `Tracer` from the package entry bundles no pipeline.
 */
export function ensureDefaultParts(): void {
  if (!hasConfigFallback()) registerDefaultParts(portableParts);
}

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

/**
 * The active configuration; before `configure()`, that of the defaults (a runtime preset's when
 * one was imported, else the portable ones), built on first use. A default configuration that
 * failed to build is not tried again: its error is thrown.
 *
 * @returns The configuration.
 * @example
 * ```ts
 * import { getConfig } from "@tracelet/tracelet";
 * const { tracer, project } = getConfig();
 * tracer.startSpan(`work in ${project}`).end();
 * ```
 */
export function getConfig(): TraceletConfig {
  ensureDefaultParts();
  return activeConfig();
}
