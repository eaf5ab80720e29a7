/**
 * File-system storage for Deno, on Deno's own file APIs (reached through
 * `src/runtime/_globals.ts` with local structural types, so no Deno types are needed to compile
 * it). Same layout and semantics as `node_fs.ts`: both are the one adapter in `_fs_storage.ts`.
 *
 * Importing this module never fails; constructing {@linkcode DenoFsStorage} outside Deno throws a
 * `TracerError` with code `WRONG_RUNTIME`.
 *
 * Permissions: `--allow-read` and `--allow-write` for the root, `--allow-env=TRACELET_HOME` for
 * the default root (without it the variable is treated as unset).
 *
 * @example
 * ```ts
 * import { DenoFsStorage } from "@tracelet/tracelet/storage/deno-fs";
 * const storage = new DenoFsStorage({ root: "./.tracelet" });
 * await storage.appendLines(["projects", "default", "run-1", "spans.jsonl"], ['{"name":"a"}']);
 * await storage.close();
 * ```
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import { type DenoGlobal, getDeno } from "../runtime/_globals.ts";
import { type DenoAccess, requireAccess } from "../runtime/_deno_access.ts";
import { appendToHandle, appendToHandleSync } from "./_fs_append.ts";
import { type FileSystem, isNotFound, symlinkRefused, writeChunks } from "./_fs.ts";
import { resolvePath } from "./_fs_paths.ts";
import { FsStorage, type FsStorageOptions } from "./_fs_storage.ts";

export { defaultStorageRoot, FsStorage, type FsStorageOptions } from "./_fs_storage.ts";
// The file operations FsStorage is built on (implement them to keep traces on another file system).
export type { FileFacts, FileSystem } from "./_fs.ts";

/** The part of `Deno.FsFile` an append, a read and a synced write use. */
interface DenoFile {
  stat(): Promise<FileIdentity & { readonly size: number }>;
  seek(offset: number, whence: 0): Promise<number>;
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  syncData(): Promise<void>;
  sync(): Promise<void>;
  close(): void;
}

/** The part of `Deno.FsFile` a synchronous append uses. */
interface DenoSyncFile {
  statSync(): FileIdentity & { readonly size: number };
  seekSync(offset: number, whence: 0): number;
  readSync(buffer: Uint8Array): number | null;
  writeSync(data: Uint8Array): number;
  syncDataSync(): void;
  close(): void;
}

/** Which file it is: its device and inode (null where the platform has none, on Windows). */
interface FileIdentity {
  readonly dev: number | null;
  readonly ino: number | null;
}

/** What a path names, by `lstat`. */
type NamedFile = FileIdentity & {
  readonly isSymlink: boolean;
  readonly isFile: boolean;
  readonly size: number;
};

/** The Deno file APIs this adapter calls (a structural subset of the `Deno` namespace). */
interface DenoFileApi extends DenoGlobal {
  open(
    path: string,
    options:
      | { read: boolean }
      | { read: boolean; append: boolean; create: boolean }
      | { write: boolean; truncate: boolean; create: boolean },
  ): Promise<DenoFile>;
  link(from: string, to: string): Promise<void>;
  lstat(path: string): Promise<NamedFile>;
  openSync(
    path: string,
    options: { read: boolean; append: boolean; create: boolean },
  ): DenoSyncFile;
  lstatSync(path: string): NamedFile;
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  writeFile(path: string, data: Uint8Array, options?: { append?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  readDir(path: string): AsyncIterable<{ readonly name: string }>;
  stat(path: string): Promise<{ readonly mtime: Date | null }>;
}

async function isSymlink(deno: DenoFileApi, path: string): Promise<boolean> {
  try {
    return (await deno.lstat(path)).isSymlink;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/**
 * Whether the file opened is the one the path names, and no symbolic link: compared by inode
 * where files have them.
 */
function sameFile(opened: FileIdentity, named: NamedFile): boolean {
  return !named.isSymlink &&
    (opened.ino === null || (opened.ino === named.ino && opened.dev === named.dev));
}

/**
 * Appends with one write on a handle opened in append mode. Deno cannot open a file with
 * `O_NOFOLLOW`, so a symbolic link is refused by an `lstat` just before opening, and, where files
 * have inodes, by comparing the opened file with what the path names after opening: a link put in
 * place in between (and taken away again) is refused before anything is written. Opening it may
 * still have created the link's target, empty.
 */
async function append(
  deno: DenoFileApi,
  path: string,
  data: Uint8Array,
  sync?: boolean,
): Promise<void> {
  if (await isSymlink(deno, path)) throw symlinkRefused(path);
  const file = await deno.open(path, { read: true, append: true, create: true });
  let openedSize: number | undefined;
  try {
    const [opened, named] = await Promise.all([file.stat(), deno.lstat(path)]);
    openedSize = opened.size;
    if (!sameFile(opened, named)) throw symlinkRefused(path);
  } catch (error) {
    file.close();
    throw error;
  }
  await appendToHandle(
    {
      // The size the identity check just read serves the first call (one stat less an append).
      size: async () => {
        const size = openedSize ?? (await file.stat()).size;
        openedSize = undefined;
        return size;
      },
      async readAt(position, length) {
        await file.seek(position, 0);
        return await readUpTo(file, length);
      },
      write: (bytes) => file.write(bytes),
      sync: () => file.syncData(),
      close: () => Promise.resolve(file.close()),
    },
    data,
    sync,
  );
}

/** Reads from the file's position until `length` bytes or its end. */
async function readUpTo(file: DenoFile, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let read = 0;
  while (read < length) {
    const n = await file.read(buffer.subarray(read));
    if (n === null || n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}

/**
 * Reads a whole file, never through a symbolic link at the path: refused by an `lstat` before
 * opening, and, where files have inodes, by comparing the opened file with what the path names
 * after opening (as {@linkcode append} does).
 */
async function readNoFollow(deno: DenoFileApi, path: string): Promise<Uint8Array> {
  if (await isSymlink(deno, path)) throw symlinkRefused(path, undefined, "read");
  const file = await deno.open(path, { read: true });
  try {
    const [opened, named] = await Promise.all([file.stat(), deno.lstat(path)]);
    if (!sameFile(opened, named)) throw symlinkRefused(path, undefined, "read");
    const parts: Uint8Array[] = [];
    let total = 0;
    // One byte more than the size: a read that comes back short has met the end.
    for (let want = opened.size + 1;; want = 64 * 1024) {
      const part = await readUpTo(file, want);
      parts.push(part);
      total += part.byteLength;
      if (part.byteLength < want) break;
    }
    if (parts.length === 1) return parts[0];
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.byteLength;
    }
    return bytes;
  } finally {
    file.close();
  }
}

/** Flushes a directory's entries to the disk; nothing to do on Windows. */
async function syncDir(deno: DenoFileApi, path: string): Promise<void> {
  if (deno.build?.os === "windows") return;
  const dir = await deno.open(path, { read: true });
  try {
    await dir.sync();
  } finally {
    dir.close();
  }
}

/** {@linkcode append}, synchronously (for the moment a process ends). */
function appendSync(
  deno: DenoFileApi,
  path: string,
  data: Uint8Array,
  maybeWritten: number,
  sync?: boolean,
): void {
  let link = false;
  try {
    link = deno.lstatSync(path).isSymlink;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  if (link) throw symlinkRefused(path);
  const file = deno.openSync(path, { read: true, append: true, create: true });
  try {
    if (!sameFile(file.statSync(), deno.lstatSync(path))) throw symlinkRefused(path);
  } catch (error) {
    file.close();
    throw error;
  }
  appendToHandleSync(
    {
      size: () => file.statSync().size,
      readAt(position, length) {
        const buffer = new Uint8Array(length);
        file.seekSync(position, 0);
        let read = 0;
        while (read < length) {
          const n = file.readSync(buffer.subarray(read));
          if (n === null || n === 0) break;
          read += n;
        }
        return buffer.subarray(0, read);
      },
      write: (bytes) => file.writeSync(bytes),
      sync: () => file.syncDataSync(),
      close: () => file.close(),
    },
    data,
    maybeWritten,
    sync,
  );
}

/** Writes a whole file from bytes or chunks; with `sync`, then waits for `fdatasync` on it. */
async function writeWhole(
  deno: DenoFileApi,
  path: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  sync?: boolean,
): Promise<void> {
  const file = await deno.open(path, { write: true, truncate: true, create: true });
  try {
    await writeChunks(data, (bytes) => file.write(bytes), path);
    if (sync) await file.syncData();
  } finally {
    file.close();
  }
}

/**
 * Deno's file APIs as a {@linkcode FileSystem}. Every operation first asks Deno for the
 * permissions it needs without prompting (see `runtime/_deno_access.ts`): run in a terminal
 * without `--allow-read` / `--allow-write` for the root, an append fails at once with Deno's
 * `NotCapable` error instead of stopping the program to ask.
 */
function denoFileSystem(deno: DenoFileApi): FileSystem {
  const read = (path: string): DenoAccess => ({ name: "read", path });
  const write = (path: string): DenoAccess => ({ name: "write", path });
  return {
    // Normalized, as node:path's resolve does: `lr` and `./lr` are one root (one lease table).
    resolve: (path) => resolvePath(deno.cwd(), path, deno.build?.os === "windows"),
    async appendFile(path, data, sync) {
      requireAccess(deno, read(path), write(path));
      await append(deno, path, data, sync);
    },
    async writeFile(path, data, sync) {
      requireAccess(deno, write(path));
      await writeWhole(deno, path, data, sync);
    },
    async readFile(path) {
      requireAccess(deno, read(path));
      return await readNoFollow(deno, path);
    },
    async rename(from, to) {
      requireAccess(deno, read(from), write(from), write(to));
      await deno.rename(from, to);
    },
    async remove(path) {
      requireAccess(deno, write(path));
      await deno.remove(path);
    },
    async mkdirp(path) {
      requireAccess(deno, write(path));
      await deno.mkdir(path, { recursive: true });
    },
    async readDir(path) {
      requireAccess(deno, read(path));
      const names: string[] = [];
      for await (const entry of deno.readDir(path)) names.push(entry.name);
      return names;
    },
    async mtime(path) {
      requireAccess(deno, read(path));
      return (await deno.stat(path)).mtime?.getTime() ?? Date.now();
    },
    async lstat(path) {
      requireAccess(deno, read(path));
      const { isSymlink, isFile, size } = await deno.lstat(path);
      return { isSymlink, isFile, size };
    },
    async link(from, to) {
      requireAccess(deno, read(from), write(from), read(to), write(to));
      await deno.link(from, to);
    },
    async syncDir(path) {
      requireAccess(deno, read(path));
      await syncDir(deno, path);
    },
    appendFileSync(path, data, maybeWritten, sync) {
      requireAccess(deno, read(path), write(path));
      appendSync(deno, path, data, maybeWritten, sync);
    },
    mkdirpSync(path) {
      requireAccess(deno, write(path));
      deno.mkdirSync(path, { recursive: true });
    },
  };
}

/**
 * Storage on a directory through Deno's file APIs.
 *
 * @example
 * ```ts
 * import { DenoFsStorage } from "@tracelet/tracelet/storage/deno-fs";
 * const storage = new DenoFsStorage({ outboxMaxBytes: 4 * 1024 * 1024 });
 * ```
 */
export class DenoFsStorage extends FsStorage {
  /**
   * Creates the adapter; nothing is touched on disk until the first write.
   *
   * @param options `root` (default {@linkcode defaultStorageRoot}), `durable` (flush every write
   *   to the disk, see {@linkcode FsStorageOptions.durable}) and outbox bounds.
   * @throws {TracerError} `WRONG_RUNTIME` when not running on Deno.
   */
  constructor(options: FsStorageOptions = {}) {
    const deno = getDeno() as DenoFileApi | undefined;
    if (typeof deno?.writeFile !== "function") {
      throw new TracerError(
        "WRONG_RUNTIME",
        "Cannot create deno-fs storage: the Deno namespace is missing; on Node and Bun use " +
          'NodeFsStorage from "@tracelet/tracelet/storage/node-fs"',
      );
    }
    super(denoFileSystem(deno), "deno-fs", options);
  }
}
