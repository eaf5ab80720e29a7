/**
 * The one file-system storage adapter, written against a tiny {@linkcode FileSystem} interface
 * that `node_fs.ts` (node:fs/promises) and `deno_fs.ts` (Deno file APIs) implement.
 *
 * Layout under the root (every data segment mapped by `_sanitize.ts`):
 * - logs: the path segments as directories and file, e.g. `projects/<p>/<run>/spans.jsonl`;
 * - blobs: `artifacts/sha256/<h[0:2]>/<h[2:4]>/<h>` and `objects/<key>`;
 * - outbox: `outbox/<id>.bin` + `outbox/<id>.json` (see `_fs_outbox.ts`).
 *
 * Appends to one file go through a per-path promise chain, one `appendFile` per call, so a batch is
 * never interleaved with another batch of this process. No file handle stays open between calls,
 * and at most 16 log and blob operations run at once (a batch spread over many logs must not run
 * out of file descriptors). Blobs and outbox files are written to a temporary file in the same
 * directory and renamed.
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import { getCwd, getEnv } from "../runtime/_globals.ts";
import {
  exists,
  type FileSystem,
  inDirectory,
  readIfExists,
  trimSeparators,
  writeAtomic,
} from "./_fs.ts";
import { BoundedOutbox, outboxLimits } from "./_outbox.ts";
import { FsOutboxStore } from "./_fs_outbox.ts";
import { ConcurrencyLimit } from "./_limit.ts";
import { blobSegments, checkLines, sanitizePath } from "./_sanitize.ts";
import { SerialQueue } from "./_serial.ts";
import type { Outbox, OutboxOptions, StoragePath, TraceStorage } from "./types.ts";
import { utf8Decoder, utf8Encoder } from "../utf8.ts";

/** Options of the file-system adapters. */
export interface FsStorageOptions extends OutboxOptions {
  /** Root directory: a non-empty path. Default: {@linkcode defaultStorageRoot}. */
  readonly root?: string;
}

/** The most log and blob operations in flight per adapter. */
const MAX_OPEN_FILES = 16;

/**
 * The default root: the `TRACELET_HOME` environment variable when set and non-empty, else
 * `.tracelet` in the current working directory.
 *
 * @returns The root directory path.
 */
export function defaultStorageRoot(): string {
  const home = getEnv("TRACELET_HOME");
  if (home !== undefined && home !== "") return home;
  const cwd = getCwd();
  return cwd === undefined ? ".tracelet" : `${trimSeparators(cwd)}/.tracelet`;
}

/** A {@linkcode TraceStorage} on a directory tree, over any {@linkcode FileSystem}. */
export class FsStorage implements TraceStorage {
  /** The adapter name, `node-fs` or `deno-fs`. */
  readonly kind: string;
  /** The absolute root directory; nothing is written outside it. */
  readonly root: string;
  /** The on-disk outbox under `<root>/outbox`. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #fs: FileSystem;
  readonly #serial = new SerialQueue();
  readonly #limit = new ConcurrencyLimit(MAX_OPEN_FILES);

  /**
   * Creates the adapter over a file system; nothing is touched on disk until the first write.
   *
   * @param fs The file operations.
   * @param kind The adapter name.
   * @param options Root and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a root that is not a non-empty string without NUL
   *   characters, or a bad outbox bound.
   */
  constructor(fs: FileSystem, kind: string, options: FsStorageOptions = {}) {
    const root = options.root ?? defaultStorageRoot();
    if (typeof root !== "string" || root === "" || root.includes("\u0000")) {
      throw new TracerError(
        "INVALID_CONFIG",
        `Cannot create ${kind} storage: the root (\`root\` or TRACELET_HOME) must be a non-empty path without NUL characters`,
      );
    }
    this.#fs = fs;
    this.kind = kind;
    this.root = trimSeparators(fs.resolve(root));
    const store = new FsOutboxStore(fs, `${this.root}/outbox`);
    this.outbox = this.#outbox = new BoundedOutbox(store, outboxLimits(options));
  }

  #file(segments: readonly string[]): string {
    return `${this.root}/${segments.join("/")}`;
  }

  /** Runs a file operation after earlier ones on the same file, within the open-file limit. */
  #run<T>(file: string, task: () => Promise<T>): Promise<T> {
    return this.#serial.run(file, () => this.#limit.run(task));
  }

  /**
   * Appends lines with one `appendFile` call, after earlier appends to the same file.
   *
   * @param path The log's path segments (sanitized).
   * @param lines Lines without newlines.
   * @returns When written.
   */
  appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    try {
      const file = this.#file(sanitizePath(path));
      if (checkLines(lines).length === 0) return Promise.resolve();
      const data = utf8Encoder.encode(lines.join("\n") + "\n");
      return this.#run(
        file,
        () => inDirectory(this.#fs, file, () => this.#fs.appendFile(file, data)),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads a log after every append queued before this call.
   *
   * @param path The log's path segments (sanitized).
   * @returns The lines, or `[]` when the log does not exist.
   */
  readLines(path: StoragePath): Promise<string[]> {
    try {
      const file = this.#file(sanitizePath(path));
      return this.#run(file, async () => {
        const text = utf8Decoder.decode(await readIfExists(this.#fs, file) ?? new Uint8Array());
        if (text === "") return [];
        const lines = text.split("\n");
        if (lines[lines.length - 1] === "") lines.pop();
        return lines;
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Writes a blob atomically unless the file exists.
   *
   * @param key `sha256:<hex>` or an object key.
   * @param bytes The content (copied before the call returns).
   * @returns When stored.
   */
  putBlob(key: string, bytes: Uint8Array): Promise<void> {
    try {
      if (!(bytes instanceof Uint8Array)) {
        throw new TypeError("Cannot put blob: bytes must be a Uint8Array");
      }
      const file = this.#file(blobSegments(key));
      const data = new Uint8Array(bytes);
      return this.#run(file, async () => {
        if (!(await exists(this.#fs, file))) await writeAtomic(this.#fs, file, data);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads a blob after any queued put of the same key.
   *
   * @param key The blob key.
   * @returns The bytes, or `undefined` when absent.
   */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    try {
      const file = this.#file(blobSegments(key));
      return this.#run(file, () => readIfExists(this.#fs, file));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Tells whether a blob exists, after any queued put of the same key.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  hasBlob(key: string): Promise<boolean> {
    try {
      const file = this.#file(blobSegments(key));
      return this.#run(file, () => exists(this.#fs, file));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Waits for every queued write. No handle stays open between calls, so nothing else to release.
   *
   * @returns When idle. Idempotent.
   */
  async close(): Promise<void> {
    await Promise.all([this.#serial.idle(), this.#outbox.idle()]);
  }
}
