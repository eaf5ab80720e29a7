/**
 * Storage on a Cloudflare R2 bucket binding that you pass in. R2 has no append, so every
 * `appendLines` call writes one object under the log's prefix and `readLines` lists them and
 * concatenates them in order. Blobs are one object each (R2 is the natural home for large objects
 * and artifacts). The outbox is one object per batch, its metadata in the object's custom
 * metadata; R2 is strongly consistent, so it works with a single consumer. For several Workers
 * draining one outbox, prefer the Durable Object adapter.
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

/** The metadata of an R2 object that tracelet reads. */
export interface R2ObjectLike {
  /** The object key. */
  readonly key: string;
  /** Custom metadata, when requested or returned. */
  readonly customMetadata?: Record<string, string>;
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
  readonly cursor?: string;
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
  readonly prefix?: string;
}

/** How many objects are read at once when reading a log. */
const READ_CONCURRENCY = 8;

async function listAll(
  bucket: R2BucketLike,
  prefix: string,
  include?: ("customMetadata" | "httpMetadata")[],
): Promise<R2ObjectLike[]> {
  const objects: R2ObjectLike[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000, include });
    objects.push(...page.objects);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor !== undefined);
  return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function readBytes(bucket: R2BucketLike, key: string): Promise<Uint8Array | undefined> {
  const object = await bucket.get(key);
  return object === null ? undefined : new Uint8Array(await object.arrayBuffer());
}

class R2OutboxStore implements OutboxStore {
  readonly #bucket: R2BucketLike;
  readonly #prefix: string;

  constructor(bucket: R2BucketLike, prefix: string) {
    this.#bucket = bucket;
    this.#prefix = `${prefix}o/`;
  }

  async list(): Promise<OutboxEntryInfo[]> {
    const objects = await listAll(this.#bucket, this.#prefix, ["customMetadata"]);
    const infos: OutboxEntryInfo[] = [];
    for (const object of objects) {
      const info = decodeInfo(object.customMetadata?.tracelet);
      if (info !== undefined) infos.push(info);
    }
    return infos;
  }

  async get(id: string): Promise<OutboxEntryInfo | undefined> {
    return decodeInfo((await this.#bucket.head(this.#prefix + id))?.customMetadata?.tracelet);
  }

  readBody(id: string): Promise<Uint8Array | undefined> {
    return readBytes(this.#bucket, this.#prefix + id);
  }

  async write(info: OutboxEntryInfo, body: Uint8Array): Promise<void> {
    await this.#bucket.put(this.#prefix + info.id, toArrayBuffer(body), {
      customMetadata: { tracelet: encodeInfo(info) },
    });
  }

  async rewrite(info: OutboxEntryInfo): Promise<void> {
    const body = await this.readBody(info.id);
    if (body !== undefined) await this.write(info, body);
  }

  async remove(id: string): Promise<void> {
    if (isOutboxId(id)) await this.#bucket.delete(this.#prefix + id);
  }
}

/** A {@linkcode TraceStorage} on an R2 bucket. */
export class R2Storage implements TraceStorage {
  /** Always `cloudflare-r2`. */
  readonly kind: string = "cloudflare-r2";
  /** The outbox: one object per batch under `<prefix>o/`. */
  readonly outbox: Outbox;
  readonly #outbox: BoundedOutbox;
  readonly #bucket: R2BucketLike;
  readonly #prefix: string;

  /**
   * Creates R2 storage over a bucket binding.
   *
   * @param bucket The R2 bucket binding (for example `env.TRACES`).
   * @param options Key prefix and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(bucket: R2BucketLike, options: R2StorageOptions = {}) {
    this.#bucket = bucket;
    this.#prefix = checkPrefix(options.prefix, "R2");
    this.#outbox = new BoundedOutbox(
      new R2OutboxStore(bucket, this.#prefix),
      outboxLimits(options),
    );
    this.outbox = this.#outbox;
  }

  /**
   * Writes the lines as one new object under the log's prefix.
   *
   * @param path The log's path segments.
   * @param lines Lines without newlines.
   * @returns When stored.
   */
  async appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    const prefix = logPrefix(path);
    if (checkLines(lines).length === 0) return;
    const key = this.#prefix + prefix + newChunkId();
    await this.#bucket.put(key, joinLines(lines));
  }

  /**
   * Lists the log's objects and concatenates their lines in order.
   *
   * @param path The log's path segments.
   * @returns The lines, or `[]` when the log does not exist.
   */
  async readLines(path: StoragePath): Promise<string[]> {
    const objects = await listAll(this.#bucket, this.#prefix + logPrefix(path));
    const texts = await mapLimit(objects, READ_CONCURRENCY, async (object) => {
      const body = await this.#bucket.get(object.key);
      return body === null ? undefined : new TextDecoder().decode(await body.arrayBuffer());
    });
    return texts.flatMap((text) => (text === undefined ? [] : splitLines(text)));
  }

  /**
   * Stores bytes under a key unless an object already exists there.
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
    const objectKey = this.#prefix + blobKey(key);
    if ((await this.#bucket.head(objectKey)) !== null) return;
    await this.#bucket.put(objectKey, copy);
  }

  /**
   * Reads a blob.
   *
   * @param key The blob key.
   * @returns The bytes, or undefined when absent.
   */
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return readBytes(this.#bucket, this.#prefix + blobKey(key));
  }

  /**
   * Tells whether a blob exists.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  async hasBlob(key: string): Promise<boolean> {
    return (await this.#bucket.head(this.#prefix + blobKey(key))) !== null;
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
