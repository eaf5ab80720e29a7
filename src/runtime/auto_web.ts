/**
 * The `./auto` variant for browsers and web workers: the `web` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { Configured } from "../configure.ts";
import type { AutoConfigureOptions, AutoPreset } from "./auto_default.ts";
import { configure as configureWeb } from "./web.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "web";

/**
 * Configures tracing with the preset `./auto` picked (here the web preset).
 *
 * @param options Every preset's options (see {@linkcode AutoConfigureOptions}).
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 */
export const configure: (options?: AutoConfigureOptions) => Configured = configureWeb;
export * from "../../mod.ts";
