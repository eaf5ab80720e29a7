/**
 * The web preset for browsers and unknown runtimes: in-memory storage, a synchronous context stack
 * (pass parents explicitly across `await`), CompressionStream gzip and timers. Imports nothing
 * runtime-specific. Re-exports the whole runtime-neutral API.
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
export { configure, portableParts as webParts } from "../portable.ts";
export * from "../../mod.ts";
export type { Configured, ConfigureOptions } from "../configure.ts";
