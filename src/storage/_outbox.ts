/**
 * The one outbox implementation: FIFO order by sortable ids, byte and entry bounds, the maximum
 * age, the drop policy, peek filters and leases live here (ids, input validation and the bounds'
 * defaults are in `_outbox_entries.ts`); adapters only provide an {@linkcode OutboxStore} that
 * keeps entries somewhere (a Map, a directory, a Durable Object, a bucket).
 *
 * @module
 */

import { reportOnce } from "../diagnostics.ts";
import { isForDestination } from "./_destination.ts";
import {
  checkOutboxFields,
  checkPeekOptions,
  checkRetryFields,
  isOutboxId,
  newOutboxId,
  type OutboxLimits,
  type PeekFilter,
  toOutboxInfo,
} from "./_outbox_entries.ts";
import { type OutboxClaims, OutboxLeases } from "./_outbox_leases.ts";
import { SerialQueue } from "./_serial.ts";
import type {
  EnqueueResult,
  Outbox,
  OutboxEntry,
  OutboxEntryInfo,
  OutboxInput,
  OutboxPeekOptions,
} from "./types.ts";

/** Where a {@linkcode BoundedOutbox} keeps its entries. Calls are never concurrent per outbox. */
export interface OutboxStore {
  /**
   * Every stored entry's metadata, in any order. With `listsOldRetryFields`, the retry fields
   * (`attempts`, `notBefore`, `reason`) may be older than what is stored.
   */
  list(): Promise<OutboxEntryInfo[]>;
  /** One entry's metadata as stored now, or undefined when absent. */
  get(id: string): Promise<OutboxEntryInfo | undefined>;
  /**
   * True when `list` may return retry fields older than what is stored (a store that keeps the
   * metadata it read in memory, while another process may update an entry): `peek` then reads
   * each entry's metadata again with `get` before it checks `notBefore` or returns the entry.
   * The other fields never change once an entry is written.
   */
  readonly listsOldRetryFields?: boolean;
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
  /**
   * Deletes an entry; absent ids are fine. Resolves to whether this call deleted it: false when
   * it was already gone (another instance or process removed it first), so that two outboxes
   * evicting the same entry do not both report it. Stores that cannot tell resolve to true.
   */
  remove(id: string): Promise<boolean>;
}

const byId = (a: OutboxEntryInfo, b: OutboxEntryInfo): number =>
  a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

const sizeOf = (entries: readonly OutboxEntryInfo[]): number =>
  entries.reduce((sum, e) => sum + e.size, 0);

/** Optional parts of a {@linkcode BoundedOutbox}. */
export interface BoundedOutboxOptions {
  /**
   * Where leases are kept: several outboxes over the same entries share one (by object, or by
   * name, see {@linkcode OutboxLeases}), or keep them beside the entries (the file-system
   * adapters: every process on the directory sees them). Default: its own, in memory.
   */
  readonly leases?: OutboxClaims | undefined;
  /** The {@linkcode Outbox.maxDeliveriesPerDrain} hint. */
  readonly maxDeliveriesPerDrain?: number | undefined;
  /** The {@linkcode Outbox.idleRecheckMillis} hint. */
  readonly idleRecheckMillis?: number | undefined;
  /** {@linkcode Outbox.volatile}: the store lives in this process's memory. */
  readonly volatile?: boolean | undefined;
}

/** An {@linkcode Outbox} over any {@linkcode OutboxStore}, with bounds and a drop policy. */
export class BoundedOutbox implements Outbox {
  /** How many entries one drain should deliver at most, when the store says so. */
  readonly maxDeliveriesPerDrain?: number;
  /** How long a drainer may skip looking after finding nothing due, when the store says so. */
  readonly idleRecheckMillis?: number;
  /** True when the store lives in this process's memory. */
  readonly volatile?: boolean;
  readonly #store: OutboxStore;
  readonly #limits: OutboxLimits;
  readonly #leases: OutboxClaims;
  readonly #serial = new SerialQueue();

  /**
   * Creates an outbox over a store.
   *
   * @param store Where entries are kept.
   * @param limits The bounds, from {@linkcode outboxLimits}.
   * @param options Shared leases, the drain hint and whether the store is in memory.
   */
  constructor(store: OutboxStore, limits: OutboxLimits, options: BoundedOutboxOptions = {}) {
    this.#store = store;
    this.#limits = limits;
    this.#leases = options.leases ?? new OutboxLeases();
    if (options.maxDeliveriesPerDrain !== undefined) {
      this.maxDeliveriesPerDrain = options.maxDeliveriesPerDrain;
    }
    if (options.idleRecheckMillis !== undefined) {
      this.idleRecheckMillis = options.idleRecheckMillis;
    }
    if (options.volatile) this.volatile = true;
  }

  #run<T>(task: () => Promise<T>): Promise<T> {
    return this.#serial.run("outbox", task);
  }

  async #sorted(): Promise<OutboxEntryInfo[]> {
    return (await this.#store.list()).sort(byId);
  }

  /**
   * Removes entries one by one; returns those this call removed (one already removed by another
   * outbox is left out; one that fails stays, for later).
   */
  async #removeAll(entries: readonly OutboxEntryInfo[]): Promise<OutboxEntryInfo[]> {
    const removed: OutboxEntryInfo[] = [];
    for (const entry of entries) {
      try {
        if (await this.#store.remove(entry.id)) removed.push(entry);
        await this.#leases.removed(entry.id);
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
      const refused = evict > 0 && policy === "newest";
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
   * the entries returned), and optionally leases them. An entry whose body length differs from
   * its stored `size` is corrupt: it is removed (diagnostic `outbox_corrupt`), never returned.
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
      for (const listed of infos) {
        if (entries.length >= count) break;
        if (listed.id <= after) continue;
        if (destination !== undefined && !isForDestination(listed.contentType, destination)) {
          continue;
        }
        const info = this.#store.listsOldRetryFields ? await this.#store.get(listed.id) : listed;
        if (info === undefined || info.notBefore > dueBy) continue; // removed meanwhile, or not due
        // Claimed before the read: an outbox sharing these leases may peek meanwhile.
        if (
          lease !== undefined &&
          !(await this.#leases.claim(info.id, lease.owner, now + lease.millis, now))
        ) continue;
        let body: Uint8Array | undefined;
        try {
          body = await this.#store.readBody(info.id);
        } finally {
          if (body === undefined && lease !== undefined) await this.#leases.release(info.id);
        }
        if (body === undefined) continue; // removed by another process meanwhile
        if (body.byteLength !== info.size) {
          await this.#dropCorrupt(info, body.byteLength);
          continue;
        }
        const { size: _size, ...fields } = info;
        entries.push({ ...fields, body });
      }
      return entries;
    });
  }

  /**
   * Removes an entry whose body is not as long as stored (cut short by a power loss before it
   * reached the disk), so that it is never sent, with a diagnostic once per entry.
   */
  async #dropCorrupt(info: OutboxEntryInfo, length: number): Promise<void> {
    reportOnce(
      `outbox_corrupt:${info.id}`,
      "warn",
      "outbox_corrupt",
      `Cannot deliver outbox entry ${info.id}: its body has ${length} bytes instead of ` +
        `${info.size} (cut short by a crash); removed, its ${info.spanCount} spans are lost`,
    );
    await this.#removeAll([info]); // one that cannot be removed is dropped again by a later peek
    await this.#leases.release(info.id);
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
      try {
        await this.#rewrite(id, { attempts, notBefore, reason });
      } finally {
        // Only now: an outbox sharing these leases must not take it with its old `notBefore`.
        await this.#leases.release(id);
      }
    });
  }

  async #rewrite(
    id: string,
    changes: Pick<OutboxEntry, "attempts" | "notBefore" | "reason">,
  ): Promise<void> {
    const store = this.#store;
    if (store.rewrite) {
      const info = await store.get(id);
      if (info !== undefined) await store.rewrite({ ...info, ...changes });
      return;
    }
    const entry = store.read ? await store.read(id) : await this.#read(id);
    if (entry !== undefined) await store.write({ ...entry.info, ...changes }, entry.body);
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
      await this.#leases.removed(id);
    });
  }

  /**
   * Ends this process's lease on an entry, leaving the entry as it is; unknown ids are ignored.
   *
   * @param id The entry id.
   * @returns When ended.
   */
  release(id: string): Promise<void> {
    return this.#run(async () => {
      if (isOutboxId(id)) await this.#leases.release(id);
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
