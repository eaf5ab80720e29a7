/**
 * Runtime detection for tests that only make sense on some runtimes.
 *
 * Tests run unchanged on Deno, Node 20, Bun and workerd; runtime-specific cases use
 * `{ skip: !hasFileSystem }` or `{ skip: isWorkerd }`. Globals are read through a
 * structural view of `globalThis`, so this file type-checks under `deno check` and tsc
 * without Deno or Node ambient types.
 *
 * @module
 */

/** Name of the runtime the tests are executing on. */
export type RuntimeName = "deno" | "bun" | "node" | "workerd" | "unknown";

interface RuntimeGlobals {
  Deno?: { version?: { deno?: string } };
  Bun?: { version?: string };
  process?: { versions?: { node?: string; bun?: string }; release?: { name?: string } };
  navigator?: { userAgent?: string };
}

const g = globalThis as unknown as RuntimeGlobals;

/** True when running on Deno. */
export const isDeno: boolean = typeof g.Deno?.version?.deno === "string";

/** True when running on Bun (which also reports a Node version). */
export const isBun: boolean = typeof g.Bun?.version === "string" ||
  typeof g.process?.versions?.bun === "string";

/** True inside the Cloudflare Workers runtime (workerd, including Miniflare). */
export const isWorkerd: boolean = g.navigator?.userAgent === "Cloudflare-Workers";

/**
 * True only on real Node.js: Deno, Bun and workerd (with `nodejs_compat`) all expose a
 * `process.versions.node`, so they are excluded explicitly.
 */
export const isNode: boolean = !isDeno && !isBun && !isWorkerd &&
  typeof g.process?.versions?.node === "string" && g.process?.release?.name === "node";

/** True where tests may create real files in temporary directories (not in workerd). */
export const hasFileSystem: boolean = isDeno || isNode || isBun;

/** The detected runtime, or `"unknown"` (for example a browser). */
export const runtimeName: RuntimeName = isDeno
  ? "deno"
  : isBun
  ? "bun"
  : isWorkerd
  ? "workerd"
  : isNode
  ? "node"
  : "unknown";
