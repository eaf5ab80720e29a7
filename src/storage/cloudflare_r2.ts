/**
 * Storage on a Cloudflare R2 bucket binding that you pass in. R2 has no append, so every
 * `appendLines` call writes one object under the log's prefix and `readLines` lists them and
 * concatenates them in order. Blobs are one object each (R2 is the natural home for large objects
 * and artifacts). The outbox is one object per batch, its metadata in the object's custom
 * metadata; R2 is strongly consistent, so it works with a single consumer. For several Workers
 * draining one outbox, prefer the Durable Object adapter: its leases keep two Workers from
 * delivering one batch twice, while R2's leases only keep drainers of one isolate apart. R2
 * cannot change custom metadata alone, so a failed redelivery reads the object and writes it back.
 *
 * The binding is described by a local structural type ({@linkcode R2BucketLike}): no Workers
 * types package is needed and nothing is looked up on `globalThis`.
 *
 * @example
 * ```ts
 * import { R2Storage } from "@tracelet/tracelet/storage/cloudflare-r2";
 * import type { R2BucketLike } from "@tracelet/tracelet/storage/cloudflare-r2";
 *
 * // In your Worker: `export default worker;`
 * const worker = {
 *   async fetch(_request: Request, env: { TRACES: R2BucketLike }): Promise<Response> {
 *     const storage = new R2Storage(env.TRACES, { prefix: "tracelet/" });
 *     await storage.appendLines(["projects", "demo", "run-1", "spans.jsonl"], ['{"name":"a"}']);
 *     return new Response("ok");
 *   },
 * };
 * ```
 *
 * @module
 */

import type { KeyedStore } from "./_keyed_store.ts";
import { KeyedStorage } from "./_keyed_storage.ts";
import type { OutboxOptions } from "./types.ts";

export { KeyedStorage } from "./_keyed_storage.ts";
export type { KeyedStorageOptions } from "./_keyed_storage.ts";
// The store interface KeyedStorage is built on: implement it to keep traces in another key-value
// store (S3, a database) with the same line, blob and outbox layout.
export type { KeyedEntry, KeyedMetadata, KeyedPage, KeyedStore } from "./_keyed_store.ts";

/** The metadata of an R2 object that tracelet reads. */
export interface R2ObjectLike {
  /** The object key. */
  readonly key: string;
  /** Custom metadata, when requested or returned. */
  readonly customMetadata?: Record<string, string> | undefined;
}

/** An R2 object with its body. */
export interface R2ObjectBodyLike extends R2ObjectLike {
  /** Reads the whole body. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** One page of an R2 listing. */
export interface R2ObjectsLike {
  /** The objects of this page, in key order. */
  readonly objects: readonly R2ObjectLike[];
  /** True when more pages follow. */
  readonly truncated: boolean;
  /** Where the next page starts. */
  readonly cursor?: string | undefined;
}

/** The part of an R2 bucket binding (`R2Bucket`) tracelet uses. */
export interface R2BucketLike {
  /** Reads an object's metadata, or null when absent. */
  head(key: string): Promise<R2ObjectLike | null>;
  /** Reads an object, or null when absent. */
  get(key: string): Promise<R2ObjectBodyLike | null>;
  /** Writes an object. */
  put(
    key: string,
    value: ArrayBuffer | string,
    options?: { customMetadata?: Record<string, string> },
  ): Promise<unknown>;
  /** Deletes one or more objects. */
  delete(keys: string | string[]): Promise<void>;
  /** Lists objects by prefix, in key order. */
  list(options?: {
    prefix?: string;
    cursor?: string;
    limit?: number;
    include?: ("customMetadata" | "httpMetadata")[];
  }): Promise<R2ObjectsLike>;
}

/** Options of {@linkcode R2Storage}. */
export interface R2StorageOptions extends OutboxOptions {
  /** Prefix of every key tracelet writes. Default `tracelet/`. */
  readonly prefix?: string | undefined;
}

/** The R2 bucket as a {@linkcode KeyedStore} (metadata is the objects' custom metadata). */
function r2Store(bucket: R2BucketLike): KeyedStore {
  return {
    put: async (key, value, metadata) => {
      await bucket.put(key, value, metadata && { customMetadata: { ...metadata } });
    },
    get: async (key) => {
      const object = await bucket.get(key);
      return object === null ? undefined : new Uint8Array(await object.arrayBuffer());
    },
    read: async (key) => {
      const object = await bucket.get(key);
      if (object === null) return undefined;
      return {
        value: new Uint8Array(await object.arrayBuffer()),
        metadata: object.customMetadata ?? {},
      };
    },
    head: async (key) => {
      const object = await bucket.head(key);
      return object === null ? undefined : object.customMetadata ?? {};
    },
    list: async (prefix, cursor, metadata) => {
      const include: "customMetadata"[] | undefined = metadata ? ["customMetadata"] : undefined;
      const page = await bucket.list({ prefix, cursor, limit: 1000, include });
      return {
        entries: page.objects.map(({ key, customMetadata }) => ({ key, metadata: customMetadata })),
        cursor: page.truncated ? page.cursor : undefined,
      };
    },
    delete: (key) => bucket.delete(key),
  };
}

/** A {@linkcode KeyedStorage} over an R2 bucket binding; its `kind` is `cloudflare-r2`. */
export class R2Storage extends KeyedStorage {
  /**
   * Creates R2 storage over a bucket binding.
   *
   * @param bucket The R2 bucket binding (for example `env.TRACES`).
   * @param options Key prefix and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(bucket: R2BucketLike, options: R2StorageOptions = {}) {
    super(r2Store(bucket), "cloudflare-r2", "R2", options);
  }
}
