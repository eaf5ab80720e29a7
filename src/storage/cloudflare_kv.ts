/**
 * Storage on a Cloudflare Workers KV namespace binding that you pass in. KV has no append, so
 * every `appendLines` call writes one key under the log's prefix and `readLines` lists and reads
 * them in order. Blobs are one key each (values up to 25 MiB); the outbox is one key per batch
 * with its metadata in the key's KV metadata, so listing the outbox reads no bodies.
 *
 * A line chunk larger than 20 MiB (one `appendLines` call) is written as several values that
 * `readLines` joins, since KV takes values up to 25 MiB; it reads back once all are written.
 *
 * KV is eventually consistent: a write can take 60 s or more to be visible in other locations,
 * and a key can be written about once per second. That is fine for write-once blobs and for an
 * outbox drained from one place; for a strongly consistent outbox shared by many Workers use the
 * Durable Object adapter (its leases keep two Workers from delivering one batch twice; here they
 * only keep drainers of one isolate apart), and for large line logs prefer R2.
 *
 * KV cannot change metadata alone: a failed redelivery reads the entry and writes it back (two
 * operations). A drain should deliver at most 16 entries (`outbox.maxDeliveriesPerDrain`), so it
 * stays well within a Worker invocation's 1000 KV operations.
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

import type { KeyedMetadata, KeyedStore } from "./_keyed_store.ts";
import { KeyedStorage } from "./_keyed_storage.ts";
import { KV_MAX_VALUE_BYTES } from "./_cf_value_parts.ts";
import type { OutboxOptions } from "./types.ts";

export { KeyedStorage } from "./_keyed_storage.ts";
export type { KeyedStorageOptions } from "./_keyed_storage.ts";
// The store interface KeyedStorage is built on: implement it to keep traces in another key-value
// store (S3, a database) with the same line, blob and outbox layout.
export type { KeyedEntry, KeyedMetadata, KeyedPage, KeyedStore } from "./_keyed_store.ts";

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
  readonly cursor?: string | undefined;
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
  readonly prefix?: string | undefined;
}

/** The KV namespace as a {@linkcode KeyedStore} (tracelet's metadata is a string record). */
function kvStore(kv: KVNamespaceLike): KeyedStore {
  const metadataOf = (metadata: unknown) => (metadata ?? {}) as KeyedMetadata;
  return {
    put: (key, value, metadata) => kv.put(key, value, metadata && { metadata }),
    get: async (key) => {
      const value = await kv.get(key, "arrayBuffer");
      return value === null ? undefined : new Uint8Array(value);
    },
    read: async (key) => {
      const { value, metadata } = await kv.getWithMetadata(key, "arrayBuffer");
      return value === null
        ? undefined
        : { value: new Uint8Array(value), metadata: metadataOf(metadata) };
    },
    head: async (key) => {
      const { value, metadata } = await kv.getWithMetadata(key, "arrayBuffer");
      return value === null ? undefined : metadataOf(metadata);
    },
    list: async (prefix, cursor) => {
      const page = await kv.list({ prefix, cursor, limit: 1000 });
      return {
        entries: page.keys.map(({ name, metadata }) => ({
          key: name,
          metadata: metadataOf(metadata),
        })),
        cursor: page.list_complete || !page.cursor ? undefined : page.cursor,
      };
    },
    delete: (key) => kv.delete(key),
  };
}

/** A {@linkcode KeyedStorage} over a KV namespace binding; its `kind` is `cloudflare-kv`. */
export class KvStorage extends KeyedStorage {
  /**
   * Creates KV storage over a namespace binding.
   *
   * @param kv The KV namespace binding (for example `env.TRACE_KV`).
   * @param options Key prefix and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(kv: KVNamespaceLike, options: KvStorageOptions = {}) {
    super(kvStore(kv), "cloudflare-kv", "KV", options, KV_MAX_VALUE_BYTES);
  }
}
