/**
 * Loads a second copy of tracelet, as a dependency bundling its own would be: `src/` copied into a
 * temporary directory and its modules imported from there (a query string on the URL would copy
 * only the first module, not the ones it imports). Needs a file system (not workerd).
 */

/** The modules loaded from the copy, in the order asked, and how to delete the copy. */
export interface SecondCopy {
  /** Each module's namespace, by the path given (relative to `src/`). */
  readonly modules: Record<string, never>[];
  /** Deletes the copied files. */
  remove(): Promise<void>;
}

/**
 * Copies `src/` and imports `paths` (relative to `src/`) from the copy.
 *
 * @param paths The modules to import, e.g. `["tracer.ts"]`.
 * @returns Their namespaces and a function deleting the copy.
 */
export async function loadSecondCopy(paths: readonly string[]): Promise<SecondCopy> {
  const { cp, mkdtemp, rm, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { fileURLToPath, pathToFileURL } = await import("node:url");
  const dir = await mkdtemp(join(tmpdir(), "tracelet-copy-"));
  await cp(fileURLToPath(new URL("../../src/", import.meta.url)), join(dir, "src"), {
    recursive: true,
  });
  await writeFile(join(dir, "package.json"), '{ "type": "module" }'); // ES modules for tsx
  // Hidden from the workerd bundler, which refuses a non-literal import() (skipped there).
  const hiddenImport = new Function("url", "return import(url)") as (url: string) => Promise<
    Record<string, never>
  >;
  const modules = await Promise.all(
    paths.map((path) => hiddenImport(pathToFileURL(join(dir, "src", path)).href)),
  );
  return { modules, remove: () => rm(dir, { recursive: true, force: true }) };
}
