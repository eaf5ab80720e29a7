/**
 * In-memory storage: the default on every runtime and the adapter for tests. Nothing outlives the
 * process or isolate. Every part is bounded: line logs evict their oldest appends, blobs are
 * refused once `maxBlobBytes` is full (`putBlob` rejects, as a full disk does on the file-system
 * adapters, so a stored blob is never taken back from the references made to it), both counted
 * in {@linkcode MemoryStorage.stats} and reported once through diagnostics, and the outbox applies
 * its byte and entry bounds with the configured drop policy.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "@tracelet/tracelet/storage/memory";
 * const storage = new MemoryStorage({ outboxMaxBytes: 1024 * 1024 });
 * await storage.appendLines(["projects", "default", "run-1", "spans.jsonl"], ['{"name":"a"}']);
 * console.log(await storage.readLines(["projects", "default", "run-1", "spans.jsonl"]));
 * ```
 *
 * @module
 */

import { reportOnce } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { Fifo } from "../fifo.ts";
import { BoundedOutbox, type OutboxStore } from "./_outbox.ts";
import { outboxLimits } from "./_outbox_entries.ts";
import { checkLines, checkPath } from "./_sanitize.ts";
import type { Outbox, OutboxEntryInfo, OutboxOptions, StoragePath, TraceStorage } from "./types.ts";

/** Options of {@linkcode MemoryStorage}. */
export interface MemoryStorageOptions extends OutboxOptions {
  /**
   * Bound on the UTF-8 bytes of all log lines together (newlines included): the oldest appends
   * go first, and a line longer than the bound by itself is dropped alone. Default 16 MiB.
   */
  readonly maxLineBytes?: number | undefined;
  /**
   * Bound on the bytes of all blobs together: a blob that does not fit in what is left is refused
   * (`putBlob` rejects); stored blobs are never evicted. Default 32 MiB.
   */
  readonly maxBlobBytes?: number | undefined;
  /**
   * How many outbox entries one drain should deliver at most (the outbox's `maxDeliveriesPerDrain`
   * hint; the Workers preset sets 16, since every delivery is a subrequest). Default: the
   * exporter's own (256).
   */
  readonly maxDeliveriesPerDrain?: number | undefined;
}

/** What a {@linkcode MemoryStorage} holds and what its bounds dropped. */
export interface MemoryStorageStats {
  /** UTF-8 bytes of the stored log lines (newlines included). */
  readonly lineBytes: number;
  /** Bytes of the stored blobs. */
  readonly blobBytes: number;
  /** Lines dropped by `maxLineBytes` (evicted, or longer than it by themselves). */
  readonly droppedLines: number;
  /** Blobs refused by `maxBlobBytes` (their `putBlob` rejected). */
  readonly droppedBlobs: number;
}

interface Chunk {
  readonly key: string;
  readonly lines: readonly string[];
  readonly bytes: number;
}

function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair (2 code units) is 4 bytes
        i++;
        continue;
      }
    }
    if (c >= 0x80) bytes += c >= 0x800 ? 2 : 1;
  }
  return bytes;
}

function copy(bytes: Uint8Array | undefined): Uint8Array | undefined {
  return bytes === undefined ? undefined : new Uint8Array(bytes);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result <= 0) {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot configure memory storage: ${name} must be a positive integer`,
    );
  }
  return result;
}

class MemoryOutboxStore implements OutboxStore {
  readonly #entries = new Map<string, { info: OutboxEntryInfo; body: Uint8Array }>();

  list(): Promise<OutboxEntryInfo[]> {
    return Promise.resolve(Array.from(this.#entries.values(), (e) => e.info));
  }
  get(id: string): Promise<OutboxEntryInfo | undefined> {
    return Promise.resolve(this.#entries.get(id)?.info);
  }
  readBody(id: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(copy(this.#entries.get(id)?.body));
  }
  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    this.#entries.set(info.id, { info, body: new Uint8Array(body) });
    return Promise.resolve();
  }
  rewrite(info: OutboxEntryInfo): Promise<void> {
    const entry = this.#entries.get(info.id);
    if (entry !== undefined) entry.info = info;
    return Promise.resolve();
  }
  remove(id: string): Promise<boolean> {
    return Promise.resolve(this.#entries.delete(id));
  }
}

/** A bounded, in-memory {@linkcode TraceStorage}. */
export class MemoryStorage implements TraceStorage {
  /** Always `memory`. */
  readonly kind: string = "memory";
  /** Always true: logs are kept within `maxLineBytes`, the oldest lines evicted. */
  readonly boundedLogs: boolean = true;
  /** The outbox, bounded by the outbox options. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #maxLineBytes: number;
  readonly #maxBlobBytes: number;
  readonly #logs = new Map<string, Fifo<Chunk>>(); // each log's appends, oldest first
  readonly #chunks = new Fifo<Chunk>(); // every log's appends, oldest first
  #lineBytes = 0;
  readonly #blobs = new Map<string, Uint8Array>();
  #blobBytes = 0;
  #droppedLines = 0;
  #droppedBlobs = 0;

  /**
   * Creates an empty storage.
   *
   * @param options Bounds for lines, blobs and the outbox.
   * @throws {TracerError} `INVALID_CONFIG` for a non-positive bound.
   */
  constructor(options: MemoryStorageOptions = {}) {
    this.#maxLineBytes = positive(options.maxLineBytes, 16 * 1024 * 1024, "maxLineBytes");
    this.#maxBlobBytes = positive(options.maxBlobBytes, 32 * 1024 * 1024, "maxBlobBytes");
    this.outbox = this.#outbox = new BoundedOutbox(new MemoryOutboxStore(), outboxLimits(options), {
      maxDeliveriesPerDrain: options.maxDeliveriesPerDrain,
      volatile: true,
    });
  }

  /**
   * Appends lines to a log, evicting the oldest appends of any log beyond `maxLineBytes`. A line
   * longer than `maxLineBytes` by itself is dropped alone (counted in `droppedLines`, reported
   * once as `storage_bound`); the other lines of the call are stored, and when they exceed the
   * bound together, its oldest lines go first, as older appends do.
   *
   * @param path The log's path segments (kept as an opaque key).
   * @param lines Lines without newlines.
   * @returns When stored.
   */
  appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    try {
      const key = JSON.stringify(checkPath(path));
      if (checkLines(lines).length === 0) return Promise.resolve();
      const max = this.#maxLineBytes;
      const kept: string[] = [];
      const sizes: number[] = [];
      let bytes = 0;
      for (const line of lines) {
        const size = utf8Length(line) + 1;
        if (size > max) {
          this.#dropLongLine(size);
          continue;
        }
        kept.push(line);
        sizes.push(size);
        bytes += size;
      }
      let first = 0; // each kept line fits alone, so at least one remains
      while (bytes > max) bytes -= sizes[first++]!;
      if (first > 0) this.#dropLines(first);
      if (kept.length === 0) return Promise.resolve();
      const chunk: Chunk = { key, lines: first === 0 ? kept : kept.slice(first), bytes };
      let log = this.#logs.get(key);
      if (log === undefined) this.#logs.set(key, log = new Fifo());
      log.push(chunk);
      this.#chunks.push(chunk);
      this.#lineBytes += bytes;
      while (this.#lineBytes > this.#maxLineBytes) this.#evictOldestChunk();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #evictOldestChunk(): void {
    const oldest = this.#chunks.shift()!; // an evicted chunk's lines are garbage at once
    const log = this.#logs.get(oldest.key)!;
    log.shift(); // the globally oldest chunk is always the first of its log
    if (log.length === 0) this.#logs.delete(oldest.key);
    this.#lineBytes -= oldest.bytes;
    this.#dropLines(oldest.lines.length);
  }

  #dropLongLine(bytes: number): void {
    this.#droppedLines++;
    reportOnce(
      "memory_storage:long_line",
      "warn",
      "storage_bound",
      `Memory storage dropped a log line of ${bytes} bytes: one line longer than maxLineBytes (${this.#maxLineBytes}); the other lines are kept`,
    );
  }

  #dropLines(count: number): void {
    this.#droppedLines += count;
    reportOnce(
      "memory_storage:lines",
      "warn",
      "storage_bound",
      `Memory storage dropped log lines: more than ${this.#maxLineBytes} bytes (maxLineBytes)`,
    );
  }

  /**
   * Reads a log's lines in append order.
   *
   * @param path The log's path segments.
   * @returns A copy of the lines, or `[]` when the log does not exist.
   */
  readLines(path: StoragePath): Promise<string[]> {
    try {
      const log = this.#logs.get(JSON.stringify(checkPath(path)));
      return Promise.resolve(
        log === undefined ? [] : log.toArray().flatMap((chunk) => chunk.lines),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stores a copy of the bytes if the key is absent. Stored blobs are kept for the storage's
   * lifetime: a blob that does not fit in what is left of `maxBlobBytes` is refused (counted in
   * `droppedBlobs`, reported once as `storage_bound`) and the call rejects, so the caller can keep
   * the data elsewhere (task objects stay inline, an artifact reports `artifact_failed`).
   *
   * @param key The blob key.
   * @param bytes The content.
   * @returns When stored.
   * @throws {RangeError} (as a rejection) When the blob does not fit in `maxBlobBytes`.
   */
  putBlob(key: string, bytes: Uint8Array): Promise<void> {
    if (typeof key !== "string" || !(bytes instanceof Uint8Array)) {
      return Promise.reject(
        new TypeError("Cannot put blob: expected a string key and a Uint8Array"),
      );
    }
    if (this.#blobs.has(key)) return Promise.resolve();
    if (bytes.byteLength > this.#maxBlobBytes - this.#blobBytes) {
      this.#dropBlob();
      return Promise.reject(
        new RangeError(
          `Cannot put blob ${key}: its ${bytes.byteLength} bytes do not fit in memory storage's ` +
            `maxBlobBytes (${this.#maxBlobBytes}, ${this.#blobBytes} in use)`,
        ),
      );
    }
    this.#blobs.set(key, new Uint8Array(bytes));
    this.#blobBytes += bytes.byteLength;
    return Promise.resolve();
  }

  #dropBlob(): void {
    this.#droppedBlobs++;
    reportOnce(
      "memory_storage:blobs",
      "warn",
      "storage_bound",
      `Memory storage refused blobs: more than ${this.#maxBlobBytes} bytes (maxBlobBytes); stored blobs are kept`,
    );
  }

  /**
   * Reads a copy of a blob.
   *
   * @param key The blob key.
   * @returns The bytes, or `undefined` when absent.
   */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return Promise.resolve(copy(this.#blobs.get(key)));
  }

  /**
   * Tells whether a blob exists.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  hasBlob(key: string): Promise<boolean> {
    return Promise.resolve(this.#blobs.has(key));
  }

  /**
   * Current sizes and drop counters.
   *
   * @returns A snapshot.
   */
  stats(): MemoryStorageStats {
    return {
      lineBytes: this.#lineBytes,
      blobBytes: this.#blobBytes,
      droppedLines: this.#droppedLines,
      droppedBlobs: this.#droppedBlobs,
    };
  }

  /**
   * Nothing to release; resolves once queued outbox operations have settled. Idempotent.
   *
   * @returns When idle.
   */
  close(): Promise<void> {
    return this.#outbox.idle();
  }
}
