/**
 * The `./auto` variant for Cloudflare Workers (workerd): the `worker` preset's `configure()` and the
 * runtime-neutral API (see `auto_default.ts`).
 *
 * @module
 */
import type { AutoPreset } from "./auto_default.ts";

/** The preset `./auto` picked on this runtime. */
export const preset: AutoPreset = "worker";

export { configure } from "./worker.ts";
export * from "../../mod.ts";
