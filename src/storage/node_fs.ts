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
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import { resolve } from "node:path";
import { appendToHandle, appendToHandleSync } from "./_fs_append.ts";
import { type FileSystem, isNotFound, symlinkRefused, writeChunks } from "./_fs.ts";
import { FsStorage, type FsStorageOptions } from "./_fs_storage.ts";

export { defaultStorageRoot, FsStorage, type FsStorageOptions } from "./_fs_storage.ts";
// The file operations FsStorage is built on (implement them to keep traces on another file system).
export type { FileSystem } from "./_fs.ts";

/** `O_NOFOLLOW` where the platform has it (not on Windows). */
const NO_FOLLOW: number | undefined = constants.O_NOFOLLOW;
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (NO_FOLLOW ?? 0);

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Appends with one write on a handle opened with `O_APPEND` and `O_NOFOLLOW`, so a batch lands
 * whole even when another storage object or process appends to the same file (Node's own
 * `appendFile` writes in 512 KiB pieces), and a symbolic link is never followed. Without
 * `O_NOFOLLOW` (Windows) the link check is an `lstat` before opening.
 */
async function appendNoFollow(path: string, data: Uint8Array): Promise<void> {
  const handle = await openNoFollow(path);
  await appendToHandle({
    size: async () => (await handle.stat()).size,
    async readAt(position, length) {
      const buffer = new Uint8Array(length);
      return buffer.subarray(0, (await handle.read(buffer, 0, length, position)).bytesRead);
    },
    write: async (bytes) => (await handle.write(bytes, 0, bytes.byteLength, null)).bytesWritten,
    close: () => handle.close(),
  }, data);
}

async function openNoFollow(path: string): Promise<FileHandle> {
  if (NO_FOLLOW === undefined && await isSymlink(path)) throw symlinkRefused(path);
  try {
    return await open(path, APPEND_FLAGS, 0o666);
  } catch (error) {
    throw loopRefused(path, error);
  }
}

/** The error of a failed open: refused as a symbolic link for `ELOOP` (`O_NOFOLLOW`). */
function loopRefused(path: string, error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code === "ELOOP"
    ? symlinkRefused(path, error)
    : error;
}

/** {@linkcode appendNoFollow}, synchronously (for the moment a process ends). */
function appendNoFollowSync(path: string, data: Uint8Array, maybeWritten: number): void {
  if (NO_FOLLOW === undefined) {
    let link = false;
    try {
      link = lstatSync(path).isSymbolicLink();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (link) throw symlinkRefused(path);
  }
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, 0o666);
  } catch (error) {
    throw loopRefused(path, error);
  }
  appendToHandleSync(
    {
      size: () => fstatSync(fd).size,
      readAt(position, length) {
        const buffer = new Uint8Array(length);
        return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
      },
      write: (bytes) => writeSync(fd, bytes, 0, bytes.byteLength, null),
      close: () => closeSync(fd),
    },
    data,
    maybeWritten,
  );
}

/** Writes a whole file from bytes or chunks; with `sync`, then waits for `fdatasync` on it. */
async function writeWhole(
  path: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  sync?: boolean,
): Promise<void> {
  const handle = await open(path, "w", 0o666);
  try {
    await writeChunks(
      data,
      async (bytes) => (await handle.write(bytes, 0, bytes.byteLength, null)).bytesWritten,
      path,
    );
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
}

const nodeFileSystem: FileSystem = {
  resolve: (path) => resolve(path),
  appendFile: appendNoFollow,
  writeFile: writeWhole,
  async readFile(path) {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  rename: (from, to) => rename(from, to),
  // Not `rm`: it ignores a file deleted between its own check and its unlink, so two processes
  // removing one outbox entry would both be told they did.
  remove: (path) => unlink(path),
  mkdirp: async (path) => void await mkdir(path, { recursive: true }),
  readDir: (path) => readdir(path),
  mtime: async (path) => (await stat(path)).mtimeMs,
  appendFileSync: appendNoFollowSync,
  mkdirpSync: (path) => void mkdirSync(path, { recursive: true }),
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
