/**
 * The tiny file-system interface behind the fs storage adapters, and the few helpers built on it
 * (not-found handling, directories on demand, atomic writes; appending lines is `_fs_append.ts`).
 * `node_fs.ts` and `deno_fs.ts` each implement {@linkcode FileSystem} with thin wrappers;
 * everything else is shared.
 *
 * @module
 */

import { reportOnce } from "../diagnostics.ts";
import { parentOf } from "./_fs_paths.ts";

/** What a path itself names, by `lstat` (a symbolic link is not followed). */
export interface FileFacts {
  /** It is a symbolic link. */
  readonly isSymlink: boolean;
  /** It is a regular file. */
  readonly isFile: boolean;
  /** Its size in bytes. */
  readonly size: number;
}

/**
 * The file operations the fs adapter needs. Errors are the runtime's own (see `isNotFound`). The
 * optional ones add safety or durability where a file system has them: without `lstat`, a
 * symbolic link at a blob is only refused when read; without `link`, outbox leases hold within
 * one process; without `syncDir`, the `durable` option flushes files but not directories.
 */
export interface FileSystem {
  /** Makes a path absolute against the current working directory. */
  resolve(path: string): string;
  /**
   * Appends bytes as one write on an append-mode handle, creating the file (not its directory).
   * The runtime adapters go through {@linkcode appendToHandle} (a line torn by a crash is ended
   * first; a failure part-way leaves what landed and says how many lines did, `linesWritten`)
   * and never write through a symbolic link: they reject with {@linkcode symlinkRefused}. With
   * `sync`, resolves only once the bytes are on the disk (`fdatasync`).
   */
  appendFile(path: string, data: Uint8Array, sync?: boolean): Promise<void>;
  /**
   * Creates or truncates a file with these bytes, or with these chunks in order (each written
   * before the next is read; see {@linkcode writeChunks}); with `sync`, resolves only once they
   * are on the disk (`fdatasync`), so a power loss cannot leave the file shorter than written.
   * When the chunks reject, so does the call, leaving a partial file.
   */
  writeFile(
    path: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    sync?: boolean,
  ): Promise<void>;
  /**
   * Reads a whole file. The runtime adapters never read through a symbolic link at the path: they
   * reject with {@linkcode symlinkRefused}.
   */
  readFile(path: string): Promise<Uint8Array>;
  /** Renames a file, replacing the target. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  remove(path: string): Promise<void>;
  /** Creates a directory and its parents; fine when it exists. */
  mkdirp(path: string): Promise<void>;
  /** Names of a directory's entries. */
  readDir(path: string): Promise<string[]>;
  /** Last modification time in epoch ms. */
  mtime(path: string): Promise<number>;
  /** What the path itself names, without following a symbolic link there. Optional. */
  lstat?(path: string): Promise<FileFacts>;
  /**
   * Makes `to` a hard link to the file `from`, rejecting (`EEXIST`, Deno's `AlreadyExists`) when
   * `to` exists: an exclusive create that readers never see half written. Optional.
   */
  link?(from: string, to: string): Promise<void>;
  /** Flushes a directory's entries to the disk (`fsync` on the directory). Optional. */
  syncDir?(path: string): Promise<void>;
  /**
   * Appends synchronously, as `appendFile` does, through {@linkcode appendToHandleSync}: for the
   * moment a process ends, when nothing can be awaited. Optional (both runtime adapters have it).
   */
  appendFileSync?(path: string, data: Uint8Array, maybeWritten: number, sync?: boolean): void;
  /** Creates a directory and its parents synchronously; fine when it exists. Optional. */
  mkdirpSync?(path: string): void;
}

/**
 * Writes bytes, or chunks one at a time in order, through `write` (which may write fewer bytes
 * than given; the rest is written next). Memory stays bounded by one chunk.
 *
 * @param data The bytes or the chunks.
 * @param write Writes at the file's current position; returns how many bytes it wrote.
 * @param path The file, for error messages.
 * @returns When every byte is written.
 * @throws {TypeError} When a chunk is not a `Uint8Array`.
 */
export async function writeChunks(
  data: Uint8Array | AsyncIterable<Uint8Array>,
  write: (bytes: Uint8Array) => Promise<number>,
  path: string,
): Promise<void> {
  for await (const chunk of data instanceof Uint8Array ? [data] : data) {
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(`Cannot write ${path}: a chunk is not a Uint8Array`);
    }
    for (let done = 0; done < chunk.byteLength;) {
      const written = await write(chunk.subarray(done));
      if (written <= 0) throw new Error(`Cannot write ${path}: the file system wrote nothing`);
      done += written;
    }
  }
}

/**
 * The error an append to, a read of or a blob write at a symbolic link rejects with (and its
 * once-per-path diagnostic, `storage_symlink_refused`): the link may point outside the storage
 * root.
 *
 * @param path The link's path.
 * @param cause The runtime's error, if any.
 * @param action What was refused: `append to` (the default), `read` or `write`.
 * @returns The error to throw.
 */
export function symlinkRefused(
  path: string,
  cause?: unknown,
  action: "append to" | "read" | "write" = "append to",
): Error {
  const message = `Cannot ${action} ${path}: it is a symbolic link (or a loop of them), and ` +
    "tracelet never reads or writes through one, since it may point outside the storage root; " +
    "remove it";
  reportOnce(path, "warn", "storage_symlink_refused", message);
  return new Error(message, { cause });
}

/**
 * True for a "no such file or directory" error from Node, Bun or Deno.
 *
 * @param error Anything thrown.
 * @returns Whether it means "not found".
 */
export function isNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown } | null;
  return typeof e === "object" && e !== null && (e.code === "ENOENT" || e.name === "NotFound");
}

/**
 * True for a "file exists" error from Node, Bun or Deno (an exclusive create or link).
 *
 * @param error Anything thrown.
 * @returns Whether it means "already exists".
 */
export function isAlreadyExists(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown } | null;
  return typeof e === "object" && e !== null &&
    (e.code === "EEXIST" || e.name === "AlreadyExists");
}

/**
 * Reads a file, or `undefined` when it does not exist.
 *
 * @param fs The file system.
 * @param path Absolute path.
 * @returns The bytes or `undefined`.
 */
export async function readIfExists(fs: FileSystem, path: string): Promise<Uint8Array | undefined> {
  try {
    return await fs.readFile(path);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * Deletes a file; a missing file is fine.
 *
 * @param fs The file system.
 * @param path Absolute path.
 * @returns When gone: true when this call deleted it, false when it was missing.
 */
export async function removeIfExists(fs: FileSystem, path: string): Promise<boolean> {
  try {
    await fs.remove(path);
    return true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return false;
  }
}

/**
 * Runs a write; when its directory is missing, creates the directory and runs it again.
 *
 * @param fs The file system.
 * @param path The absolute path `write` writes (built with `/` separators).
 * @param write The write.
 * @returns When written.
 */
export async function inDirectory(
  fs: FileSystem,
  path: string,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await fs.mkdirp(parentOf(path));
    await write();
  }
}

/**
 * Writes a file atomically: a temporary `.<name>.<random>.tmp` in the same directory (sanitized
 * names never start with `.`), then a rename over the target. Creates directories on demand. When
 * the write or the rename fails (`ENOSPC`, `EIO`, or chunks that reject), the temporary file is
 * removed and the target is left as it was; one left by a killed process is removed later by
 * {@linkcode removeStaleTemps} (every chunk written renews its modification time, so a long
 * write in progress is not taken for one).
 *
 * @param fs The file system.
 * @param path Absolute target path built with `/` separators.
 * @param data The bytes, or chunks (read once, one at a time).
 * @param sync Flush the bytes to the disk before the rename (see {@linkcode FileSystem.writeFile}).
 * @returns When the target holds the bytes.
 */
export async function writeAtomic(
  fs: FileSystem,
  path: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  sync = false,
): Promise<void> {
  const dir = parentOf(path);
  const random = crypto.getRandomValues(new Uint32Array(2)).join("");
  const temp = `${dir}/.${path.slice(dir.length + 1)}.${random}.tmp`;
  const write = () => fs.writeFile(temp, data, sync);
  try {
    if (data instanceof Uint8Array) {
      await inDirectory(fs, temp, write);
    } else {
      // Chunks can be read only once: no second attempt after "not found", which may also come
      // from the chunks' own source.
      await fs.mkdirp(dir);
      await write();
    }
    await fs.rename(temp, path);
  } catch (error) {
    await removeIfExists(fs, temp).catch(() => {});
    throw error;
  }
}

/**
 * Age after which a temporary file (or an outbox orphan) is taken as left by a killed process:
 * no write of tracelet's takes that long, so removing it never breaks a write in progress.
 */
export const STALE_MILLIS: number = 10 * 60 * 1000;

/**
 * True for the name of a temporary file of {@linkcode writeAtomic}.
 *
 * @param name A directory entry's name.
 * @returns Whether it is a `.<name>.<random>.tmp` file.
 */
export function isTempName(name: string): boolean {
  return name.startsWith(".") && name.endsWith(".tmp");
}

/**
 * Removes the named files of one directory that are older than {@linkcode STALE_MILLIS} (one
 * `stat` each). Never rejects: a file gone meanwhile is skipped; any other failure goes to
 * `onError` (and the file is left for a later sweep).
 *
 * @param fs The file system.
 * @param dir Absolute directory path.
 * @param names The names of the files to consider, in `dir`.
 * @param onError Told of a file that could not be checked or removed (not a missing one).
 * @returns When done.
 */
export async function removeStale(
  fs: FileSystem,
  dir: string,
  names: Iterable<string>,
  onError: (path: string, error: unknown) => void = () => {},
): Promise<void> {
  const cutoff = Date.now() - STALE_MILLIS;
  for (const name of names) {
    const path = `${dir}/${name}`;
    try {
      if (await fs.mtime(path) < cutoff) await removeIfExists(fs, path);
    } catch (error) {
      if (!isNotFound(error)) onError(path, error);
    }
  }
}

/**
 * Removes the temporary files of {@linkcode writeAtomic} older than {@linkcode STALE_MILLIS} in
 * one directory (not its subdirectories): one listing, then {@linkcode removeStale}. Never
 * rejects: a missing directory or a file that cannot be removed is left alone.
 *
 * @param fs The file system.
 * @param dir Absolute directory path.
 * @returns When done.
 */
export async function removeStaleTemps(fs: FileSystem, dir: string): Promise<void> {
  const names = await fs.readDir(dir).catch((): string[] => []);
  await removeStale(fs, dir, names.filter(isTempName));
}

/**
 * Tells whether a path exists (a symbolic link there exists, wherever it points, where the file
 * system has `lstat`).
 *
 * @param fs The file system.
 * @param path Absolute path.
 * @returns True when it exists.
 */
export async function exists(fs: FileSystem, path: string): Promise<boolean> {
  return await factsIfExists(fs, path) !== undefined;
}

/**
 * What a path itself names (by `lstat`), or `undefined` when nothing is there. On a file system
 * without `lstat`, an existing path is taken for a regular file of unknown size (`NaN`).
 *
 * @param fs The file system.
 * @param path Absolute path.
 * @returns The facts, or `undefined`.
 */
export async function factsIfExists(
  fs: FileSystem,
  path: string,
): Promise<FileFacts | undefined> {
  try {
    if (fs.lstat !== undefined) return await fs.lstat(path);
    await fs.mtime(path);
    return { isSymlink: false, isFile: true, size: NaN };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
