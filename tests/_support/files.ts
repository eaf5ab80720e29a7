/**
 * File-system helpers for tests that inspect what a storage adapter wrote.
 *
 * @module
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";

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
