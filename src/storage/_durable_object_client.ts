/**
 * {@linkcode DurableObjectStubStorage}: a {@linkcode TraceStorage} for plain Workers that forwards
 * every call to a {@linkcode TraceletDurableObject} through its stub. One named object holds one
 * strongly consistent outbox (and line logs and small blobs) shared by every Worker isolate.
 *
 * @module
 */

import {
  checkPrefix,
  CLOUDFLARE_DELIVERIES_PER_DRAIN,
  CLOUDFLARE_IDLE_RECHECK_MILLIS,
  logPrefix,
} from "./_cloudflare.ts";
import {
  decodeFrame,
  type DurableObjectOp,
  encodeFrame,
  reviveError,
  RPC_URL,
} from "./_durable_object_protocol.ts";
import { checkPeekOptions, outboxLimits } from "./_outbox_entries.ts";
import { SerialQueue } from "./_serial.ts";
import type {
  EnqueueResult,
  Outbox,
  OutboxEntry,
  OutboxInput,
  OutboxOptions,
  OutboxPeekOptions,
  StoragePath,
  TraceStorage,
} from "./types.ts";

/** A Durable Object stub: anything with a `fetch` that reaches the object. */
export interface DurableObjectStubLike {
  /**
   * Sends a request to the object. The body is a `Uint8Array` over its own `ArrayBuffer`, typed so
   * that it is a `BodyInit` for every TypeScript version: `Uint8Array<ArrayBuffer>` does not
   * compile on TypeScript 5.6 and older, and a plain `Uint8Array` is no `BodyInit` for the DOM
   * types of TypeScript 5.9 and later.
   */
  fetch(
    input: string,
    init: { method: string; body: Uint8Array & { readonly buffer: ArrayBuffer } },
  ): Promise<Response>;
}

/** The part of a Durable Object namespace binding (`DurableObjectNamespace`) tracelet uses. */
export interface DurableObjectNamespaceLike {
  /** The id of the object with a given name. */
  idFromName(name: string): unknown;
  /** A stub for an object id. */
  get(id: never): DurableObjectStubLike;
}

/** Options of {@linkcode DurableObjectStubStorage}. */
export interface DurableObjectStubStorageOptions extends OutboxOptions {
  /** The object's name when a namespace is given. Default `tracelet`. */
  readonly name?: string | undefined;
  /** Prefix of every key the object writes. Default `tracelet/`. */
  readonly prefix?: string | undefined;
}

interface Call {
  readonly header: Record<string, unknown>;
  readonly payload: Uint8Array;
}

/**
 * The per-log chains of every stub storage in this isolate, by binding (or stub): a log's calls
 * are sent one after another, in call order, since the object may receive concurrent requests
 * in another order (a small body overtakes a large one; each call takes a new stub).
 */
const logChains = new WeakMap<object, SerialQueue>();

/** A {@linkcode TraceStorage} served by a {@linkcode TraceletDurableObject}. */
export class DurableObjectStubStorage implements TraceStorage {
  /** Always `durable-object`. */
  readonly kind: string = "durable-object";
  /**
   * The object's outbox. Leases taken by `peek` are kept in the object, so drainers in different
   * Workers do not deliver the same entry twice; a drain should deliver at most 16 entries.
   */
  readonly outbox: Outbox;
  /** Gives a stub for each call: workerd forbids using a stub made in another request. */
  readonly #stub: () => DurableObjectStubLike;
  readonly #common: Record<string, unknown>;
  /** This storage's log chains (shared with every storage over the same binding). */
  readonly #logs: SerialQueue;
  /** What tells this storage's logs from another object's or prefix's in `#logs`. */
  readonly #scope: string;

  /**
   * Creates storage that forwards every call to a `TraceletDurableObject`.
   *
   * @param target The Durable Object namespace binding (for example `env.TRACELET_DO`), or a stub.
   *   Pass the namespace when the storage outlives one request (as with `instrument()`): a stub
   *   can only be used in the request that created it, so a new one is taken for every call.
   * @param options Object name, key prefix and outbox bounds.
   * @throws {TracerError} `INVALID_CONFIG` for a bad prefix or bound.
   */
  constructor(
    target: DurableObjectNamespaceLike | DurableObjectStubLike,
    options: DurableObjectStubStorageOptions = {},
  ) {
    const limits = outboxLimits(options);
    this.#common = {
      prefix: checkPrefix(options.prefix, "Durable Object"),
      limits: {
        outboxMaxBytes: limits.maxBytes,
        outboxMaxEntries: limits.maxEntries,
        outboxDropPolicy: limits.policy,
        outboxMaxAgeMillis: limits.maxAgeMillis,
      },
    };
    const name = options.name ?? "tracelet";
    // A workerd stub answers every property (any name may be an RPC method), so a stub is told
    // from a namespace by its `fetch`, which a namespace lacks.
    const namespace = target as DurableObjectNamespaceLike;
    this.#stub = typeof (target as Partial<DurableObjectStubLike>).fetch === "function"
      ? () => target as DurableObjectStubLike
      : () => namespace.get(namespace.idFromName(name) as never);
    let logs = logChains.get(target);
    if (logs === undefined) logChains.set(target, logs = new SerialQueue());
    this.#logs = logs;
    this.#scope = JSON.stringify([name, this.#common.prefix]);
    this.outbox = this.#makeOutbox();
  }

  async #call(op: DurableObjectOp, args: unknown[], body?: Uint8Array): Promise<Call> {
    return await this.#send(this.#frame(op, args, body));
  }

  /** Encodes a call now (the caller may change its arguments once the call returns). */
  #frame(
    op: DurableObjectOp,
    args: unknown[],
    body?: Uint8Array,
  ): Uint8Array & { readonly buffer: ArrayBuffer } {
    return encodeFrame({ ...this.#common, op, args }, body === undefined ? [] : [body]);
  }

  async #send(frame: Uint8Array & { readonly buffer: ArrayBuffer }): Promise<Call> {
    const response = await this.#stub().fetch(RPC_URL, { method: "POST", body: frame });
    const bytes = new Uint8Array(await response.arrayBuffer());
    let decoded;
    try {
      decoded = decodeFrame(bytes);
    } catch {
      throw new Error(`Cannot use Durable Object storage: the object answered ${response.status}`);
    }
    if (!response.ok || decoded.header.error !== undefined) throw reviveError(decoded.header.error);
    return decoded;
  }

  #makeOutbox(): Outbox {
    return {
      maxDeliveriesPerDrain: CLOUDFLARE_DELIVERIES_PER_DRAIN,
      idleRecheckMillis: CLOUDFLARE_IDLE_RECHECK_MILLIS,
      enqueue: async (input: OutboxInput): Promise<EnqueueResult> => {
        if (!(input?.body instanceof Uint8Array)) {
          throw new TypeError("Cannot enqueue outbox entry: body must be a Uint8Array");
        }
        const { body, ...fields } = input;
        return (await this.#call("enqueue", [fields], body)).header.result as EnqueueResult;
      },
      peek: async (limit: number, options?: OutboxPeekOptions): Promise<OutboxEntry[]> => {
        const count = limit > 0 ? Math.min(limit, Number.MAX_SAFE_INTEGER) : 0; // JSON has no Infinity
        const filter = checkPeekOptions(options);
        // Nor for dueBy: clamp to the finite range.
        const dueBy = Math.max(-Number.MAX_VALUE, Math.min(filter.dueBy, Number.MAX_VALUE));
        const wire = { ...filter, dueBy };
        const { header, payload } = await this.#call("peek", [count, wire]);
        let offset = 0;
        return (header.result as (Omit<OutboxEntry, "body"> & { size: number })[]).map(
          ({ size, ...fields }) => {
            const body = payload.slice(offset, offset + size);
            offset += size;
            return { ...fields, body };
          },
        );
      },
      update: async (id, changes) => void await this.#call("update", [id, changes]),
      ack: async (id) => void await this.#call("ack", [id]),
      bytes: async () => (await this.#call("bytes", [])).header.result as number,
    };
  }

  /**
   * Appends lines to a log in the object, after every earlier call on that log from this isolate
   * (calls on one log are sent one at a time, in call order).
   *
   * @param path The log's path segments.
   * @param lines Lines without newlines.
   * @returns When stored.
   */
  async appendLines(path: StoragePath, lines: readonly string[]): Promise<void> {
    await this.#inOrder(path, this.#frame("appendLines", [path, lines]));
  }

  /**
   * Reads a log from the object, after every earlier call on that log from this isolate.
   *
   * @param path The log's path segments.
   * @returns The lines, or `[]` when the log does not exist.
   */
  async readLines(path: StoragePath): Promise<string[]> {
    return (await this.#inOrder(path, this.#frame("readLines", [path]))).header.result as string[];
  }

  /**
   * Sends a call on a log once every earlier call on it from this isolate has settled.
   *
   * @throws {TypeError} When the path is invalid (as the object would say).
   */
  #inOrder(path: StoragePath, frame: Uint8Array & { readonly buffer: ArrayBuffer }): Promise<Call> {
    return this.#logs.run(this.#scope + logPrefix(path), () => this.#send(frame));
  }

  /**
   * Stores a blob in the object unless it exists (keep large blobs in R2).
   *
   * @param key The blob key.
   * @param bytes The content (copied before this returns).
   * @returns When stored.
   */
  putBlob(key: string, bytes: Uint8Array): Promise<void> {
    if (typeof key !== "string" || !(bytes instanceof Uint8Array)) {
      return Promise.reject(
        new TypeError("Cannot put blob: expected a string key and a Uint8Array"),
      );
    }
    return this.#call("putBlob", [key], bytes).then(() => {});
  }

  /**
   * Reads a blob from the object.
   *
   * @param key The blob key.
   * @returns The bytes, or undefined when absent.
   */
  async getBlob(key: string): Promise<Uint8Array | undefined> {
    const { header, payload } = await this.#call("getBlob", [key]);
    return header.found === true ? payload.slice() : undefined;
  }

  /**
   * Tells whether the object holds a blob.
   *
   * @param key The blob key.
   * @returns True when present.
   */
  async hasBlob(key: string): Promise<boolean> {
    return (await this.#call("hasBlob", [key])).header.result as boolean;
  }

  /**
   * Nothing to release: every call has completed when its promise settled. Idempotent.
   *
   * @returns A resolved promise.
   */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
