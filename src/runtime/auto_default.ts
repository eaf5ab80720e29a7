/**
 * The npm-only `./auto` entry: picks a preset by package export conditions (`workerd` → the
 * Workers preset, `worker`/`browser` → web, `deno` → Deno, `bun`/`node` → Node, otherwise web).
 * Every variant exports the same names with the same types: `configure()`, which takes every
 * preset's options ({@linkcode AutoConfigureOptions}), the runtime-neutral API and
 * {@linkcode preset}, naming the preset that was picked. This file is the `default` variant (the
 * web preset) and carries the `types` of all of them.
 *
 * @example (npm only, so not run by `deno test --doc`)
 * ```ts ignore
 * import { configure, preset } from "@tracelet/tracelet/auto";
 * console.log(preset); // "node" on Node and Bun, "deno" on Deno, "worker" in workerd, else "web"
 * configure({ serviceName: "anywhere" });
 * ```
 *
 * @module
 */
import type { Configured } from "../configure.ts";
import { configure as configureWeb } from "./web.ts";
import type { WorkerConfigureOptions } from "./worker.ts";

/** The presets `./auto` can pick. */
export type AutoPreset = "node" | "deno" | "worker" | "web";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "web";

/**
 * Options of `./auto`'s `configure()`: the options of every preset it can pick. The Workers
 * preset's `asyncLocalStorage` is ignored by the others (Node, Bun and Deno always use
 * AsyncLocalStorage; the web preset a synchronous context stack).
 */
export type AutoConfigureOptions = WorkerConfigureOptions;

/**
 * Configures tracing with the preset `./auto` picked: the Node.js preset on Node and Bun, Deno's
 * on Deno, the Workers preset in workerd, else the web preset (this variant).
 *
 * @param options Every preset's options (see {@linkcode AutoConfigureOptions}).
 * @returns The configured pipeline (tracer, storage, flush, shutdown).
 */
export const configure: (options?: AutoConfigureOptions) => Configured = configureWeb;

export * from "../../mod.ts";
