/**
 * The outbox store of the fs adapters: one directory, two files per entry.
 *
 * - `<id>.bin`: the body bytes;
 * - `<id>.json`: the metadata (`OutboxEntryInfo` as JSON, including `size`).
 *
 * Ids come from `newOutboxId`, so file names sort oldest first and are safe. Both files are written
 * atomically (temporary file + rename), the body first: the `.json` file is the commit marker, so
 * an entry exists exactly when its metadata file does and its body is still there. The body is
 * flushed to the disk before its rename, so a power loss does not cut it short under committed
 * metadata (the outbox's `peek` drops a body whose length differs from `size` anyway). Removal
 * deletes the metadata first. A crash between the two steps leaves an orphan body (or a temporary
 * file); orphans and corrupt metadata files are deleted by the first listing of a later instance
 * once older than ten minutes. Updating an entry rewrites its metadata only while its body
 * exists; a metadata file whose body is gone (an update that raced an ack in another instance)
 * is never an entry, and every listing deletes it.
 *
 * With the `durable` option, the metadata is flushed to the disk too, before its rename, and the
 * directory after it, so an entry that `write` committed survives a power loss.
 *
 * Leases of entries (`_fs_outbox_leases.ts`) live in the same directory: `<id>.lease` and
 * `<id>.<token>.end`, swept with the orphans once their entry is gone.
 *
 * Several instances (or processes) on one root see each other's entries: every listing reads the
 * directory. The metadata of the entries it lists is kept in memory, so a listing reads only the
 * metadata files it has not seen (a few at a time) instead of all of them; an id whose metadata
 * file is no longer listed is forgotten. Only the retry fields of an entry can change (an update,
 * maybe by another instance), so the store says `listsOldRetryFields` and the outbox's `peek` reads
 * the metadata of an entry again before it relies on them.
 *
 * @module
 */

import { report, reportOnce } from "../diagnostics.ts";
import {
  exists,
  type FileSystem,
  isNotFound,
  isTempName,
  readIfExists,
  removeIfExists,
  removeStale,
  writeAtomic,
} from "./_fs.ts";
import type { DirectorySync } from "./_fs_durable.ts";
import { ConcurrencyLimit } from "./_limit.ts";
import type { OutboxStore } from "./_outbox.ts";
import { isOutboxId, toOutboxInfo } from "./_outbox_entries.ts";
import type { OutboxEntryInfo } from "./types.ts";
import { utf8Decoder, utf8Encoder } from "../utf8.ts";

/** How many metadata files a listing reads at once. */
const READS_AT_ONCE = 8;

/** An {@linkcode OutboxStore} in a directory. */
export class FsOutboxStore implements OutboxStore {
  /** Always true: listings return the retry fields as last read or written here. */
  readonly listsOldRetryFields = true;
  readonly #fs: FileSystem;
  readonly #dir: string;
  /** The metadata of the entries this store has read or written, by id. */
  readonly #known = new Map<string, OutboxEntryInfo>();
  readonly #durable: DirectorySync | undefined;
  #swept = false;

  /**
   * Creates the store; the directory is created on the first write.
   *
   * @param fs The file operations.
   * @param dir Absolute directory of the outbox (created on the first write).
   * @param durable With it, metadata files are flushed to the disk, and the directory through it.
   */
  constructor(fs: FileSystem, dir: string, durable?: DirectorySync) {
    this.#fs = fs;
    this.#dir = dir;
    this.#durable = durable;
  }

  #path(id: string, extension: "bin" | "json"): string {
    return `${this.#dir}/${id}.${extension}`;
  }

  /**
   * Lists every entry's metadata: reads the directory, and the metadata files not read before;
   * sweeps old orphans on the first call.
   *
   * @returns The metadata, in directory order; the retry fields as last read or written here.
   */
  async list(): Promise<OutboxEntryInfo[]> {
    let names: string[];
    try {
      names = await this.#fs.readDir(this.#dir);
    } catch (error) {
      if (isNotFound(error)) {
        this.#known.clear();
        return [];
      }
      throw error;
    }
    const listed = new Set(names);
    const ids = names.filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length)).filter(isOutboxId);
    for (const id of this.#known.keys()) {
      if (!listed.has(`${id}.json`)) this.#known.delete(id); // removed, maybe by another instance
    }
    await this.#readUnknown(ids);
    const infos: OutboxEntryInfo[] = [];
    for (const id of ids) {
      const info = this.#known.get(id);
      if (info === undefined) continue; // corrupt, or removed since the listing
      // The body is written before the metadata, so it is missing only once removed (a listing
      // can also miss a file created while it runs: look again before deleting anything).
      if (!listed.has(`${id}.bin`) && !(await exists(this.#fs, this.#path(id, "bin")))) {
        this.#known.delete(id);
        await removeIfExists(this.#fs, this.#path(id, "json"));
        continue;
      }
      infos.push(info);
    }
    if (!this.#swept) {
      this.#swept = true;
      await this.#sweep(names, new Set(infos.map((info) => info.id)));
    }
    return infos;
  }

  /** Reads the metadata of the ids not known yet, a few at a time; rejects with the first error. */
  async #readUnknown(ids: readonly string[]): Promise<void> {
    const limit = new ConcurrencyLimit(READS_AT_ONCE);
    const reads = ids.filter((id) => !this.#known.has(id)).map((id) =>
      limit.run(() => this.get(id))
    );
    // Every read settles before the listing goes on: none is left running into the next call.
    for (const read of await Promise.allSettled(reads)) {
      if (read.status === "rejected") throw read.reason;
    }
  }

  /**
   * Removes old orphan bodies, corrupt metadata, leases of gone entries and temporary files (see
   * the module docs).
   */
  #sweep(names: readonly string[], live: ReadonlySet<string>): Promise<void> {
    const stale = names.filter((name) => {
      const dot = name.indexOf(".");
      const id = dot === -1 ? name : name.slice(0, dot);
      // A body without metadata, corrupt metadata, a lease or its marker, or a temporary file.
      return isOutboxId(id) && !live.has(id) || isTempName(name);
    });
    return removeStale(this.#fs, this.#dir, stale, (path, error) => {
      report("warn", "outbox_sweep_failed", `Cannot remove ${path}`, error);
    });
  }

  /**
   * Reads one entry's metadata from its file (and keeps it for listings). A corrupt metadata file
   * is reported and treated as absent.
   *
   * @param id The entry id.
   * @returns The metadata or `undefined`.
   */
  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    this.#known.delete(id); // until read again
    const path = this.#path(id, "json");
    const bytes = await readIfExists(this.#fs, path);
    if (bytes === undefined) return undefined;
    try {
      return this.#keep(toOutboxInfo(id, JSON.parse(utf8Decoder.decode(bytes)), "read"));
    } catch (error) {
      reportOnce(
        path,
        "warn",
        "outbox_corrupt",
        `Cannot read outbox entry ${path}: skipped`,
        error,
      );
      return undefined;
    }
  }

  /**
   * Reads one entry's body.
   *
   * @param id The entry id.
   * @returns The bytes or `undefined`.
   */
  readBody(id: string): Promise<Uint8Array | undefined> {
    return readIfExists(this.#fs, this.#path(id, "bin"));
  }

  /**
   * Writes the body, flushed to the disk, then the metadata (the commit marker): after a power
   * loss the metadata does not point at a body cut short (where the file system keeps the order
   * of renames; a body whose length still differs from `size` is dropped by the outbox's `peek`).
   *
   * @param info The metadata.
   * @param body The body.
   * @returns When both files are in place.
   */
  async write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    await writeAtomic(this.#fs, this.#path(info.id, "bin"), body, true);
    await this.#writeInfo(info);
  }

  async #writeInfo(info: OutboxEntryInfo): Promise<void> {
    this.#known.delete(info.id); // until written: a failed write may have left the old file
    const bytes = utf8Encoder.encode(JSON.stringify(info));
    await writeAtomic(this.#fs, this.#path(info.id, "json"), bytes, this.#durable !== undefined);
    await this.#durable?.flush(this.#dir);
    this.#keep(info);
  }

  /** Keeps an entry's metadata for listings; returns it. */
  #keep(info: OutboxEntryInfo): OutboxEntryInfo {
    this.#known.set(info.id, info);
    return info;
  }

  /**
   * Replaces the metadata file, unless the body is gone (the entry was removed meanwhile, maybe
   * by another instance: writing the metadata again would bring back an entry without a body).
   *
   * @param info The metadata.
   * @returns When written, or skipped.
   */
  async rewrite(info: OutboxEntryInfo): Promise<void> {
    if (await exists(this.#fs, this.#path(info.id, "bin"))) await this.#writeInfo(info);
  }

  /**
   * Deletes the metadata, then the body.
   *
   * @param id The entry id.
   * @returns When both are gone: whether this call deleted the entry (its metadata file; only
   *   one of several processes removing it at once can).
   */
  async remove(id: string): Promise<boolean> {
    this.#known.delete(id);
    const removed = await removeIfExists(this.#fs, this.#path(id, "json"));
    await removeIfExists(this.#fs, this.#path(id, "bin"));
    return removed;
  }
}
