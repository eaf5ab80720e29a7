/**
 * File-system storage for Node and Bun (also fine on Deno), on `node:fs/promises`. Lines are
 * appended to files under the root, blobs and outbox entries are written atomically; see
 * `_fs_storage.ts` for the layout and `_sanitize.ts` for how path segments are mapped so nothing
 * is written outside the root.
 *
 * @example
 * ```ts
 * import { defaultStorageRoot, NodeFsStorage } from "@tracelet/tracelet/storage/node-fs";
 * const storage = new NodeFsStorage({ root: defaultStorageRoot() });
 * await storage.appendLines(["projects", "default", "run-1", "spans.jsonl"], ['{"name":"a"}']);
 * await storage.close();
 * ```
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
import type { FileSystem } from "./_fs.ts";
import { FsStorage, type FsStorageOptions } from "./_fs_storage.ts";

export { defaultStorageRoot, FsStorage, type FsStorageOptions } from "./_fs_storage.ts";

const nodeFileSystem: FileSystem = {
  resolve: (path) => resolve(path),
  appendFile: (path, data) => appendFile(path, data),
  writeFile: (path, data) => writeFile(path, data),
  async readFile(path) {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path),
  mkdirp: async (path) => void await mkdir(path, { recursive: true }),
  readDir: (path) => readdir(path),
  mtime: async (path) => (await stat(path)).mtimeMs,
};

/**
 * Storage on a directory through `node:fs/promises`.
 *
 * @example
 * ```ts
 * import { NodeFsStorage } from "@tracelet/tracelet/storage/node-fs";
 * const storage = new NodeFsStorage({ root: "./.tracelet", outboxMaxBytes: 4 * 1024 * 1024 });
 * ```
 */
export class NodeFsStorage extends FsStorage {
  /**
   * Creates the adapter; nothing is touched on disk until the first write.
   *
   * @param options `root` (default {@linkcode defaultStorageRoot}) and outbox bounds.
   */
  constructor(options: FsStorageOptions = {}) {
    super(nodeFileSystem, "node-fs", options);
  }
}
