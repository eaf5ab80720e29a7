/**
 * `cloudflareStorage()`: one {@linkcode TraceStorage} built from the Cloudflare bindings you pass
 * in, each used for what it does best: line logs and blobs on R2 (else KV, else the Durable
 * Object), the export outbox on a Durable Object (else KV, else R2). With no binding at all it is
 * in-memory storage with bounds sized for a Workers isolate ({@linkcode workerMemoryStorage}).
 *
 * @module
 */
import { R2Storage } from "../storage/cloudflare_r2.ts";
import type { R2BucketLike } from "../storage/cloudflare_r2.ts";
import { KvStorage } from "../storage/cloudflare_kv.ts";
import type { KVNamespaceLike } from "../storage/cloudflare_kv.ts";
import { DurableObjectStubStorage } from "../storage/_durable_object_client.ts";
import type { DurableObjectNamespaceLike } from "../storage/_durable_object_client.ts";
import { MemoryStorage } from "../storage/memory.ts";
import type { MemoryStorageOptions } from "../storage/memory.ts";
import { CLOUDFLARE_DELIVERIES_PER_DRAIN } from "../storage/_cloudflare.ts";
import type { Outbox, OutboxOptions, StoragePath, TraceStorage } from "../storage/types.ts";

/** The bindings and options of {@linkcode cloudflareStorage}. */
export interface CloudflareStorageOptions extends OutboxOptions {
  /** An R2 bucket binding: line logs and blobs (and the outbox when nothing better is given). */
  readonly r2?: R2BucketLike | undefined;
  /** A KV namespace binding: the outbox without a Durable Object; lines and blobs without R2. */
  readonly kv?: KVNamespaceLike | undefined;
  /** A namespace bound to `TraceletDurableObject`: the outbox (strongly consistent). */
  readonly durableObject?: DurableObjectNamespaceLike | undefined;
  /** The Durable Object's name. Default `tracelet`. */
  readonly durableObjectName?: string | undefined;
  /** Prefix of every key tracelet writes. Default `tracelet/`. */
  readonly prefix?: string | undefined;
  /** Without any binding (in memory): bound on all line logs' bytes. Default 4 MiB. */
  readonly maxLineBytes?: number | undefined;
  /** Without any binding (in memory): bound on all blobs' bytes. Default 4 MiB. */
  readonly maxBlobBytes?: number | undefined;
}

/**
 * The default bound of each part of in-memory storage on Workers (line logs, blobs, outbox):
 * 4 MiB, so together they keep well below a 128 MiB isolate's memory.
 */
export const WORKER_MEMORY_BOUND_BYTES: number = 4 * 1024 * 1024;

/**
 * In-memory storage for a Workers isolate: line logs, blobs and the outbox are each bounded to
 * {@linkcode WORKER_MEMORY_BOUND_BYTES} unless given, and a drain delivers at most 16 entries.
 *
 * @param options Bounds that replace the Workers defaults.
 * @returns The storage.
 * @throws {TracerError} `INVALID_CONFIG` for a non-positive bound.
 */
export function workerMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  return new MemoryStorage({
    ...options,
    maxLineBytes: options.maxLineBytes ?? WORKER_MEMORY_BOUND_BYTES,
    maxBlobBytes: options.maxBlobBytes ?? WORKER_MEMORY_BOUND_BYTES,
    outboxMaxBytes: options.outboxMaxBytes ?? WORKER_MEMORY_BOUND_BYTES,
    maxDeliveriesPerDrain: options.maxDeliveriesPerDrain ?? CLOUDFLARE_DELIVERIES_PER_DRAIN,
  });
}

/** Lines and blobs from one adapter, the outbox from another. */
class CombinedStorage implements TraceStorage {
  readonly kind: string;
  readonly outbox: Outbox;
  readonly #data: TraceStorage;
  readonly #queue: TraceStorage;

  constructor(data: TraceStorage, queue: TraceStorage) {
    this.#data = data;
    this.#queue = queue;
    this.outbox = queue.outbox;
    this.kind = data === queue ? data.kind : `${data.kind}+${queue.kind}`;
  }

  appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    return this.#data.appendLines(path, lines);
  }
  readLines(path: StoragePath): Promise<string[]> {
    return this.#data.readLines(path);
  }
  putBlob(key: string, bytes: Uint8Array): Promise<void> {
    return this.#data.putBlob(key, bytes);
  }
  getBlob(key: string): Promise<Uint8Array | undefined> {
    return this.#data.getBlob(key);
  }
  hasBlob(key: string): Promise<boolean> {
    return this.#data.hasBlob(key);
  }
  async close(): Promise<void> {
    await this.#data.close?.();
    if (this.#queue !== this.#data) await this.#queue.close?.();
  }
}

/**
 * Builds storage from Cloudflare bindings.
 *
 * @param options The bindings (`r2`, `kv`, `durableObject`), key prefix, outbox bounds, and the
 *   in-memory bounds used without any binding.
 * @returns The storage; its `kind` names the adapters used, e.g. `cloudflare-r2+durable-object`.
 * @example
 * ```ts
 * import { cloudflareStorage } from "@tracelet/tracelet/worker";
 * import type { R2BucketLike } from "@tracelet/tracelet/storage/cloudflare-r2";
 * function storageFor(env: { TRACES: R2BucketLike }) {
 *   return cloudflareStorage({ r2: env.TRACES }); // kind "cloudflare-r2"
 * }
 * console.log(cloudflareStorage().kind); // "memory": no binding given
 * ```
 */
export function cloudflareStorage(options: CloudflareStorageOptions = {}): TraceStorage {
  const { r2, kv, durableObject, durableObjectName, maxLineBytes, maxBlobBytes, ...rest } = options;
  const adapters = {
    r2: r2 === undefined ? undefined : new R2Storage(r2, rest),
    kv: kv === undefined ? undefined : new KvStorage(kv, rest),
    durableObject: durableObject === undefined
      ? undefined
      : new DurableObjectStubStorage(durableObject, { ...rest, name: durableObjectName }),
  };
  const data = adapters.r2 ?? adapters.kv ?? adapters.durableObject;
  const queue = adapters.durableObject ?? adapters.kv ?? adapters.r2;
  if (data === undefined || queue === undefined) {
    return workerMemoryStorage({ ...rest, maxLineBytes, maxBlobBytes });
  }
  return data === queue ? data : new CombinedStorage(data, queue);
}
