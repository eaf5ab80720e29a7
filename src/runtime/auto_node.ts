/**
 * The `./auto` variant for Node.js and Bun: the `node` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { Configured } from "../configure.ts";
import type { AutoConfigureOptions, AutoPreset } from "./auto_default.ts";
import { configure as configureNode } from "./node.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "node";

/**
 * Configures tracing with the preset `./auto` picked (here the Node.js preset).
 *
 * @param options Every preset's options (see {@linkcode AutoConfigureOptions}).
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 */
export const configure: (options?: AutoConfigureOptions) => Configured = configureNode;
export * from "../../mod.ts";
