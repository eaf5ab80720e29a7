/**
 * {@linkcode KeyedStorage}: the one {@linkcode TraceStorage} of the R2 and KV adapters, over any
 * {@linkcode KeyedStore}. Neither binding can append, so every `appendLines` call writes one
 * chunk under the log's prefix and `readLines` lists the chunks and concatenates them in key
 * order. A chunk is one value, or, when larger than the store's largest value (KV), several
 * parts (`_cf_value_parts.ts`). A blob is one value; the outbox is one value per entry
 * (`_keyed_outbox.ts`). The key layout is described in `_cloudflare.ts`.
 *
 * Outbox leases (`peek`'s `lease` option) live in this storage object, so they keep drainers in
 * this isolate apart, not drainers in other isolates: for those, use the Durable Object adapter.
 *
 * @module
 */

import {
  blobKey,
  checkPrefix,
  CLOUDFLARE_DELIVERIES_PER_DRAIN,
  CLOUDFLARE_IDLE_RECHECK_MILLIS,
  copyBlob,
  logPrefix,
  mapLimit,
  newChunkKey,
  splitLines,
} from "./_cloudflare.ts";
import { chunkValues, isChunkKey, readChunk, writeChunk } from "./_cf_value_parts.ts";
import { KeyedOutboxStore } from "./_keyed_outbox.ts";
import { type KeyedStore, listAll } from "./_keyed_store.ts";
import { BoundedOutbox } from "./_outbox.ts";
import { outboxLimits } from "./_outbox_entries.ts";
import type { Outbox, OutboxOptions, StoragePath, TraceStorage } from "./types.ts";
import { utf8ExactDecoder } from "../utf8.ts";

/** Options of the keyed adapters. */
export interface KeyedStorageOptions extends OutboxOptions {
  /** Prefix of every key tracelet writes. Default `tracelet/`. */
  readonly prefix?: string | undefined;
}

/** How many chunks are read at once when reading a log. */
const READ_CONCURRENCY = 8;

/** A {@linkcode TraceStorage} over a {@linkcode KeyedStore} (an R2 bucket or a KV namespace). */
export class KeyedStorage implements TraceStorage {
  /** The adapter name, `cloudflare-r2` or `cloudflare-kv`. */
  readonly kind: string;
  /** The outbox: one value per batch under `<prefix>o/`; a drain should deliver at most 16. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #store: KeyedStore;
  readonly #prefix: string;
  readonly #maxValueBytes: number;

  /**
   * Creates storage over a keyed binding.
   *
   * @param store The binding, mapped to a {@linkcode KeyedStore}.
   * @param kind The adapter name (the `kind` property).
   * @param label The binding's short name for error messages, e.g. `R2`.
   * @param options Key prefix and outbox bounds.
   * @param maxValueBytes The largest value the store takes (at least 4 bytes): a larger chunk of
   *   lines is written in parts. Default: no bound.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(
    store: KeyedStore,
    kind: string,
    label: string,
    options: KeyedStorageOptions,
    maxValueBytes: number = Infinity,
  ) {
    this.kind = kind;
    this.#store = store;
    this.#maxValueBytes = maxValueBytes;
    this.#prefix = checkPrefix(options.prefix, label);
    const outbox = new KeyedOutboxStore(store, this.#prefix);
    this.outbox = this.#outbox = new BoundedOutbox(outbox, outboxLimits(options), {
      maxDeliveriesPerDrain: CLOUDFLARE_DELIVERIES_PER_DRAIN,
      idleRecheckMillis: CLOUDFLARE_IDLE_RECHECK_MILLIS,
    });
  }

  /**
   * Writes the lines as one new chunk under the log's prefix (in parts when larger than the
   * store's largest value; readers see it once whole).
   *
   * @param path The log's path segments.
   * @param lines Lines without newlines.
   * @returns When stored.
   */
  async appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    const key = newChunkKey(this.#prefix, path, lines);
    if (key !== undefined) {
      await writeChunk(this.#store, key, chunkValues(lines, this.#maxValueBytes));
    }
  }

  /**
   * Lists the log's chunks and concatenates their lines in order.
   *
   * @param path The log's path segments.
   * @returns The lines, or `[]` when the log does not exist.
   */
  async readLines(path: StoragePath): Promise<string[]> {
    const base = this.#prefix + logPrefix(path);
    const chunks = (await listAll(this.#store, base, true)).filter(({ key }) =>
      isChunkKey(key, base)
    );
    const values = await mapLimit(
      chunks,
      READ_CONCURRENCY,
      (chunk) => readChunk(this.#store, chunk),
    );
    return values.flatMap((
      value,
    ) => (value === undefined ? [] : splitLines(utf8ExactDecoder.decode(value))));
  }

  /**
   * Stores bytes under a key unless a value already exists there.
   *
   * @param key The blob key.
   * @param bytes The content (copied before the call returns).
   * @returns When stored.
   * @throws {TypeError} When the key is not a string or the bytes not a `Uint8Array`.
   */
  async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    const copy = copyBlob(key, bytes);
    const storeKey = this.#prefix + blobKey(key);
    if ((await this.#store.head(storeKey)) !== undefined) return;
    await this.#store.put(storeKey, copy.buffer);
  }

  /**
   * Reads a blob.
   *
   * @param key The blob key.
   * @returns The bytes, or undefined when absent.
   */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return this.#store.get(this.#prefix + blobKey(key));
  }

  /**
   * Tells whether a blob exists.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  async hasBlob(key: string): Promise<boolean> {
    return (await this.#store.head(this.#prefix + blobKey(key))) !== undefined;
  }

  /**
   * Waits for queued outbox operations. Idempotent; the binding needs no closing.
   *
   * @returns When idle.
   */
  close(): Promise<void> {
    return this.#outbox.idle();
  }
}
