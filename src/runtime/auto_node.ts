/**
 * The `./auto` variant for Node.js and Bun: the `node` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { AutoPreset } from "./auto_default.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "node";

export { configure } from "./node.ts";
export * from "../../mod.ts";
