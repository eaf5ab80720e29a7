/**
 * The `./auto` variant for Cloudflare Workers (workerd): the `worker` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { Configured } from "../configure.ts";
import type { AutoConfigureOptions, AutoPreset } from "./auto_default.ts";
import { configure as configureWorker } from "./worker.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "worker";

/**
 * Configures tracing with the preset `./auto` picked (here the Workers preset).
 *
 * @param options Every preset's options (see {@linkcode AutoConfigureOptions}).
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 */
export const configure: (options?: AutoConfigureOptions) => Configured = configureWorker;
export * from "../../mod.ts";
