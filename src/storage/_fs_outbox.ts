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
 * is never an entry, and every listing deletes it. Nothing is cached in memory, so several
 * instances (or processes) on one root see each other's entries.
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
import type { OutboxStore } from "./_outbox.ts";
import { isOutboxId, toOutboxInfo } from "./_outbox_entries.ts";
import type { OutboxEntryInfo } from "./types.ts";
import { utf8Decoder, utf8Encoder } from "../utf8.ts";

/** An {@linkcode OutboxStore} in a directory. */
export class FsOutboxStore implements OutboxStore {
  readonly #fs: FileSystem;
  readonly #dir: string;
  #swept = false;

  /**
   * Creates the store; the directory is created on the first write.
   *
   * @param fs The file operations.
   * @param dir Absolute directory of the outbox (created on the first write).
   */
  constructor(fs: FileSystem, dir: string) {
    this.#fs = fs;
    this.#dir = dir;
  }

  #path(id: string, extension: "bin" | "json"): string {
    return `${this.#dir}/${id}.${extension}`;
  }

  /**
   * Reads every entry's metadata; sweeps old orphans on the first call.
   *
   * @returns The metadata, in directory order.
   */
  async list(): Promise<OutboxEntryInfo[]> {
    let names: string[];
    try {
      names = await this.#fs.readDir(this.#dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const infos: OutboxEntryInfo[] = [];
    const listed = new Set(names);
    for (const name of names) {
      const id = name.slice(0, -".json".length);
      if (!name.endsWith(".json") || !isOutboxId(id)) continue;
      const info = await this.get(id);
      if (info === undefined) continue;
      // The body is written before the metadata, so it is missing only once removed (a listing
      // can also miss a file created while it runs: look again before deleting anything).
      if (!listed.has(`${id}.bin`) && !(await exists(this.#fs, this.#path(id, "bin")))) {
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

  /** Removes old orphan bodies, corrupt metadata and temporary files (see the module docs). */
  #sweep(names: readonly string[], live: ReadonlySet<string>): Promise<void> {
    const stale = names.filter((name) => {
      const id = name.replace(/\.(bin|json)$/, "");
      // A body without metadata, corrupt metadata, or a temporary file.
      return isOutboxId(id) && !live.has(id) || isTempName(name);
    });
    return removeStale(this.#fs, this.#dir, stale, (path, error) => {
      report("warn", "outbox_sweep_failed", `Cannot remove ${path}`, error);
    });
  }

  /**
   * Reads one entry's metadata. A corrupt metadata file is reported and treated as absent.
   *
   * @param id The entry id.
   * @returns The metadata or `undefined`.
   */
  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    const path = this.#path(id, "json");
    const bytes = await readIfExists(this.#fs, path);
    if (bytes === undefined) return undefined;
    try {
      return toOutboxInfo(id, JSON.parse(utf8Decoder.decode(bytes)), "read");
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

  #writeInfo(info: OutboxEntryInfo): Promise<void> {
    const bytes = utf8Encoder.encode(JSON.stringify(info));
    return writeAtomic(this.#fs, this.#path(info.id, "json"), bytes);
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
    const removed = await removeIfExists(this.#fs, this.#path(id, "json"));
    await removeIfExists(this.#fs, this.#path(id, "bin"));
    return removed;
  }
}
