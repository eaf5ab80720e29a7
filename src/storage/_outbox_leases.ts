/**
 * {@linkcode OutboxLeases}: who has claimed which outbox entries, and until when (see the `lease`
 * option of `Outbox.peek`). Kept in memory, shared by every outbox over the same entries in this
 * isolate or process: the Durable Object's outboxes for every Worker that uses it, and every fs
 * storage object on one root (through a shared name, see the constructor). Not across processes:
 * the file-system adapters add claims on disk (`_fs_outbox_leases.ts`) for that. Both are
 * {@linkcode OutboxClaims}, what `BoundedOutbox` takes and ends its leases through.
 *
 * @module
 */

/**
 * Claims on outbox entries as `BoundedOutbox` takes and ends them (see the `lease` option of
 * `Outbox.peek`): in memory ({@linkcode OutboxLeases}) or kept beside the entries. Methods never
 * reject: a claim that cannot be kept where it should is kept in memory instead.
 */
export interface OutboxClaims {
  /**
   * Claims an entry unless another owner holds an unexpired claim on it.
   *
   * @param id The entry id.
   * @param owner Who claims it.
   * @param until Epoch ms when the claim ends.
   * @param now Epoch ms now.
   * @returns Whether the claim is `owner`'s now.
   */
  claim(id: string, owner: string, until: number, now: number): boolean | Promise<boolean>;
  /** Ends this process's claim on an entry that stays stored (updated, or not read). */
  release(id: string): void | Promise<void>;
  /** Forgets every claim on an entry that was removed (acked, evicted, expired, corrupt). */
  removed(id: string): void | Promise<void>;
  /** Forgets expired claims and claims on gone entries (see {@linkcode OutboxLeases.prune}). */
  prune(now: number, live: (id: string) => boolean, listedAt?: number): void;
}

interface Lease {
  readonly owner: string;
  readonly until: number;
  /** Epoch ms when taken. */
  readonly since: number;
}

/** The claims of named leases, per name; a name is forgotten when it holds no claim. */
const named = new Map<string, Map<string, Lease>>();

/** Claims on outbox entries by id; never more than one per entry, expired ones pruned. */
export class OutboxLeases implements OutboxClaims {
  readonly #own: Map<string, Lease> | undefined;
  readonly #name: string | undefined;

  /**
   * Creates a lease table.
   *
   * @param name Shares the claims with every table of this name in the process (for example an
   *   outbox directory's absolute path); without it, the table is its own.
   */
  constructor(name?: string) {
    this.#name = name;
    this.#own = name === undefined ? new Map() : undefined;
  }

  #held(): Map<string, Lease> | undefined {
    return this.#own ?? named.get(this.#name!);
  }

  #forgetIfEmpty(held: Map<string, Lease>): void {
    if (held.size === 0 && this.#own === undefined) named.delete(this.#name!);
  }

  /**
   * Tells whether another owner holds an unexpired claim on an entry.
   *
   * @param id The entry id.
   * @param owner Who asks.
   * @param now Epoch ms.
   * @returns True when the entry is claimed by someone else.
   */
  heldByOther(id: string, owner: string, now: number): boolean {
    const lease = this.#held()?.get(id);
    return lease !== undefined && lease.owner !== owner && lease.until > now;
  }

  /**
   * Claims an entry (replacing any claim on it).
   *
   * @param id The entry id.
   * @param owner Who claims it.
   * @param until Epoch ms when the claim ends.
   * @param now Epoch ms now. Default `Date.now()`.
   */
  take(id: string, owner: string, until: number, now: number = Date.now()): void {
    let held = this.#held();
    if (held === undefined) named.set(this.#name!, held = new Map());
    held.set(id, { owner, until, since: now });
  }

  /**
   * Claims an entry unless another owner holds an unexpired claim on it (then leaves it alone).
   *
   * @param id The entry id.
   * @param owner Who claims it.
   * @param until Epoch ms when the claim ends.
   * @param now Epoch ms now.
   * @returns Whether the claim is `owner`'s now.
   */
  claim(id: string, owner: string, until: number, now: number): boolean {
    if (this.heldByOther(id, owner, now)) return false;
    this.take(id, owner, until, now);
    return true;
  }

  /**
   * Forgets the claim on a removed entry: the same as {@linkcode OutboxLeases.release} here.
   *
   * @param id The entry id.
   */
  removed(id: string): void {
    this.release(id);
  }

  /**
   * Ends the claim on an entry, if any.
   *
   * @param id The entry id.
   */
  release(id: string): void {
    const held = this.#held();
    if (held === undefined) return;
    held.delete(id);
    this.#forgetIfEmpty(held);
  }

  /**
   * Forgets expired claims, and claims on entries that no longer exist, so the table never holds
   * more than the outbox does. A claim taken at or after `listedAt` is kept whatever `live` says:
   * an outbox sharing the table may have written and claimed its entry after the listing that
   * `live` answers from.
   *
   * @param now Epoch ms.
   * @param live Whether an entry id still exists.
   * @param listedAt Epoch ms when the listing behind `live` started. Default `now`.
   */
  prune(now: number, live: (id: string) => boolean, listedAt: number = now): void {
    const held = this.#held();
    if (held === undefined) return;
    for (const [id, lease] of held) {
      if (lease.until <= now || (lease.since < listedAt && !live(id))) held.delete(id);
    }
    this.#forgetIfEmpty(held);
  }
}
