/**
 * The web preset for browsers and unknown runtimes: in-memory storage, a synchronous context stack
 * (pass parents explicitly across `await`), CompressionStream gzip and timers. Imports nothing
 * runtime-specific. Re-exports the whole runtime-neutral API.
 *
 * In a page it flushes when the page is hidden or left (`visibilitychange`, `pagehide`) with
 * `keepalive` requests of at most 60 KiB each (see `_page_exit.ts`). In a browser OTLP requests
 * carry no `user-agent` and are not compressed unless `compression: "gzip"` is set, so a
 * cross-origin collector that allows the page's origin accepts them without extra CORS headers.
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
  const { otlp } = options;
  const given = typeof otlp === "object" && otlp !== null ? otlp : otlp === true ? {} : undefined;
  // The page-exit keepalive requests go through the exporter's fetch (a bad one is left to the
  // option checks).
  if (given && (given.fetch === undefined || typeof given.fetch === "function")) {
    options = { ...options, otlp: { ...given, fetch: pageFetch(given.fetch) } };
  }
  return configureWith(webParts, options);
}

export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
