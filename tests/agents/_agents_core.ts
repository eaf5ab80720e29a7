/**
 * `@openai/agents-core` for the tests that run it: loaded lazily, and hidden from the workerd
 * bundler. The package's workerd shim re-exports its Node MCP stdio transport, which pulls
 * `cross-spawn` (bare `child_process`, `fs`, `path` imports) that the workerd test bundle cannot
 * resolve, and Miniflare refuses non-literal `import()` calls; these tests are skipped in workerd.
 *
 * @module
 */
import { isWorkerd } from "../_support/runtime.ts";

/** The package's module type. */
export type Core = typeof import("@openai/agents-core");

/**
 * Imports `@openai/agents-core` at run time.
 *
 * @returns The module.
 */
export const loadCore = (): Promise<Core> =>
  (new Function("specifier", "return import(specifier)") as (s: string) => Promise<Core>)(
    "@openai/agents-core",
  );

/** The `skip` option of the tests that run `@openai/agents-core`. */
export const skip: string | false = isWorkerd
  ? "@openai/agents-core does not bundle for workerd"
  : false;
