/**
 * File-system helpers for tests: a fresh temporary directory for a test body, and reading back
 * what a storage adapter or a child process wrote.
 *
 * @module
 */
import { mkdtemp, readdir, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Runs `fn` with a fresh directory under the system's temporary directory, then removes it with
 * everything in it (also when `fn` throws). The path is the directory's real path (on macOS the
 * temporary directory is behind a symbolic link, and artifacts record real paths).
 *
 * @example
 * ```ts
 * await withTempDir("tracelet-example-", async (dir) => {
 *   await writeFile(join(dir, "a.txt"), "a");
 * });
 * ```
 *
 * @param prefix The start of the directory's name, e.g. `"tracelet-crash-"`.
 * @param fn The test body, given the directory's path.
 * @returns What `fn` returns.
 */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Every file under `dir`, recursively, as paths joined onto `dir`.
 *
 * @param dir The directory.
 * @returns The file paths (directories themselves are not listed).
 */
export async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...await walk(path));
    else files.push(path);
  }
  return files;
}

/**
 * The lines of a text file that are not empty, as a JSONL reader sees them.
 *
 * @param path The file.
 * @returns The lines, without their `\n`; none when the file is missing or unreadable.
 */
export async function fileLines(path: string): Promise<string[]> {
  return (await readFile(path, "utf8").catch(() => "")).split("\n").filter((line) => line !== "");
}
