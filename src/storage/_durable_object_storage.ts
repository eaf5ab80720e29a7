/**
 * {@linkcode DurableObjectTraceStorage}: a {@linkcode TraceStorage} over the transactional
 * key-value storage of a Durable Object (`state.storage`), usable only inside a Durable Object.
 *
 * Layout under the prefix (see `_cloudflare.ts` for `<log>` and `<blob path>`):
 * - `l/<log>/~/<chunk id>/<part>`: one append, as UTF-8 parts;
 * - `b/<blob path>` → `{ size, parts }`, bytes at `d/<blob path>/<part>`;
 * - `o/<id>` → the outbox entry's metadata, body at `q/<id>/<part>`.
 *
 * Values are split into parts of at most 96 KiB, below the 128 KiB value limit of key-value backed
 * Durable Objects. A write of up to 128 keys is one atomic `put`; metadata is written last, so a
 * reader never sees a half-written blob or outbox entry.
 *
 * @module
 */

import {
  blobKey,
  checkPrefix,
  CLOUDFLARE_DELIVERIES_PER_DRAIN,
  CLOUDFLARE_IDLE_RECHECK_MILLIS,
  copyBlob,
  joinLines,
  logPrefix,
  newChunkKey,
  splitLines,
} from "./_cloudflare.ts";
import { BoundedOutbox, type OutboxStore } from "./_outbox.ts";
import { isOutboxId, outboxLimits } from "./_outbox_entries.ts";
import { OutboxLeases } from "./_outbox_leases.ts";
import type { Outbox, OutboxEntryInfo, OutboxOptions, StoragePath, TraceStorage } from "./types.ts";
import { utf8Encoder, utf8ExactDecoder } from "../utf8.ts";

/** The part of a Durable Object's storage API (`DurableObjectStorage`) tracelet uses. */
export interface DurableObjectStorageLike {
  /** Reads one value. */
  get(key: string): Promise<unknown>;
  /** Writes up to 128 keys atomically. */
  put(entries: Record<string, unknown>): Promise<void>;
  /** Deletes up to 128 keys. */
  delete(keys: string[]): Promise<number>;
  /** Lists keys in order. */
  list(
    options: { prefix?: string; startAfter?: string; limit?: number },
  ): Promise<Map<string, unknown>>;
}

/** Options of {@linkcode DurableObjectTraceStorage}. */
export interface DurableObjectTraceStorageOptions extends OutboxOptions {
  /** Prefix of every key tracelet writes. Default `tracelet/`. */
  readonly prefix?: string | undefined;
}

/** Largest stored value part, in bytes. */
export const PART_BYTES: number = 96 * 1024;
/** Most keys written or deleted in one call (the Durable Object limit). */
const MAX_KEYS = 128;

interface BlobMeta {
  readonly size: number;
  readonly parts: number;
}

const partKey = (base: string, index: number): string =>
  `${base}/${String(index).padStart(6, "0")}`;

async function listAll(
  storage: DurableObjectStorageLike,
  prefix: string,
): Promise<[string, unknown][]> {
  const all: [string, unknown][] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await storage.list({ prefix, startAfter, limit: 1000 });
    for (const entry of page) all.push(entry);
    if (page.size < 1000) return all;
    startAfter = all[all.length - 1][0];
  }
}

async function putAll(
  storage: DurableObjectStorageLike,
  entries: [string, unknown][],
): Promise<void> {
  for (let i = 0; i < entries.length; i += MAX_KEYS) {
    await storage.put(Object.fromEntries(entries.slice(i, i + MAX_KEYS)));
  }
}

async function deleteAll(storage: DurableObjectStorageLike, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += MAX_KEYS) await storage.delete(keys.slice(i, i + MAX_KEYS));
}

/** Splits bytes into `[partKey, part]` entries (at least one, possibly empty). */
function partEntries(base: string, bytes: Uint8Array): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (let offset = 0, i = 0; offset < bytes.byteLength || i === 0; offset += PART_BYTES, i++) {
    entries.push([partKey(base, i), bytes.slice(offset, offset + PART_BYTES)]);
  }
  return entries;
}

function concat(parts: readonly unknown[]): Uint8Array {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : new Uint8Array(0)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.byteLength;
  }
  return out;
}

async function readParts(storage: DurableObjectStorageLike, base: string): Promise<Uint8Array> {
  return concat((await listAll(storage, `${base}/`)).map(([, value]) => value));
}

class DurableObjectOutboxStore implements OutboxStore {
  readonly #storage: DurableObjectStorageLike;
  readonly #meta: string;
  readonly #body: string;

  constructor(storage: DurableObjectStorageLike, prefix: string) {
    this.#storage = storage;
    this.#meta = `${prefix}o/`;
    this.#body = `${prefix}q/`;
  }

  async list(): Promise<OutboxEntryInfo[]> {
    return (await listAll(this.#storage, this.#meta)).map(([, info]) => info as OutboxEntryInfo);
  }

  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    return (await this.#storage.get(this.#meta + id)) as OutboxEntryInfo | undefined;
  }

  async readBody(id: string): Promise<Uint8Array | undefined> {
    const info = await this.get(id);
    if (info === undefined) return undefined;
    const body = await readParts(this.#storage, this.#body + id);
    // Removed by another instance between the two reads (an ack): gone, not cut short.
    return body.length !== info.size && (await this.get(id)) === undefined ? undefined : body;
  }

  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    return putAll(this.#storage, [...partEntries(this.#body + info.id, body), [
      this.#meta + info.id,
      info,
    ]]);
  }

  rewrite(info: OutboxEntryInfo): Promise<void> {
    return this.#storage.put({ [this.#meta + info.id]: info });
  }

  /** Deletes an entry; true when it existed (the object runs one storage operation at a time). */
  async remove(id: string): Promise<boolean> {
    if (!isOutboxId(id)) return false;
    const existed = (await this.get(id)) !== undefined;
    const parts = (await listAll(this.#storage, `${this.#body + id}/`)).map(([key]) => key);
    await deleteAll(this.#storage, [this.#meta + id, ...parts]);
    return existed;
  }
}

/** Outbox leases per Durable Object storage and prefix, shared by every outbox over them. */
const leaseTables = new WeakMap<object, Map<string, OutboxLeases>>();

function leasesFor(storage: object, prefix: string): OutboxLeases {
  let byPrefix = leaseTables.get(storage);
  if (byPrefix === undefined) leaseTables.set(storage, byPrefix = new Map());
  let leases = byPrefix.get(prefix);
  if (leases === undefined) byPrefix.set(prefix, leases = new OutboxLeases());
  return leases;
}

/**
 * A {@linkcode TraceStorage} on a Durable Object's own storage (`state.storage`). Outbox leases
 * (`peek`'s `lease` option) are kept in the object's memory, shared by every instance over the
 * same storage and prefix, so every Worker that drains through the object sees them.
 */
export class DurableObjectTraceStorage implements TraceStorage {
  /** Always `durable-object`. */
  readonly kind: string = "durable-object";
  /** The outbox: strongly consistent and transactional; a drain should deliver at most 16. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #storage: DurableObjectStorageLike;
  readonly #prefix: string;

  /**
   * Creates storage over a Durable Object's own storage.
   *
   * @param storage The Durable Object's `state.storage` (or `ctx.storage`).
   * @param options Key prefix and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(storage: DurableObjectStorageLike, options: DurableObjectTraceStorageOptions = {}) {
    this.#storage = storage;
    this.#prefix = checkPrefix(options.prefix, "Durable Object");
    const outbox = new DurableObjectOutboxStore(storage, this.#prefix);
    this.outbox = this.#outbox = new BoundedOutbox(outbox, outboxLimits(options), {
      leases: leasesFor(storage, this.#prefix),
      maxDeliveriesPerDrain: CLOUDFLARE_DELIVERIES_PER_DRAIN,
      idleRecheckMillis: CLOUDFLARE_IDLE_RECHECK_MILLIS,
    });
  }

  /**
   * Writes the lines as one chunk (in parts, atomically up to 128 parts).
   *
   * @param path The log's path segments.
   * @param lines Lines without newlines.
   * @returns When stored.
   */
  async appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    const key = newChunkKey(this.#prefix, path, lines);
    if (key === undefined) return;
    await putAll(this.#storage, partEntries(key, utf8Encoder.encode(joinLines(lines))));
  }

  /**
   * Reads every chunk of a log in order.
   *
   * @param path The log's path segments.
   * @returns The lines, or `[]` when the log does not exist.
   */
  async readLines(path: StoragePath): Promise<string[]> {
    const base = this.#prefix + logPrefix(path);
    const chunks = new Map<string, unknown[]>();
    for (const [key, value] of await listAll(this.#storage, base)) {
      const chunk = key.slice(base.length, key.lastIndexOf("/"));
      const parts = chunks.get(chunk);
      if (parts === undefined) chunks.set(chunk, [value]);
      else parts.push(value);
    }
    return [...chunks.values()].flatMap((parts) =>
      splitLines(utf8ExactDecoder.decode(concat(parts)))
    );
  }

  /**
   * Stores bytes under a key unless it already exists (parts first, then the metadata).
   *
   * @param key The blob key.
   * @param bytes The content.
   * @returns When stored.
   */
  async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    const copy = copyBlob(key, bytes);
    const path = blobKey(key).slice(2);
    if ((await this.#storage.get(`${this.#prefix}b/${path}`)) !== undefined) return;
    const parts = partEntries(`${this.#prefix}d/${path}`, copy);
    const meta: BlobMeta = { size: copy.byteLength, parts: parts.length };
    await putAll(this.#storage, [...parts, [`${this.#prefix}b/${path}`, meta]]);
  }

  /**
   * Reads a blob.
   *
   * @param key The blob key.
   * @returns The bytes, or undefined when absent.
   */
  async getBlob(key: string): Promise<Uint8Array | undefined> {
    const path = blobKey(key).slice(2);
    if ((await this.#storage.get(`${this.#prefix}b/${path}`)) === undefined) return undefined;
    return readParts(this.#storage, `${this.#prefix}d/${path}`);
  }

  /**
   * Tells whether a blob exists.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  async hasBlob(key: string): Promise<boolean> {
    return (await this.#storage.get(`${this.#prefix}b/${blobKey(key).slice(2)}`)) !== undefined;
  }

  /**
   * Waits for queued outbox operations. Idempotent.
   *
   * @returns When idle.
   */
  close(): Promise<void> {
    return this.#outbox.idle();
  }
}
