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
  fdatasyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from "node:fs";
import {
  type FileHandle,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  rename,
  stat,
  unlink,
} from "node:fs/promises";
import process from "node:process";
import { resolve } from "node:path";
import { appendToHandle, appendToHandleSync } from "./_fs_append.ts";
import { type FileSystem, isNotFound, symlinkRefused, writeChunks } from "./_fs.ts";
import { FsStorage, type FsStorageOptions } from "./_fs_storage.ts";

export { defaultStorageRoot, FsStorage, type FsStorageOptions } from "./_fs_storage.ts";
// The file operations FsStorage is built on (implement them to keep traces on another file system).
export type { FileFacts, FileSystem } from "./_fs.ts";

/** `O_NOFOLLOW` where the platform has it (not on Windows). */
const NO_FOLLOW: number | undefined = constants.O_NOFOLLOW;
const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (NO_FOLLOW ?? 0);
const READ_FLAGS = constants.O_RDONLY | (NO_FOLLOW ?? 0);
/** Windows cannot open a directory to flush it (its file systems keep entries safe themselves). */
const SYNCS_DIRECTORIES = process.platform !== "win32";

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
 * `O_NOFOLLOW` (Windows) the link check is an `lstat` before opening. With `sync`, `fdatasync`
 * before resolving.
 */
async function appendNoFollow(path: string, data: Uint8Array, sync?: boolean): Promise<void> {
  const handle = await openNoFollow(path, APPEND_FLAGS, "append to");
  await appendToHandle(
    {
      size: async () => (await handle.stat()).size,
      async readAt(position, length) {
        const buffer = new Uint8Array(length);
        return buffer.subarray(0, (await handle.read(buffer, 0, length, position)).bytesRead);
      },
      write: async (bytes) => (await handle.write(bytes, 0, bytes.byteLength, null)).bytesWritten,
      sync: () => handle.datasync(),
      close: () => handle.close(),
    },
    data,
    sync,
  );
}

async function openNoFollow(
  path: string,
  flags: number,
  action: "append to" | "read",
): Promise<FileHandle> {
  if (NO_FOLLOW === undefined && await isSymlink(path)) {
    throw symlinkRefused(path, undefined, action);
  }
  try {
    return await open(path, flags, 0o666);
  } catch (error) {
    throw loopRefused(path, error, action);
  }
}

/** Reads a whole file, never through a symbolic link at the path (`O_NOFOLLOW`). */
async function readNoFollow(path: string): Promise<Uint8Array> {
  const handle = await openNoFollow(path, READ_FLAGS, "read");
  try {
    const buffer = await handle.readFile();
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries to the disk; nothing to do on Windows. */
async function syncDir(path: string): Promise<void> {
  if (!SYNCS_DIRECTORIES) return;
  const handle = await open(path, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The error of a failed open: refused as a symbolic link for `ELOOP` (`O_NOFOLLOW`). */
function loopRefused(path: string, error: unknown, action: "append to" | "read"): unknown {
  return (error as { code?: unknown } | null)?.code === "ELOOP"
    ? symlinkRefused(path, error, action)
    : error;
}

/** {@linkcode appendNoFollow}, synchronously (for the moment a process ends). */
function appendNoFollowSync(
  path: string,
  data: Uint8Array,
  maybeWritten: number,
  sync?: boolean,
): void {
  if (NO_FOLLOW === undefined) {
    let isLink = false;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (isLink) throw symlinkRefused(path);
  }
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, 0o666);
  } catch (error) {
    throw loopRefused(path, error, "append to");
  }
  appendToHandleSync(
    {
      size: () => fstatSync(fd).size,
      readAt(position, length) {
        const buffer = new Uint8Array(length);
        return buffer.subarray(0, readSync(fd, buffer, 0, length, position));
      },
      write: (bytes) => writeSync(fd, bytes, 0, bytes.byteLength, null),
      sync: () => fdatasyncSync(fd),
      close: () => closeSync(fd),
    },
    data,
    maybeWritten,
    sync,
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
  readFile: readNoFollow,
  rename: (from, to) => rename(from, to),
  // Not `rm`: it ignores a file deleted between its own check and its unlink, so two processes
  // removing one outbox entry would both be told they did.
  remove: (path) => unlink(path),
  mkdirp: async (path) => void await mkdir(path, { recursive: true }),
  readDir: (path) => readdir(path),
  mtime: async (path) => (await stat(path)).mtimeMs,
  async lstat(path) {
    const facts = await lstat(path);
    return { isSymlink: facts.isSymbolicLink(), isFile: facts.isFile(), size: facts.size };
  },
  link: (from, to) => link(from, to),
  syncDir,
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
   * @param options `root` (default {@linkcode defaultStorageRoot}), `durable` (flush every write
   *   to the disk, see {@linkcode FsStorageOptions.durable}) and outbox bounds.
   */
  constructor(options: FsStorageOptions = {}) {
    super(nodeFileSystem, "node-fs", options);
  }
}
