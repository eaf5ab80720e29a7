/**
 * Where a file-system storage constructed without a root keeps its files.
 *
 * @module
 */

import { getEnv } from "../runtime/_globals.ts";
import { cwdStorageRoot } from "./_fs_paths.ts";

/**
 * The default root of a storage constructed without one: the process's `TRACELET_HOME`
 * environment variable (trimmed; blank means unset), else `.tracelet` in the current working
 * directory. `configure()` does not use it: it resolves the root itself, through its `env`.
 *
 * @returns The root directory path.
 */
export function defaultStorageRoot(): string {
  const home = getEnv("TRACELET_HOME")?.trim();
  return home !== undefined && home !== "" ? home : cwdStorageRoot();
}
