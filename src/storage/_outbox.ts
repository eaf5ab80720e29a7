/**
 * The one outbox implementation: FIFO order by sortable ids, byte and entry bounds, the drop
 * policy and input validation live here; adapters only provide an {@linkcode OutboxStore} that
 * keeps entries somewhere (a Map, a directory, a Durable Object, a bucket).
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import { SerialQueue } from "./_serial.ts";
import type {
  EnqueueResult,
  Outbox,
  OutboxDropPolicy,
  OutboxEntry,
  OutboxEntryInfo,
  OutboxInput,
  OutboxOptions,
  OutboxPeekOptions,
} from "./types.ts";

/** Default outbox byte bound: 8 MiB of bodies. */
export const DEFAULT_OUTBOX_MAX_BYTES: number = 8 * 1024 * 1024;
/** Default outbox entry bound. */
export const DEFAULT_OUTBOX_MAX_ENTRIES = 1024;

/** Where a {@linkcode BoundedOutbox} keeps its entries. Calls are never concurrent per outbox. */
export interface OutboxStore {
  /** Every stored entry's metadata, in any order. */
  list(): Promise<OutboxEntryInfo[]>;
  /** One entry's metadata, or undefined when absent. */
  get(id: string): Promise<OutboxEntryInfo | undefined>;
  /** One entry's body, or undefined when absent. */
  readBody(id: string): Promise<Uint8Array | undefined>;
  /** Stores a new entry (the body must be copied or written before the promise resolves). */
  write(info: OutboxEntryInfo, body: Uint8Array): Promise<void>;
  /**
   * Replaces the metadata of an existing entry. Stores whose metadata travels with the body
   * leave it out: the outbox then reads the body and writes the entry again.
   */
  rewrite?(info: OutboxEntryInfo): Promise<void>;
  /** Deletes an entry; absent ids are fine. */
  remove(id: string): Promise<void>;
}

const ID_PATTERN = /^\d{15}-\d{6}-[0-9a-f]{8}$/;
let lastTime = 0;
let sequence = 0;

/**
 * A new outbox id `<15-digit epoch ms>-<6-digit sequence>-<8 random hex>`. Ids made in one
 * process sort in creation order, even if the wall clock steps back; the random part keeps ids of
 * different processes sharing one directory apart.
 *
 * @returns The id.
 */
export function newOutboxId(): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
  } else if (++sequence > 999_999) {
    lastTime++;
    sequence = 0;
  }
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(16).padStart(8, "0");
  return `${String(lastTime).padStart(15, "0")}-${String(sequence).padStart(6, "0")}-${random}`;
}

/**
 * True for strings shaped like {@linkcode newOutboxId} output (safe to use as a file name).
 *
 * @param id Any value.
 * @returns Whether it is an outbox id.
 */
export function isOutboxId(id: unknown): id is string {
  return typeof id === "string" && ID_PATTERN.test(id);
}

/**
 * Reads {@linkcode OutboxPeekOptions} given by a caller (possibly over a Durable Object RPC).
 *
 * @param options The options.
 * @returns The cursor (`""` sorts before every id) and the due time (`Infinity` when absent).
 * @throws {TypeError} When `after` is not a string or `dueBy` is not a number.
 */
export function checkPeekOptions(options: unknown): { after: string; dueBy: number } {
  if (options === undefined || options === null) return { after: "", dueBy: Infinity };
  if (typeof options !== "object") {
    throw new TypeError("Cannot peek the outbox: options must be an object");
  }
  const { after, dueBy } = options as OutboxPeekOptions;
  if (after !== undefined && typeof after !== "string") {
    throw new TypeError("Cannot peek the outbox: after must be an outbox entry id");
  }
  if (dueBy !== undefined && (typeof dueBy !== "number" || Number.isNaN(dueBy))) {
    throw new TypeError("Cannot peek the outbox: dueBy must be epoch milliseconds");
  }
  return { after: after ?? "", dueBy: dueBy ?? Infinity };
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Validates the metadata fields of an outbox entry (everything except `id` and `body`).
 *
 * @param fields The candidate fields.
 * @param action What the caller was doing, for the error message (e.g. `enqueue`).
 * @throws {TypeError} Naming the first invalid field.
 */
export function checkOutboxFields(fields: Partial<OutboxEntryInfo>, action: string): void {
  if (typeof fields.contentType !== "string") fail(action, "contentType must be a string");
  if (!isCount(fields.spanCount)) fail(action, "spanCount must be a non-negative integer");
  if (!Number.isFinite(fields.createdAt)) fail(action, "createdAt must be a finite number");
  checkRetryFields(fields, action);
}

/**
 * Builds an entry's metadata from stored or given fields, keeping only the known fields.
 *
 * @param id The entry id.
 * @param fields The candidate fields, `size` included.
 * @param action What the caller was doing, for the error message (e.g. `read`).
 * @returns The validated metadata.
 * @throws {TypeError} Naming the first invalid field.
 */
export function toOutboxInfo(
  id: string,
  fields: Partial<OutboxEntryInfo>,
  action: string,
): OutboxEntryInfo {
  checkOutboxFields(fields, action);
  if (!isCount(fields.size)) fail(action, "size must be a non-negative integer");
  const { contentType, spanCount, reason, createdAt, notBefore, attempts, size } = fields;
  return {
    id,
    contentType,
    spanCount,
    reason,
    createdAt,
    notBefore,
    attempts,
    size,
  } as OutboxEntryInfo;
}

function checkRetryFields(fields: Partial<OutboxEntryInfo>, action: string): void {
  if (typeof fields.reason !== "string") fail(action, "reason must be a string");
  if (!isCount(fields.attempts)) fail(action, "attempts must be a non-negative integer");
  if (!Number.isFinite(fields.notBefore)) fail(action, "notBefore must be a finite number");
}

function fail(action: string, what: string): never {
  throw new TypeError(`Cannot ${action} outbox entry: ${what}`);
}

/** Validated outbox bounds. */
export interface OutboxLimits {
  /** Maximum total body bytes. */
  readonly maxBytes: number;
  /** Maximum number of entries. */
  readonly maxEntries: number;
  /** What to drop when full. */
  readonly policy: OutboxDropPolicy;
}

/**
 * Resolves and validates {@linkcode OutboxOptions} with their defaults.
 *
 * @param options The adapter's options.
 * @returns The bounds.
 * @throws {TracerError} `INVALID_CONFIG` for a non-positive bound or an unknown policy.
 */
export function outboxLimits(options: OutboxOptions = {}): OutboxLimits {
  const maxBytes = options.outboxMaxBytes ?? DEFAULT_OUTBOX_MAX_BYTES;
  const maxEntries = options.outboxMaxEntries ?? DEFAULT_OUTBOX_MAX_ENTRIES;
  const policy = options.outboxPolicy ?? "drop-oldest";
  if (!isCount(maxBytes) || maxBytes === 0 || !isCount(maxEntries) || maxEntries === 0) {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot configure outbox: outboxMaxBytes and outboxMaxEntries must be positive integers",
    );
  }
  if (policy !== "drop-oldest" && policy !== "drop-newest") {
    throw new TracerError("INVALID_CONFIG", `Cannot configure outbox: unknown policy "${policy}"`);
  }
  return { maxBytes, maxEntries, policy };
}

const byId = (a: OutboxEntryInfo, b: OutboxEntryInfo): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** An {@linkcode Outbox} over any {@linkcode OutboxStore}, with bounds and a drop policy. */
export class BoundedOutbox implements Outbox {
  readonly #store: OutboxStore;
  readonly #limits: OutboxLimits;
  readonly #serial = new SerialQueue();

  /**
   * Creates an outbox over a store.
   *
   * @param store Where entries are kept.
   * @param limits The bounds, from {@linkcode outboxLimits}.
   */
  constructor(store: OutboxStore, limits: OutboxLimits) {
    this.#store = store;
    this.#limits = limits;
  }

  #run<T>(task: () => Promise<T>): Promise<T> {
    return this.#serial.run("outbox", task);
  }

  async #sorted(): Promise<OutboxEntryInfo[]> {
    return (await this.#store.list()).sort(byId);
  }

  /**
   * Stores an entry, applying the bounds and the drop policy.
   *
   * @param input The entry without id; its body is copied.
   * @returns Whether it was accepted and which entries were evicted.
   */
  enqueue(input: OutboxInput): Promise<EnqueueResult> {
    if (!(input?.body instanceof Uint8Array)) {
      return Promise.reject(
        new TypeError("Cannot enqueue outbox entry: body must be a Uint8Array"),
      );
    }
    try {
      checkOutboxFields(input, "enqueue");
    } catch (error) {
      return Promise.reject(error);
    }
    const { body: given, ...fields } = input;
    const body = new Uint8Array(given);
    return this.#run(async () => {
      const { maxBytes, maxEntries, policy } = this.#limits;
      if (body.byteLength > maxBytes) {
        return { accepted: false, rejected: "too_large", evicted: [] };
      }
      const current = await this.#sorted();
      let total = current.reduce((sum, e) => sum + e.size, 0);
      let evict = 0;
      while (total + body.byteLength > maxBytes || current.length - evict + 1 > maxEntries) {
        total -= current[evict++].size;
      }
      if (evict > 0 && policy === "drop-newest") {
        return { accepted: false, rejected: "full", evicted: [] };
      }
      const evicted = current.slice(0, evict);
      for (const old of evicted) await this.#store.remove(old.id);
      const info = toOutboxInfo(newOutboxId(), { ...fields, size: body.byteLength }, "enqueue");
      await this.#store.write(info, body);
      return { accepted: true, evicted };
    });
  }

  /**
   * Reads entries oldest first, optionally only those after a cursor and due by a time (their
   * metadata decides; bodies are read only for the entries returned).
   *
   * @param limit How many at most.
   * @param options `after` (an id) and `dueBy` (epoch ms).
   * @returns The entries.
   */
  peek(limit: number, options: OutboxPeekOptions = {}): Promise<OutboxEntry[]> {
    const count = limit > 0 ? Math.floor(limit) : 0;
    let after: string;
    let dueBy: number;
    try {
      ({ after, dueBy } = checkPeekOptions(options));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(async () => {
      if (count === 0) return [];
      const entries: OutboxEntry[] = [];
      for (const info of await this.#sorted()) {
        if (entries.length >= count) break;
        if (info.id <= after || info.notBefore > dueBy) continue;
        const body = await this.#store.readBody(info.id);
        if (body === undefined) continue; // removed by another process meanwhile
        const { size: _size, ...fields } = info;
        entries.push({ ...fields, body });
      }
      return entries;
    });
  }

  /**
   * Replaces an entry's retry bookkeeping; unknown ids are ignored.
   *
   * @param id The entry id.
   * @param changes New attempts, notBefore and reason.
   * @returns When stored.
   */
  update(
    id: string,
    changes: Pick<OutboxEntry, "attempts" | "notBefore" | "reason">,
  ): Promise<void> {
    const { attempts, notBefore, reason } = changes ?? {};
    try {
      checkRetryFields({ attempts, notBefore, reason }, "update");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(async () => {
      if (!isOutboxId(id)) return;
      const info = await this.#store.get(id);
      if (info === undefined) return;
      const updated = { ...info, attempts, notBefore, reason };
      if (this.#store.rewrite) return await this.#store.rewrite(updated);
      const body = await this.#store.readBody(id);
      if (body !== undefined) await this.#store.write(updated, body);
    });
  }

  /**
   * Removes an entry; unknown ids are ignored.
   *
   * @param id The entry id.
   * @returns When removed.
   */
  ack(id: string): Promise<void> {
    return this.#run(async () => {
      if (isOutboxId(id)) await this.#store.remove(id);
    });
  }

  /**
   * Sums the stored body sizes.
   *
   * @returns Total bytes.
   */
  bytes(): Promise<number> {
    return this.#run(async () => (await this.#store.list()).reduce((sum, e) => sum + e.size, 0));
  }

  /**
   * Resolves when every queued outbox operation has settled.
   *
   * @returns A promise that never rejects.
   */
  idle(): Promise<void> {
    return this.#serial.idle();
  }
}
