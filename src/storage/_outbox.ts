/**
 * The one outbox implementation: FIFO order by sortable ids, byte and entry bounds, the maximum
 * age, the drop policy, peek filters, leases and input validation live here; adapters only provide
 * an {@linkcode OutboxStore} that keeps entries somewhere (a Map, a directory, a Durable Object, a
 * bucket).
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import { isForDestination } from "./_destination.ts";
import { OutboxLeases } from "./_outbox_leases.ts";
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
/** Default age after which an entry is removed by the next enqueue: 7 days. */
export const DEFAULT_OUTBOX_MAX_AGE_MILLIS: number = 7 * 24 * 60 * 60 * 1000;

/** Where a {@linkcode BoundedOutbox} keeps its entries. Calls are never concurrent per outbox. */
export interface OutboxStore {
  /** Every stored entry's metadata, in any order. */
  list(): Promise<OutboxEntryInfo[]>;
  /** One entry's metadata, or undefined when absent. */
  get(id: string): Promise<OutboxEntryInfo | undefined>;
  /** One entry's body, or undefined when absent. */
  readBody(id: string): Promise<Uint8Array | undefined>;
  /**
   * One entry's metadata and body, or undefined when absent. Stores that can read both in one
   * operation provide it; the outbox otherwise calls `get` and `readBody`.
   */
  read?(id: string): Promise<{ info: OutboxEntryInfo; body: Uint8Array } | undefined>;
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

/** Validated {@linkcode OutboxPeekOptions}. */
export interface PeekFilter {
  /** The cursor (`""` sorts before every id). */
  readonly after: string;
  /** The due time (`Infinity` when absent). */
  readonly dueBy: number;
  /** The destination tag, if any. */
  readonly destination?: string;
  /** The claim to take on the returned entries, if any. */
  readonly lease?: { readonly owner: string; readonly millis: number };
}

/**
 * Reads {@linkcode OutboxPeekOptions} given by a caller (possibly over a Durable Object RPC).
 *
 * @param options The options.
 * @returns The validated options, with `after` `""` and `dueBy` `Infinity` when absent.
 * @throws {TypeError} When `after` or `destination` is not a string, `dueBy` is not a number, or
 *   `lease` is not `{ owner: non-empty string, millis: finite number >= 0 }`.
 */
export function checkPeekOptions(options: unknown): PeekFilter {
  if (options === undefined || options === null) return { after: "", dueBy: Infinity };
  if (typeof options !== "object") peekFail("options must be an object");
  const { after, dueBy, destination, lease } = options as OutboxPeekOptions;
  if (after !== undefined && typeof after !== "string") {
    peekFail("after must be an outbox entry id");
  }
  if (dueBy !== undefined && (typeof dueBy !== "number" || Number.isNaN(dueBy))) {
    peekFail("dueBy must be epoch milliseconds");
  }
  if (destination !== undefined && typeof destination !== "string") {
    peekFail("destination must be a string");
  }
  if (
    lease !== undefined &&
    (typeof lease?.owner !== "string" || lease.owner === "" ||
      !(Number.isFinite(lease.millis) && lease.millis >= 0))
  ) {
    peekFail("lease must be { owner: a non-empty string, millis: a finite number >= 0 }");
  }
  return {
    after: after ?? "",
    dueBy: dueBy ?? Infinity,
    ...(destination === undefined ? {} : { destination }),
    ...(lease === undefined ? {} : { lease: { owner: lease.owner, millis: lease.millis } }),
  };
}

function peekFail(what: string): never {
  throw new TypeError(`Cannot peek the outbox: ${what}`);
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
  /** Age (ms since `createdAt`) past which an enqueue removes an entry. */
  readonly maxAgeMillis: number;
}

/**
 * Resolves and validates {@linkcode OutboxOptions} with their defaults.
 *
 * @param options The adapter's options.
 * @returns The bounds.
 * @throws {TracerError} `INVALID_CONFIG` for a non-positive bound or maximum age, or an unknown
 *   policy.
 */
export function outboxLimits(options: OutboxOptions = {}): OutboxLimits {
  const maxBytes = options.outboxMaxBytes ?? DEFAULT_OUTBOX_MAX_BYTES;
  const maxEntries = options.outboxMaxEntries ?? DEFAULT_OUTBOX_MAX_ENTRIES;
  const policy = options.outboxPolicy ?? "drop-oldest";
  const maxAgeMillis = options.outboxMaxAgeMillis ?? DEFAULT_OUTBOX_MAX_AGE_MILLIS;
  const positive = (value: unknown) => isCount(value) && value !== 0;
  if (!positive(maxBytes) || !positive(maxEntries) || !positive(maxAgeMillis)) {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot configure outbox: outboxMaxBytes, outboxMaxEntries and outboxMaxAgeMillis must be positive integers",
    );
  }
  if (policy !== "drop-oldest" && policy !== "drop-newest") {
    throw new TracerError("INVALID_CONFIG", `Cannot configure outbox: unknown policy "${policy}"`);
  }
  return { maxBytes, maxEntries, policy, maxAgeMillis };
}

const byId = (a: OutboxEntryInfo, b: OutboxEntryInfo): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

const sizeOf = (entries: readonly OutboxEntryInfo[]): number =>
  entries.reduce((sum, e) => sum + e.size, 0);

/** Optional parts of a {@linkcode BoundedOutbox}. */
export interface BoundedOutboxOptions {
  /** Where leases are kept (several outboxes over one store share them). Default: its own. */
  readonly leases?: OutboxLeases;
  /** The {@linkcode Outbox.deliveriesPerDrain} hint. */
  readonly deliveriesPerDrain?: number;
}

/** An {@linkcode Outbox} over any {@linkcode OutboxStore}, with bounds and a drop policy. */
export class BoundedOutbox implements Outbox {
  /** How many entries one drain should deliver at most, when the store says so. */
  readonly deliveriesPerDrain?: number;
  readonly #store: OutboxStore;
  readonly #limits: OutboxLimits;
  readonly #leases: OutboxLeases;
  readonly #serial = new SerialQueue();

  /**
   * Creates an outbox over a store.
   *
   * @param store Where entries are kept.
   * @param limits The bounds, from {@linkcode outboxLimits}.
   * @param options Shared leases and the drain hint.
   */
  constructor(store: OutboxStore, limits: OutboxLimits, options: BoundedOutboxOptions = {}) {
    this.#store = store;
    this.#limits = limits;
    this.#leases = options.leases ?? new OutboxLeases();
    if (options.deliveriesPerDrain !== undefined) {
      this.deliveriesPerDrain = options.deliveriesPerDrain;
    }
  }

  #run<T>(task: () => Promise<T>): Promise<T> {
    return this.#serial.run("outbox", task);
  }

  async #sorted(): Promise<OutboxEntryInfo[]> {
    return (await this.#store.list()).sort(byId);
  }

  /** Removes entries one by one; returns those removed (one that fails stays, for later). */
  async #removeAll(entries: readonly OutboxEntryInfo[]): Promise<OutboxEntryInfo[]> {
    const removed: OutboxEntryInfo[] = [];
    for (const entry of entries) {
      try {
        await this.#store.remove(entry.id);
        this.#leases.release(entry.id);
        removed.push(entry);
      } catch {
        // Still stored: still within the outbox's accounting, removed by a later enqueue.
      }
    }
    return removed;
  }

  /**
   * Stores an entry, applying the maximum age, the bounds and the drop policy. The new entry is
   * written first, so an enqueue that fails to write removes nothing; an older entry that then
   * cannot be removed stays stored (over the bound until a later enqueue) and is not reported.
   *
   * @param input The entry without id; its body is copied.
   * @returns Whether it was accepted, and which entries were evicted or expired.
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
      const { maxBytes, maxEntries, policy, maxAgeMillis } = this.#limits;
      if (body.byteLength > maxBytes) {
        return { accepted: false, rejected: "too_large", evicted: [] };
      }
      const cutoff = Date.now() - maxAgeMillis;
      const all = await this.#sorted();
      const old = all.filter((e) => e.createdAt < cutoff);
      const current = all.filter((e) => e.createdAt >= cutoff);
      let total = sizeOf(current);
      let evict = 0;
      while (total + body.byteLength > maxBytes || current.length - evict + 1 > maxEntries) {
        total -= current[evict++].size;
      }
      const refused = evict > 0 && policy === "drop-newest";
      if (!refused) {
        const info = toOutboxInfo(newOutboxId(), { ...fields, size: body.byteLength }, "enqueue");
        await this.#store.write(info, body);
      }
      const expired = await this.#removeAll(old);
      const evicted = refused ? [] : await this.#removeAll(current.slice(0, evict));
      const result = refused
        ? { accepted: false, rejected: "full" as const, evicted }
        : { accepted: true, evicted };
      return expired.length > 0 ? { ...result, expired } : result;
    });
  }

  /**
   * Reads entries oldest first, optionally only those after a cursor, due by a time, for a
   * destination and not leased by another owner (their metadata decides; bodies are read only for
   * the entries returned), and optionally leases them.
   *
   * @param limit How many at most.
   * @param options `after` (an id), `dueBy` (epoch ms), `destination` and `lease`.
   * @returns The entries.
   */
  peek(limit: number, options: OutboxPeekOptions = {}): Promise<OutboxEntry[]> {
    const count = limit > 0 ? Math.floor(limit) : 0;
    let filter: PeekFilter;
    try {
      filter = checkPeekOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    const { after, dueBy, destination, lease } = filter;
    return this.#run(async () => {
      if (count === 0) return [];
      const now = Date.now();
      const infos = await this.#sorted();
      const ids = new Set(infos.map((info) => info.id));
      this.#leases.prune(now, (id) => ids.has(id));
      const entries: OutboxEntry[] = [];
      for (const info of infos) {
        if (entries.length >= count) break;
        if (info.id <= after || info.notBefore > dueBy) continue;
        if (destination !== undefined && !isForDestination(info.contentType, destination)) continue;
        if (lease !== undefined && this.#leases.heldByOther(info.id, lease.owner, now)) continue;
        const body = await this.#store.readBody(info.id);
        if (body === undefined) continue; // removed by another process meanwhile
        if (lease !== undefined) this.#leases.take(info.id, lease.owner, now + lease.millis);
        const { size: _size, ...fields } = info;
        entries.push({ ...fields, body });
      }
      return entries;
    });
  }

  /**
   * Replaces an entry's retry bookkeeping and ends its lease; unknown ids are ignored. Stores
   * whose metadata travels with the body write the whole entry again.
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
      this.#leases.release(id);
      const store = this.#store;
      if (store.rewrite) {
        const info = await store.get(id);
        if (info !== undefined) await store.rewrite({ ...info, attempts, notBefore, reason });
        return;
      }
      const entry = store.read ? await store.read(id) : await this.#read(id);
      if (entry === undefined) return;
      await store.write({ ...entry.info, attempts, notBefore, reason }, entry.body);
    });
  }

  async #read(id: string): Promise<{ info: OutboxEntryInfo; body: Uint8Array } | undefined> {
    const info = await this.#store.get(id);
    const body = info && await this.#store.readBody(id);
    return info && body && { info, body };
  }

  /**
   * Removes an entry and its lease; unknown ids are ignored.
   *
   * @param id The entry id.
   * @returns When removed.
   */
  ack(id: string): Promise<void> {
    return this.#run(async () => {
      if (!isOutboxId(id)) return;
      await this.#store.remove(id);
      this.#leases.release(id);
    });
  }

  /**
   * Sums the stored body sizes.
   *
   * @returns Total bytes.
   */
  bytes(): Promise<number> {
    return this.#run(async () => sizeOf(await this.#store.list()));
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
