/**
 * The one file-system storage adapter, written against a tiny {@linkcode FileSystem} interface
 * that `node_fs.ts` (node:fs/promises) and `deno_fs.ts` (Deno file APIs) implement.
 *
 * Layout under the root (every data segment mapped by `_sanitize.ts`):
 * - logs: the path segments as directories and file, e.g. `projects/<p>/<run>/spans.jsonl`;
 * - blobs: `artifacts/sha256/<h[0:2]>/<h[2:4]>/<h>` and `objects/<key>`;
 * - outbox: `outbox/<id>.bin` + `outbox/<id>.json` (see `_fs_outbox.ts`).
 *
 * Operations on one file go through one promise chain per absolute path, shared by every fs storage
 * object of the process (two objects on one root, as when `configure()` replaces a pipeline, still
 * append one batch after the other; see `_fs_tasks.ts`). Outbox leases are files beside the entries
 * (`_fs_outbox_leases.ts`), so storage objects, threads and processes draining one root never both
 * deliver one batch. Each batch is one write on an append-mode handle, so even another process's
 * batches never land in the middle of it; a last line torn by a crash is ended before the next
 * batch (see `appendToHandle`; another process's append still landing is waited for, not ended),
 * and symbolic links at a log or blob are never read or written through. A batch that fails
 * part-way (a full disk) is never cut back, which could cut another process's lines appended
 * meanwhile: its whole lines stay, the rejection says how many (`linesWritten`), and its torn last
 * piece is ended by the next append. No file handle stays open between calls, and at most 16 log
 * and blob operations of one storage object run at once (a batch spread over many logs must not run
 * out of file descriptors). Blobs and outbox files are written to a temporary file in the same
 * directory and renamed (outbox bodies flushed to the disk first; a blob given as chunks,
 * `putBlobStream`, is written a chunk at a time); a temporary file left by a killed process is
 * removed once older than ten minutes (each chunk written renews its modification time), by the
 * first blob write of a storage object in its directory (or the first outbox listing). A
 * content-addressed blob file that does not hold its key's content (left empty by a power loss) is
 * not stored: it is written again (blobs: `_fs_blobs.ts`). With `durable`, every write is flushed
 * to the disk before it resolves, and the directories that got a new name (see `_fs_durable.ts`).
 * Empty lines are not read back: a JSONL line is never empty.
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import { defaultStorageRoot } from "./_default_root.ts";
import { type FileSystem, inDirectory, isNotFound, readIfExists } from "./_fs.ts";
import { withLinesWritten } from "./_fs_append.ts";
import { FsBlobs } from "./_fs_blobs.ts";
import { DirectorySync } from "./_fs_durable.ts";
import { splitLogLines } from "./_fs_log_lines.ts";
import { FsOutboxLeases } from "./_fs_outbox_leases.ts";
import { parentOf, trimSeparators } from "./_fs_paths.ts";
import { FileTasks } from "./_fs_tasks.ts";
import { BoundedOutbox } from "./_outbox.ts";
import { OutboxLeases } from "./_outbox_leases.ts";
import { outboxLimits } from "./_outbox_entries.ts";
import { FsOutboxStore } from "./_fs_outbox.ts";
import { checkLines, sanitizePath } from "./_sanitize.ts";
import { encodeLines } from "./_encode_lines.ts";
import type { Outbox, OutboxOptions, StoragePath, TraceStorage } from "./types.ts";

export { defaultStorageRoot } from "./_default_root.ts";

/** Options of the file-system adapters. */
export interface FsStorageOptions extends OutboxOptions {
  /** Root directory: a non-empty path. Default: {@linkcode defaultStorageRoot}. */
  readonly root?: string | undefined;
  /**
   * Flush every write to the disk before it resolves, so what a flush acknowledged survives a
   * power loss, not only a crash of the process: each append is followed by `fdatasync` on its log
   * (so is a synchronous append at exit), a blob's or outbox entry's files are flushed before
   * their rename, and the directory that got the new name after it (the first time, the
   * directories above it too, up to the root). Slower: every flush waits for the disk. Default
   * `false` (outbox bodies are flushed anyway).
   */
  readonly durable?: boolean | undefined;
}

/** Logs remembered as flushed into their directory, per storage object (then it starts over). */
const MAX_DURABLE_LOGS = 4096;

/** A {@linkcode TraceStorage} on a directory tree, over any {@linkcode FileSystem}. */
export class FsStorage implements TraceStorage {
  /** The adapter name, `node-fs` or `deno-fs`. */
  readonly kind: string;
  /** The absolute root directory; nothing is written outside it. */
  readonly root: string;
  /** The on-disk outbox under `<root>/outbox`. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #leases: FsOutboxLeases | undefined;
  readonly #fs: FileSystem;
  readonly #tasks = new FileTasks();
  readonly #blobs: FsBlobs;
  /** Set with `durable`: flushes directories that got a new name. */
  readonly #durable: DirectorySync | undefined;
  /** Logs this object has appended to with `durable` (their directory entry flushed). */
  readonly #durableLogs = new Set<string>();

  /** Whether {@linkcode FsStorage.appendLinesSync} works: the file system appends synchronously. */
  get appendsSync(): boolean {
    return this.#fs.appendFileSync !== undefined && this.#fs.mkdirpSync !== undefined;
  }

  /**
   * Creates the adapter over a file system; nothing is touched on disk until the first write.
   *
   * @param fs The file operations.
   * @param kind The adapter name.
   * @param options Root, `durable` and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a root that is not a non-empty string without NUL
   *   characters, a `durable` that is not a boolean, or a bad outbox bound.
   */
  constructor(fs: FileSystem, kind: string, options: FsStorageOptions = {}) {
    const root = options.root ?? defaultStorageRoot();
    if (typeof root !== "string" || root === "" || root.includes("\u0000")) {
      throw new TracerError(
        "INVALID_CONFIG",
        `Cannot create ${kind} storage: the root (\`root\` or TRACELET_HOME) must be a non-empty path without NUL characters`,
      );
    }
    if (options.durable !== undefined && typeof options.durable !== "boolean") {
      throw new TracerError(
        "INVALID_CONFIG",
        `Cannot create ${kind} storage: \`durable\` must be true or false`,
      );
    }
    this.#fs = fs;
    this.kind = kind;
    this.root = trimSeparators(fs.resolve(root));
    this.#durable = options.durable === true ? new DirectorySync(fs, this.root) : undefined;
    this.#blobs = new FsBlobs(fs, this.root, this.#tasks, this.#durable);
    const dir = `${this.root}/outbox`;
    const store = new FsOutboxStore(fs, dir, this.#durable);
    const memory = new OutboxLeases(`fs:${dir}`); // shared with every fs storage on this root
    const link = fs.link?.bind(fs);
    // On disk too where the file system can link: seen by every thread and process.
    this.#leases = link === undefined ? undefined : new FsOutboxLeases(fs, link, dir, memory);
    const leases = this.#leases ?? memory;
    this.outbox = this.#outbox = new BoundedOutbox(store, outboxLimits(options), { leases });
  }

  #file(segments: readonly string[]): string {
    return `${this.root}/${segments.join("/")}`;
  }

  /**
   * Appends lines with one `appendFile` call, after earlier appends to the same file.
   *
   * @param path The log's path segments (sanitized).
   * @param lines Lines without newlines.
   * @returns When written. A rejection after part of the lines landed (a full disk) carries
   *   `linesWritten`, how many of the first lines are in the log whole (see `TraceStorage`).
   */
  appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    try {
      const file = this.#file(sanitizePath(path));
      if (checkLines(lines).length === 0) return Promise.resolve();
      const data = encodeLines(lines);
      const sync = this.#durable !== undefined;
      return this.#tasks.run(file, async () => {
        await inDirectory(this.#fs, file, () => this.#fs.appendFile(file, data, sync));
        try {
          await this.#flushNewLog(file);
        } catch (error) {
          throw withLinesWritten(error, lines.length); // in the log, its name maybe not on disk
        }
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** With `durable`, flushes a log's directory the first time this object appends to the log. */
  async #flushNewLog(file: string): Promise<void> {
    if (this.#durable === undefined || this.#durableLogs.has(file)) return;
    await this.#durable.flush(parentOf(file));
    if (this.#durableLogs.size >= MAX_DURABLE_LOGS) this.#durableLogs.clear();
    this.#durableLogs.add(file);
  }

  /**
   * Appends lines synchronously, to the same file as {@linkcode FsStorage.appendLines} (same
   * path mapping, same checks, a symbolic link refused alike) but not after the appends queued
   * for it: for the moment a process ends, when nothing can be awaited (the events layer writes
   * the event lines it still holds with it on `exit`). The first `maybeWritten` lines are an
   * append that may have landed already (one still running as the process ends): they are
   * written only when the log does not end with them.
   *
   * @param path The log's path segments (sanitized).
   * @param lines Lines without newlines.
   * @param maybeWritten How many of the first lines may be at the end of the log already.
   * @throws {TypeError} For lines that are not strings or hold a newline, or when the file system
   *   has no synchronous append; else the runtime's error when the append fails.
   */
  appendLinesSync(path: StoragePath, lines: readonly string[], maybeWritten: number = 0): void {
    const fs = this.#fs;
    if (fs.appendFileSync === undefined || fs.mkdirpSync === undefined) {
      throw new TypeError(`Cannot append synchronously: this ${this.kind} file system cannot`);
    }
    const file = this.#file(sanitizePath(path));
    if (checkLines(lines).length === 0) return;
    const unsure = Math.min(Math.max(Math.trunc(maybeWritten) || 0, 0), lines.length);
    const head = encodeLines(lines.slice(0, unsure)).byteLength;
    const data = encodeLines(lines);
    const sync = this.#durable !== undefined;
    try {
      fs.appendFileSync(file, data, head, sync);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      fs.mkdirpSync(parentOf(file));
      fs.appendFileSync(file, data, head, sync);
    }
  }

  /**
   * Reads a log after every append queued before this call; a symbolic link at the log's path is
   * refused (`storage_symlink_refused`), as for appends.
   *
   * @param path The log's path segments (sanitized).
   * @returns The lines, or `[]` when the log does not exist.
   */
  readLines(path: StoragePath): Promise<string[]> {
    try {
      const file = this.#file(sanitizePath(path));
      return this.#tasks.run(file, async () => {
        const bytes = await readIfExists(this.#fs, file);
        return bytes === undefined ? [] : splitLogLines(bytes, file);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes a blob atomically unless it is stored (a content-addressed one must hold its key's
   * content: one left empty by a power loss is written again); then, the first time in its
   * directory (also when it was stored), removes temporary files there older than ten minutes
   * (left by a killed process). A symbolic link at the blob's path is refused.
   *
   * @param key `sha256:<hex>` or an object key.
   * @param bytes The content (copied before the call returns).
   * @returns When stored.
   */
  putBlob(key: string, bytes: Uint8Array): Promise<void> {
    return this.#blobs.put(key, bytes);
  }

  /**
   * Like {@linkcode FsStorage.putBlob}, from chunks read and written one at a time (memory stays
   * bounded by one chunk): the temporary file is renamed into place only after the last chunk,
   * flushed to the disk first only with `durable` (as `putBlob`). When the blob is stored,
   * `chunks` is not read.
   * When `chunks` rejects, or the write fails, the temporary file is removed and nothing is
   * stored.
   *
   * @param key `sha256:<hex>` or an object key.
   * @param chunks The content, in order.
   * @returns When stored.
   */
  putBlobStream(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    return this.#blobs.putStream(key, chunks);
  }

  /**
   * Reads a blob after any queued put of the same key; a symbolic link at its path is refused. A
   * content-addressed blob left empty (by a power loss) reads as absent.
   *
   * @param key The blob key.
   * @returns The bytes, or `undefined` when absent.
   */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return this.#blobs.get(key);
  }

  /**
   * Tells whether a blob is stored, after any queued put of the same key: a content-addressed
   * one only when its file holds its key's content (see `_fs_blob_check.ts`).
   *
   * @param key The blob key.
   * @returns True when present.
   */
  hasBlob(key: string): Promise<boolean> {
    return this.#blobs.has(key);
  }

  /**
   * Waits for every queued write, then ends the outbox leases this object still holds (so another
   * process need not wait for them to end). No handle stays open between calls.
   *
   * @returns When idle. Idempotent.
   */
  async close(): Promise<void> {
    await Promise.all([this.#tasks.idle(), this.#outbox.idle()]);
    await this.#leases?.releaseAll();
  }
}
