/**
 * Storage on a Cloudflare Workers KV namespace binding that you pass in. KV has no append, so
 * every `appendLines` call writes one key under the log's prefix and `readLines` lists and reads
 * them in order. Blobs are one key each (values up to 25 MiB); the outbox is one key per batch
 * with its metadata in the key's KV metadata, so listing the outbox reads no bodies.
 *
 * KV is eventually consistent: a write can take 60 s or more to be visible in other locations,
 * and a key can be written about once per second. That is fine for write-once blobs and for an
 * outbox drained from one place; for a strongly consistent outbox shared by many Workers use the
 * Durable Object adapter, and for large line logs prefer R2.
 *
 * @example
 * ```ts
 * import { KvStorage } from "@tracelet/tracelet/storage/cloudflare-kv";
 * import type { KVNamespaceLike } from "@tracelet/tracelet/storage/cloudflare-kv";
 *
 * // In your Worker: `export default worker;`
 * const worker = {
 *   async fetch(_request: Request, env: { TRACE_KV: KVNamespaceLike }): Promise<Response> {
 *     const storage = new KvStorage(env.TRACE_KV);
 *     await storage.putBlob("sha256:" + "ab".repeat(32), new Uint8Array([1, 2, 3]));
 *     return new Response("ok");
 *   },
 * };
 * ```
 *
 * @module
 */

import {
  blobKey,
  checkPrefix,
  decodeInfo,
  encodeInfo,
  joinLines,
  logPrefix,
  mapLimit,
  newChunkId,
  splitLines,
  toArrayBuffer,
} from "./_cloudflare.ts";
import { BoundedOutbox, isOutboxId, outboxLimits, type OutboxStore } from "./_outbox.ts";
import { checkLines } from "./_sanitize.ts";
import type { Outbox, OutboxEntryInfo, OutboxOptions, StoragePath, TraceStorage } from "./types.ts";

/** One key of a KV listing. */
export interface KVListKeyLike {
  /** The key. */
  readonly name: string;
  /** The key's metadata, if any. */
  readonly metadata?: unknown;
}

/** One page of a KV listing. */
export interface KVListResultLike {
  /** The keys of this page, in key order. */
  readonly keys: readonly KVListKeyLike[];
  /** True on the last page. */
  readonly list_complete: boolean;
  /** Where the next page starts. */
  readonly cursor?: string;
}

/** The part of a KV namespace binding (`KVNamespace`) tracelet uses. */
export interface KVNamespaceLike {
  /** Reads a value as bytes, or null when absent. */
  get(key: string, type: "arrayBuffer"): Promise<ArrayBuffer | null>;
  /** Reads a value and its metadata. */
  getWithMetadata(
    key: string,
    type: "arrayBuffer",
  ): Promise<{ readonly value: ArrayBuffer | null; readonly metadata: unknown }>;
  /** Writes a value with optional metadata. */
  put(key: string, value: ArrayBuffer | string, options?: { metadata?: unknown }): Promise<void>;
  /** Deletes a key. */
  delete(key: string): Promise<void>;
  /** Lists keys by prefix, in key order. */
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<KVListResultLike>;
}

/** Options of {@linkcode KvStorage}. */
export interface KvStorageOptions extends OutboxOptions {
  /** Prefix of every key tracelet writes. Default `tracelet/`. */
  readonly prefix?: string;
}

/** How many values are read at once when reading a log. */
const READ_CONCURRENCY = 8;

async function listAll(kv: KVNamespaceLike, prefix: string): Promise<KVListKeyLike[]> {
  const keys: KVListKeyLike[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix, cursor, limit: 1000 });
    keys.push(...page.keys);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined && cursor !== "");
  return keys.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function readBytes(kv: KVNamespaceLike, key: string): Promise<Uint8Array | undefined> {
  const value = await kv.get(key, "arrayBuffer");
  return value === null ? undefined : new Uint8Array(value);
}

class KvOutboxStore implements OutboxStore {
  readonly #kv: KVNamespaceLike;
  readonly #prefix: string;

  constructor(kv: KVNamespaceLike, prefix: string) {
    this.#kv = kv;
    this.#prefix = `${prefix}o/`;
  }

  async list(): Promise<OutboxEntryInfo[]> {
    const infos: OutboxEntryInfo[] = [];
    for (const key of await listAll(this.#kv, this.#prefix)) {
      const info = decodeInfo((key.metadata as { tracelet?: unknown } | undefined)?.tracelet);
      if (info !== undefined) infos.push(info);
    }
    return infos;
  }

  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    const { metadata } = await this.#kv.getWithMetadata(this.#prefix + id, "arrayBuffer");
    return decodeInfo((metadata as { tracelet?: unknown } | null)?.tracelet);
  }

  readBody(id: string): Promise<Uint8Array | undefined> {
    return readBytes(this.#kv, this.#prefix + id);
  }

  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    return this.#kv.put(this.#prefix + info.id, toArrayBuffer(body), {
      metadata: { tracelet: encodeInfo(info) },
    });
  }

  async rewrite(info: OutboxEntryInfo): Promise<void> {
    const body = await this.readBody(info.id);
    if (body !== undefined) await this.write(info, body);
  }

  async remove(id: string): Promise<void> {
    if (isOutboxId(id)) await this.#kv.delete(this.#prefix + id);
  }
}

/** A {@linkcode TraceStorage} on a KV namespace. */
export class KvStorage implements TraceStorage {
  /** Always `cloudflare-kv`. */
  readonly kind: string = "cloudflare-kv";
  /** The outbox: one key per batch under `<prefix>o/`. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #kv: KVNamespaceLike;
  readonly #prefix: string;

  /**
   * Creates KV storage over a namespace binding.
   *
   * @param kv The KV namespace binding (for example `env.TRACE_KV`).
   * @param options Key prefix and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(kv: KVNamespaceLike, options: KvStorageOptions = {}) {
    this.#kv = kv;
    this.#prefix = checkPrefix(options.prefix, "KV");
    this.#outbox = new BoundedOutbox(new KvOutboxStore(kv, this.#prefix), outboxLimits(options));
    this.outbox = this.#outbox;
  }

  /**
   * Writes the lines as one new key under the log's prefix.
   *
   * @param path The log's path segments.
   * @param lines Lines without newlines.
   * @returns When stored.
   */
  async appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    const prefix = logPrefix(path);
    if (checkLines(lines).length === 0) return;
    await this.#kv.put(this.#prefix + prefix + newChunkId(), joinLines(lines));
  }

  /**
   * Lists the log's keys and concatenates their lines in order.
   *
   * @param path The log's path segments.
   * @returns The lines, or `[]` when the log does not exist.
   */
  async readLines(path: StoragePath): Promise<string[]> {
    const keys = await listAll(this.#kv, this.#prefix + logPrefix(path));
    const texts = await mapLimit(keys, READ_CONCURRENCY, async (key) => {
      const value = await this.#kv.get(key.name, "arrayBuffer");
      return value === null ? undefined : new TextDecoder().decode(value);
    });
    return texts.flatMap((text) => (text === undefined ? [] : splitLines(text)));
  }

  /**
   * Stores bytes under a key unless it already exists.
   *
   * @param key The blob key.
   * @param bytes The content.
   * @returns When stored.
   */
  async putBlob(key: string, bytes: Uint8Array): Promise<void> {
    if (typeof key !== "string" || !(bytes instanceof Uint8Array)) {
      throw new TypeError("Cannot put blob: expected a string key and a Uint8Array");
    }
    const copy = toArrayBuffer(bytes);
    const kvKey = this.#prefix + blobKey(key);
    if ((await this.#kv.get(kvKey, "arrayBuffer")) !== null) return;
    await this.#kv.put(kvKey, copy);
  }

  /**
   * Reads a blob.
   *
   * @param key The blob key.
   * @returns The bytes, or undefined when absent.
   */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return readBytes(this.#kv, this.#prefix + blobKey(key));
  }

  /**
   * Tells whether a blob exists.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  async hasBlob(key: string): Promise<boolean> {
    return (await this.#kv.get(this.#prefix + blobKey(key), "arrayBuffer")) !== null;
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
