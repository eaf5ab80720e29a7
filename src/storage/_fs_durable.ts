/**
 * The directory half of the fs adapters' `durable` option: after a file is created or renamed into
 * a directory, that directory is flushed (`fsync`), so the file's name survives a power loss as
 * well as its bytes (which the writer flushed itself). The first time a storage object writes in a
 * directory, the directories above it are flushed too, up to the root, since the directory may be
 * new itself; later writes there flush only that directory.
 *
 * @module
 */

import type { FileSystem } from "./_fs.ts";
import { parentOf } from "./_fs_paths.ts";

/** Directories remembered as flushed up to the root, per storage object (then it starts over). */
const MAX_REMEMBERED = 4096;

/** Flushes directory entries for one storage root; does nothing where `syncDir` is missing. */
export class DirectorySync {
  readonly #fs: FileSystem;
  readonly #root: string;
  /** Directories whose chain up to the root this object has flushed once. */
  readonly #chained = new Set<string>();

  /**
   * Creates the helper.
   *
   * @param fs The file system (its optional `syncDir` does the work).
   * @param root The absolute storage root: nothing above it is touched.
   */
  constructor(fs: FileSystem, root: string) {
    this.#fs = fs;
    this.#root = root;
  }

  /**
   * Flushes a directory that just got a new entry; the first time, also the directories above it
   * up to the root.
   *
   * @param dir The absolute directory, under the root (or the root itself).
   * @returns When flushed. Rejects with the file system's error.
   */
  async flush(dir: string): Promise<void> {
    const syncDir = this.#fs.syncDir?.bind(this.#fs);
    if (syncDir === undefined) return;
    await syncDir(dir);
    if (this.#chained.has(dir)) return;
    const flushed = [dir];
    for (let up = dir; up !== this.#root && up.startsWith(`${this.#root}/`);) {
      up = parentOf(up);
      if (this.#chained.has(up)) break;
      await syncDir(up);
      flushed.push(up);
    }
    // Only now: each of them has its chain up to the root flushed.
    if (this.#chained.size + flushed.length > MAX_REMEMBERED) this.#chained.clear();
    for (const done of flushed) this.#chained.add(done);
  }
}
