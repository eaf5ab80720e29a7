/**
 * The blob half of the fs adapters: write-once blobs under a storage root, at
 * `artifacts/sha256/<h[0:2]>/<h[2:4]>/<h>` for a content-addressed key and `objects/<key>` for an
 * object key (segments mapped by `_sanitize.ts`).
 *
 * A blob is written to a temporary file in its directory and renamed into place (a blob given as
 * chunks is written a chunk at a time); a temporary file left by a killed process is removed once
 * older than ten minutes (each chunk written renews its modification time), by the first blob
 * write of a storage object in its directory. A content-addressed blob file that does not hold its
 * key's content (left empty by a power loss) is not stored: it is written again, and one left
 * empty reads as absent (`_fs_blob_check.ts`). A symbolic link at a blob's path is never read or
 * written through. With `durable`, a blob is flushed to the disk before its rename, and its
 * directory after it (`_fs_durable.ts`).
 *
 * @module
 */

import { type FileSystem, readIfExists, removeStaleTemps, writeAtomic } from "./_fs.ts";
import { BlobCheck, leftEmpty } from "./_fs_blob_check.ts";
import type { DirectorySync } from "./_fs_durable.ts";
import { parentOf } from "./_fs_paths.ts";
import type { FileTasks } from "./_fs_tasks.ts";
import { blobSegments } from "./_sanitize.ts";

/** Blob directories remembered as swept, per storage object (then the memory starts over). */
const MAX_SWEPT_DIRS = 4096;

/** The blobs of one fs storage object, under its root, scheduled with its other file operations. */
export class FsBlobs {
  readonly #fs: FileSystem;
  readonly #root: string;
  readonly #tasks: FileTasks;
  /** Set with `durable`: flushes directories that got a new name. */
  readonly #durable: DirectorySync | undefined;
  readonly #check: BlobCheck;
  readonly #swept = new Set<string>();

  /**
   * Creates the blob store; nothing is touched on disk until the first write.
   *
   * @param fs The file operations.
   * @param root The absolute storage root, without a trailing separator.
   * @param tasks The storage object's file operations (per-file order, open-file limit, `close`).
   * @param durable With `durable`, the storage object's directory flusher.
   */
  constructor(
    fs: FileSystem,
    root: string,
    tasks: FileTasks,
    durable: DirectorySync | undefined,
  ) {
    this.#fs = fs;
    this.#root = root;
    this.#tasks = tasks;
    this.#durable = durable;
    this.#check = new BlobCheck(fs);
  }

  #file(key: string): string {
    return `${this.#root}/${blobSegments(key).join("/")}`;
  }

  /**
   * Writes a blob atomically unless it is stored (see `FsStorage.putBlob`).
   *
   * @param key `sha256:<hex>` or an object key.
   * @param bytes The content (copied before the call returns).
   * @returns When stored.
   */
  put(key: string, bytes: Uint8Array): Promise<void> {
    try {
      if (!(bytes instanceof Uint8Array)) {
        throw new TypeError("Cannot put blob: bytes must be a Uint8Array");
      }
      return this.#putOnce(this.#file(key), key, new Uint8Array(bytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes a blob from chunks, one at a time, unless it is stored (see `FsStorage.putBlobStream`).
   *
   * @param key `sha256:<hex>` or an object key.
   * @param chunks The content, in order.
   * @returns When stored.
   */
  putStream(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      if (typeof chunks?.[Symbol.asyncIterator] !== "function") {
        throw new TypeError("Cannot put blob: chunks must be an async iterable");
      }
      return this.#putOnce(this.#file(key), key, chunks);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Writes a blob file atomically unless it is stored, then sweeps its directory (see put). */
  #putOnce(
    file: string,
    key: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<void> {
    return this.#tasks.run(file, async () => {
      const given = data instanceof Uint8Array ? data.byteLength : undefined;
      // Swept after a write of a blob already stored too: a killed write of the same content
      // left its temporary file in this directory.
      if (!(await this.#check.stored(file, key, given, "write"))) {
        const counted = { bytes: 0 };
        const sync = this.#durable !== undefined;
        const bytes = data instanceof Uint8Array ? data : counting(data, counted);
        await writeAtomic(this.#fs, file, bytes, sync);
        this.#check.written(file, given ?? counted.bytes);
        await this.#durable?.flush(parentOf(file));
      }
      this.#sweep(file);
    });
  }

  /**
   * Removes, in the background, the temporary files of blob writes killed long ago in a blob's
   * directory, the first time this object writes a blob there: an artifact's directory holds the
   * few blobs whose hash starts alike; `objects/` is listed once.
   */
  #sweep(file: string): void {
    const dir = parentOf(file);
    if (this.#swept.has(dir)) return;
    if (this.#swept.size >= MAX_SWEPT_DIRS) this.#swept.clear();
    this.#swept.add(dir);
    this.#tasks.background(() => removeStaleTemps(this.#fs, dir));
  }

  /**
   * Reads a blob after any queued put of the same key (see `FsStorage.getBlob`).
   *
   * @param key The blob key.
   * @returns The bytes, or `undefined` when absent (or a content-addressed blob left empty).
   */
  get(key: string): Promise<Uint8Array | undefined> {
    try {
      const file = this.#file(key);
      return this.#tasks.run(file, async () => {
        const bytes = await readIfExists(this.#fs, file);
        // Emptied by a power loss: not the content its key names.
        const emptied = bytes !== undefined && leftEmpty(key, bytes.byteLength);
        return emptied ? undefined : bytes;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Tells whether a blob is stored, after any queued put of the same key (see
   * `FsStorage.hasBlob`).
   *
   * @param key The blob key.
   * @returns True when present.
   */
  has(key: string): Promise<boolean> {
    try {
      const file = this.#file(key);
      return this.#tasks.run(file, () => this.#check.stored(file, key));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/** The chunks as given, their byte count added up in `counted`. */
async function* counting(
  chunks: AsyncIterable<Uint8Array>,
  counted: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    counted.bytes += chunk?.byteLength ?? 0;
    yield chunk;
  }
}
