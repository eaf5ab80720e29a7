/**
 * The npm-only `./auto` entry: picks a preset by package export conditions (`workerd` → the
 * Workers preset, `worker`/`browser` → web, `deno` → Deno, `bun`/`node` → Node, otherwise web).
 * Every variant exports the same names with the same types: `configure()`, the runtime-neutral API
 * and {@linkcode preset}, naming the preset that was picked. This file is the `default` variant
 * (the web preset) and carries the `types` of all of them.
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

/** The presets `./auto` can pick. */
export type AutoPreset = "node" | "deno" | "worker" | "web";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "web";

export { configure } from "./web.ts";
export * from "../../mod.ts";
