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

/** What {@linkcode recordingWorker} serves, and what it records. */
export interface RecordingWorkerOptions {
  /** The handler object given to `instrument()`, as source. */
  readonly handler: string;
  /** What is recorded of each ended span `s`, as a source expression. */
  readonly record: string;
  /**
   * More `instrument()` options, as source; they may push to `recorded` too, e.g.
   * `onFlush: () => void recorded.push("flush")`.
   */
  readonly options?: string;
  /** Import lines the handler needs (`instrument` is imported already). */
  readonly imports?: string;
}

/** The path at which a {@linkcode recordingWorker} answers with what it recorded. */
export const RECORDED_PATH = "/recorded";

/**
 * The source of a Worker for {@linkcode startWorker} that serves `handler` through
 * `instrument()` with a local-free pipeline whose processor records each ended span, and answers
 * {@linkcode RECORDED_PATH} with the JSON of the records (see {@linkcode pollRecords}).
 *
 * @example
 * ```ts
 * const source = recordingWorker({
 *   handler: `{ fetch: () => new Response("ok") }`,
 *   record: `{ path: s.attributes["url.path"] }`,
 * });
 * const mf = await startWorker(source, "ok_worker.js", {});
 * ```
 *
 * @param options The handler and what to record.
 * @returns The Worker module's source.
 */
export function recordingWorker(options: RecordingWorkerOptions): string {
  const more = options.options === undefined ? "" : `\n  ${options.options},`;
  return `
import { instrument } from "./src/runtime/worker.ts";
${options.imports ?? ""}
const recorded = [];
const watcher = { onSpanEnd: (s) => void recorded.push(${options.record}) };
const worker = instrument(${options.handler}, {
  configure: { local: false, processors: [watcher] },${more}
});
export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === ${JSON.stringify(RECORDED_PATH)}) {
      return Response.json(recorded);
    }
    return worker.fetch(request, env, ctx);
  },
};`;
}

/**
 * Asks a running {@linkcode recordingWorker} for its records every 50 ms until `done` says they
 * are complete, for at most 5 s.
 *
 * @param mf The Worker.
 * @param done Whether the records are all there.
 * @returns The last records read (complete or not).
 */
export async function pollRecords<T>(
  mf: MiniflareWorker,
  done: (records: T[]) => boolean,
): Promise<T[]> {
  const url = new URL(RECORDED_PATH, await mf.ready).href;
  let records: T[] = [];
  for (let waited = 0; waited < 5000; waited += 50) {
    records = await (await mf.dispatchFetch(url)).json();
    if (done(records)) return records;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return records;
}
