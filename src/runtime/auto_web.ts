/**
 * The `./auto` variant for browsers and web workers: the `web` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { AutoPreset } from "./auto_default.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "web";

export { configure } from "./web.ts";
export * from "../../mod.ts";
