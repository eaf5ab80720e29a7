/**
 * The web preset for browsers and unknown runtimes: in-memory storage, a synchronous context stack
 * (pass parents explicitly across `await`; AsyncLocalStorage where the runtime hands it out through
 * `process.getBuiltinModule`), CompressionStream gzip and timers. Imports nothing
 * runtime-specific. Re-exports the whole runtime-neutral API.
 *
 * In a page it flushes when the page is hidden or left (`visibilitychange`, `pagehide`) with
 * `keepalive` requests of at most 60 KiB each (see `_page_exit.ts`), from every OTLP exporter it
 * builds (dreadnode, `otlp`, or from `OTEL_EXPORTER_OTLP_*` through the `env` option). In a
 * browser OTLP requests carry no `user-agent` and are not compressed unless `compression: "gzip"`
 * is set, so a cross-origin collector that allows the page's origin accepts them without extra
 * CORS headers.
 *
 * @example
 * ```ts
 * import { configure } from "@tracelet/tracelet/web";
 * const tracing = configure({ otlp: { endpoint: "https://collector.example/v1/traces" } });
 * tracing.tracer.startSpan("page-load").end();
 * await tracing.forceFlush();
 * ```
 *
 * @module
 */
import { configureWith } from "../configure.ts";
import { checkConfigureOptions } from "../configure_checks.ts";
import { WRAP_OTLP_FETCH } from "../pipeline.ts";
import type { Configured, ConfigureOptions, RuntimeParts } from "../configure.ts";
import { portableParts } from "../portable.ts";
import { onPageExit, pageFetch } from "./_page_exit.ts";

/** The web preset's parts: the portable ones, with the page-exit flush. */
export const webParts: RuntimeParts = { ...portableParts, onExit: onPageExit };

/**
 * Configures tracing for a web page or worker.
 *
 * @param options Service, project, storage, exporters, redaction, batching, …
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 * @throws {TracerError} `INVALID_CONFIG` for malformed options.
 * @example
 * ```ts
 * import { configure } from "@tracelet/tracelet/web";
 * const tracing = configure({ otlp: { endpoint: "https://collector.example/v1/traces" } });
 * tracing.tracer.startSpan("click").end();
 * ```
 */
export function configure(options: ConfigureOptions = {}): Configured {
  // Checked first: the spread below would hide a non-object (a revoked proxy would throw).
  checkConfigureOptions(options);
  // Every OTLP exporter (dreadnode, `otlp`, or from the environment) sends through the page
  // fetch, which splits and keeps alive the requests made while the page is hidden.
  const wrapped = { ...options, [WRAP_OTLP_FETCH]: pageFetch };
  return configureWith(webParts, wrapped);
}

export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
