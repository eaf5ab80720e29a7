/**
 * Runs a Worker in a real workerd (Miniflare) from Node-only tests: the Worker's source (importing
 * this repository's files by relative path) is bundled by esbuild the way a Worker is built, then
 * served by Miniflare with the given bindings. esbuild and Miniflare are imported through a hidden
 * dynamic import, so the workerd test run's own bundler does not pull them in.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { WORKER_BUILD } from "../../scripts/worker_build.mjs";

interface Bundler {
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
}

/** The part of a Miniflare instance the tests use. */
export interface MiniflareWorker {
  /** The URL the Worker listens on, once it is ready. */
  readonly ready: Promise<URL>;
  /** Sends a request to the Worker. */
  dispatchFetch(url: string): Promise<Response>;
  /** Stops workerd. */
  dispose(): Promise<void>;
}

type MiniflareClass = new (options: Record<string, unknown>) => MiniflareWorker;

/**
 * Imports a package through a dynamic import that bundlers do not follow.
 *
 * @param specifier The package.
 * @returns The module.
 */
export const loadHidden = <T>(specifier: string): Promise<T> =>
  (new Function("specifier", "return import(specifier)") as (s: string) => Promise<T>)(specifier);

/**
 * Bundles a Worker's source and starts it in Miniflare.
 *
 * @param source The Worker module's source, importing repository files as `./src/…`.
 * @param name A file name for the source, shown in errors.
 * @param bindings The Worker's environment bindings.
 * @param options More Miniflare options, e.g. `{ durableObjects: { DO: "ClassName" } }` (the class
 *   exported by the source) or `{ kvNamespaces: ["KV"] }`.
 * @returns The running Worker; dispose of it when done.
 */
export async function startWorker(
  source: string,
  name: string,
  bindings: Record<string, string>,
  options: Record<string, unknown> = {},
): Promise<MiniflareWorker> {
  const esbuild = await loadHidden<Bundler>("esbuild");
  const { Miniflare } = await loadHidden<{ Miniflare: MiniflareClass }>("miniflare");
  const built = await esbuild.build({
    stdin: {
      contents: source,
      resolveDir: fileURLToPath(new URL("../../", import.meta.url)),
      sourcefile: name,
    },
    ...WORKER_BUILD,
    write: false,
  });
  return new Miniflare({
    modules: true,
    script: built.outputFiles[0].text,
    compatibilityDate: "2026-04-01",
    ...options,
    bindings,
  });
}
