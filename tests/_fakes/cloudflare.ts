/**
 * In-memory structural fakes of the Cloudflare bindings tracelet's adapters use: an R2 bucket, a
 * KV namespace, Durable Object storage and a Durable Object namespace that hosts
 * {@linkcode TraceletDurableObject}s. They copy values like the real bindings, list in key order
 * with pagination, and enforce the documented size limits (key length, metadata size, value size,
 * keys per call), so an adapter that breaks a platform rule fails here on every runtime, not only
 * in production.
 *
 * @module
 */
import { TraceletDurableObject } from "../../src/storage/durable_object.ts";
import type {
  DurableObjectNamespaceLike,
  DurableObjectStorageLike,
  DurableObjectStubLike,
} from "../../src/storage/durable_object.ts";
import type { KVListResultLike, KVNamespaceLike } from "../../src/storage/cloudflare_kv.ts";
import type {
  R2BucketLike,
  R2ObjectBodyLike,
  R2ObjectLike,
  R2ObjectsLike,
} from "../../src/storage/cloudflare_r2.ts";

const encoder = new TextEncoder();
const byteLength = (text: string): number => encoder.encode(text).byteLength;

function toBytes(value: ArrayBuffer | ArrayBufferView | string): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value.slice(0));
  return new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}

function limitError(what: string): Error {
  return new Error(`fake binding: ${what}`);
}

/** Sorted keys of a map that start with `prefix`, after `after` (exclusive). */
function keysFrom(map: Map<string, unknown>, prefix: string, after?: string): string[] {
  return [...map.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after))
    .sort();
}

/** Options of the fakes. */
export interface FakeOptions {
  /** Largest page a listing returns, whatever `limit` asks (exercises pagination). Default 1000. */
  readonly pageSize?: number;
}

interface R2Stored {
  bytes: Uint8Array;
  customMetadata: Record<string, string>;
}

/** A fake R2 bucket: keys ≤ 1024 bytes, custom metadata ≤ 2048 bytes. */
export class FakeR2Bucket implements R2BucketLike {
  /** The stored objects by key. */
  readonly objects: Map<string, R2Stored> = new Map();
  readonly #pageSize: number;

  /** @param options Page size. */
  constructor(options: FakeOptions = {}) {
    this.#pageSize = options.pageSize ?? 1000;
  }

  #object(key: string, stored: R2Stored): R2ObjectBodyLike {
    const bytes = stored.bytes.slice();
    return {
      key,
      customMetadata: { ...stored.customMetadata },
      arrayBuffer: () => Promise.resolve(bytes.buffer as ArrayBuffer),
    };
  }

  /** @returns The object's metadata, or null. */
  head(key: string): Promise<R2ObjectLike | null> {
    const stored = this.objects.get(key);
    return Promise.resolve(stored ? { key, customMetadata: { ...stored.customMetadata } } : null);
  }

  /** @returns The object, or null. */
  get(key: string): Promise<R2ObjectBodyLike | null> {
    const stored = this.objects.get(key);
    return Promise.resolve(stored ? this.#object(key, stored) : null);
  }

  /** Stores a copy of the value. */
  put(
    key: string,
    value: ArrayBuffer | string,
    options: { customMetadata?: Record<string, string> } = {},
  ): Promise<unknown> {
    if (byteLength(key) > 1024) return Promise.reject(limitError("R2 key longer than 1024 bytes"));
    const customMetadata = { ...options.customMetadata };
    const metaBytes = Object.entries(customMetadata)
      .reduce((n, [k, v]) => n + byteLength(k) + byteLength(v), 0);
    if (metaBytes > 2048) return Promise.reject(limitError("R2 custom metadata over 2048 bytes"));
    this.objects.set(key, { bytes: toBytes(value), customMetadata });
    return Promise.resolve({ key });
  }

  /** Deletes keys. */
  delete(keys: string | string[]): Promise<void> {
    for (const key of Array.isArray(keys) ? keys : [keys]) this.objects.delete(key);
    return Promise.resolve();
  }

  /** Lists by prefix; custom metadata only when `include` asks for it. */
  list(
    options: { prefix?: string; cursor?: string; limit?: number; include?: string[] } = {},
  ): Promise<R2ObjectsLike> {
    const all = keysFrom(this.objects, options.prefix ?? "", options.cursor);
    const page = all.slice(0, Math.min(options.limit ?? 1000, this.#pageSize));
    const withMeta = options.include?.includes("customMetadata") ?? false;
    const objects = page.map((key) => ({
      key,
      ...(withMeta ? { customMetadata: { ...this.objects.get(key)!.customMetadata } } : {}),
    }));
    const truncated = page.length < all.length;
    return Promise.resolve({ objects, truncated, cursor: truncated ? page.at(-1) : undefined });
  }
}

interface KvStored {
  bytes: Uint8Array;
  metadata: unknown;
}

/** A fake KV namespace: keys ≤ 512 bytes, metadata ≤ 1024 bytes of JSON. */
export class FakeKVNamespace implements KVNamespaceLike {
  /** The stored values by key. */
  readonly values: Map<string, KvStored> = new Map();
  readonly #pageSize: number;

  /** @param options Page size. */
  constructor(options: FakeOptions = {}) {
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** @returns A copy of the value as bytes, or null. */
  get(key: string, _type: "arrayBuffer"): Promise<ArrayBuffer | null> {
    const stored = this.values.get(key);
    return Promise.resolve(stored ? stored.bytes.slice().buffer as ArrayBuffer : null);
  }

  /** @returns The value and its metadata. */
  async getWithMetadata(
    key: string,
    type: "arrayBuffer",
  ): Promise<{ value: ArrayBuffer | null; metadata: unknown }> {
    const metadata = this.values.get(key)?.metadata;
    return {
      value: await this.get(key, type),
      metadata: metadata === undefined ? null : structuredClone(metadata),
    };
  }

  /** Stores a copy of the value and metadata. */
  put(
    key: string,
    value: ArrayBuffer | string,
    options: { metadata?: unknown } = {},
  ): Promise<void> {
    if (key === "" || byteLength(key) > 512) {
      return Promise.reject(limitError("KV key empty or longer than 512 bytes"));
    }
    if (options.metadata !== undefined && byteLength(JSON.stringify(options.metadata)) > 1024) {
      return Promise.reject(limitError("KV metadata over 1024 bytes"));
    }
    this.values.set(key, { bytes: toBytes(value), metadata: structuredClone(options.metadata) });
    return Promise.resolve();
  }

  /** Deletes a key. */
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }

  /** Lists by prefix with metadata. */
  list(
    options: { prefix?: string; cursor?: string; limit?: number } = {},
  ): Promise<KVListResultLike> {
    const all = keysFrom(this.values, options.prefix ?? "", options.cursor || undefined);
    const page = all.slice(0, Math.min(options.limit ?? 1000, this.#pageSize));
    const keys = page.map((name) => {
      const metadata = this.values.get(name)!.metadata;
      return metadata === undefined ? { name } : { name, metadata: structuredClone(metadata) };
    });
    const complete = page.length === all.length;
    return Promise.resolve({
      keys,
      list_complete: complete,
      cursor: complete ? undefined : page.at(-1),
    });
  }
}

/** A fake Durable Object storage: keys ≤ 2048 bytes, values ≤ 128 KiB, ≤ 128 keys per call. */
export class FakeDurableObjectStorage implements DurableObjectStorageLike {
  /** The stored values by key. */
  readonly values: Map<string, unknown> = new Map();

  /** @returns A copy of the value, or undefined. */
  get(key: string): Promise<unknown> {
    return Promise.resolve(structuredClone(this.values.get(key)));
  }

  /** Stores copies of up to 128 entries atomically. */
  put(entries: Record<string, unknown>): Promise<void> {
    const list = Object.entries(entries);
    if (list.length > 128) return Promise.reject(limitError("more than 128 keys in one put"));
    for (const [key, value] of list) {
      if (byteLength(key) > 2048) return Promise.reject(limitError("DO key over 2048 bytes"));
      if (value instanceof Uint8Array && value.byteLength > 128 * 1024) {
        return Promise.reject(limitError("DO value over 128 KiB"));
      }
    }
    for (const [key, value] of list) this.values.set(key, structuredClone(value));
    return Promise.resolve();
  }

  /** Deletes up to 128 keys. */
  delete(keys: string[]): Promise<number> {
    if (keys.length > 128) return Promise.reject(limitError("more than 128 keys in one delete"));
    let count = 0;
    for (const key of keys) if (this.values.delete(key)) count++;
    return Promise.resolve(count);
  }

  /** Lists in key order: exactly `limit` entries when that many remain. */
  list(
    options: { prefix?: string; startAfter?: string; limit?: number },
  ): Promise<Map<string, unknown>> {
    const keys = keysFrom(this.values, options.prefix ?? "", options.startAfter)
      .slice(0, options.limit ?? Infinity);
    return Promise.resolve(new Map(keys.map((k) => [k, structuredClone(this.values.get(k))])));
  }
}

/** A fake Durable Object namespace hosting one {@linkcode TraceletDurableObject} per name. */
export class FakeDurableObjectNamespace implements DurableObjectNamespaceLike {
  /** Each object's storage, by name. */
  readonly storages: Map<string, FakeDurableObjectStorage> = new Map();
  readonly #objects = new Map<string, TraceletDurableObject>();

  /** @returns The id (the name itself). */
  idFromName(name: string): unknown {
    return { name };
  }

  /** @returns A stub whose fetch reaches the object. */
  get(id: never): DurableObjectStubLike {
    const name = (id as { name: string }).name;
    let object = this.#objects.get(name);
    if (object === undefined) {
      const storage = new FakeDurableObjectStorage();
      this.storages.set(name, storage);
      object = new TraceletDurableObject({ storage });
      this.#objects.set(name, object);
    }
    const target = object;
    return { fetch: (input, init) => target.fetch(new Request(input, init)) };
  }

  /** Forgets the in-memory object instances (as after eviction); storage stays. */
  evict(): void {
    for (const [name, storage] of this.storages) {
      this.#objects.set(name, new TraceletDurableObject({ storage }));
    }
  }
}
