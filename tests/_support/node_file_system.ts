/**
 * `node:fs/promises` as the {@linkcode FileSystem} of the fs storage adapters, plain (no append
 * handle, no symbolic-link checks), for tests that build an `FsStorage` on a file system with one
 * operation changed: spread it and replace that operation.
 *
 * @module
 */
import {
  appendFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from "node:fs/promises";
import { resolve } from "node:path";
import type { FileSystem } from "../../src/storage/_fs.ts";

/**
 * The operations of {@linkcode FileSystem} on `node:fs/promises`, one call each (chunks to write
 * are joined first).
 *
 * @example
 * ```ts
 * const fullDisk: FileSystem = {
 *   ...nodeFileSystem,
 *   writeFile: () => Promise.reject(new Error("ENOSPC")),
 * };
 * const storage = new FsStorage(fullDisk, "full-disk", { root });
 * ```
 */
export const nodeFileSystem: FileSystem = {
  resolve: (path) => resolve(path),
  appendFile: (path, data) => appendFile(path, data),
  async writeFile(path, data) {
    let bytes = new Uint8Array(0);
    for await (const chunk of data instanceof Uint8Array ? [data] : data) {
      const joined = new Uint8Array(bytes.byteLength + chunk.byteLength);
      joined.set(bytes);
      joined.set(chunk, bytes.byteLength);
      bytes = joined;
    }
    await writeFile(path, bytes);
  },
  readFile: async (path) => new Uint8Array(await readFile(path)),
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path),
  mkdirp: async (path) => void await mkdir(path, { recursive: true }),
  readDir: (path) => readdir(path),
  mtime: async (path) => (await stat(path)).mtimeMs,
};
