/**
 * The `./auto` variant for Deno: the `deno` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { AutoPreset } from "./auto_default.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "deno";

export { configure } from "./deno.ts";
export * from "../../mod.ts";
