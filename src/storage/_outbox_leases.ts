/**
 * {@linkcode OutboxLeases}: who has claimed which outbox entries, and until when (see the `lease`
 * option of `Outbox.peek`). Kept in memory by whoever serializes the outbox's operations: the
 * `BoundedOutbox` of this process, or the Durable Object for every Worker that uses it.
 *
 * @module
 */

interface Lease {
  readonly owner: string;
  readonly until: number;
}

/** Claims on outbox entries by id; never more than one per entry, expired ones pruned. */
export class OutboxLeases {
  readonly #held = new Map<string, Lease>();

  /**
   * Tells whether another owner holds an unexpired claim on an entry.
   *
   * @param id The entry id.
   * @param owner Who asks.
   * @param now Epoch ms.
   * @returns True when the entry is claimed by someone else.
   */
  heldByOther(id: string, owner: string, now: number): boolean {
    const lease = this.#held.get(id);
    return lease !== undefined && lease.owner !== owner && lease.until > now;
  }

  /**
   * Claims an entry (replacing any claim on it).
   *
   * @param id The entry id.
   * @param owner Who claims it.
   * @param until Epoch ms when the claim ends.
   */
  take(id: string, owner: string, until: number): void {
    this.#held.set(id, { owner, until });
  }

  /**
   * Ends the claim on an entry, if any.
   *
   * @param id The entry id.
   */
  release(id: string): void {
    this.#held.delete(id);
  }

  /**
   * Forgets expired claims and claims on entries that no longer exist, so the map never holds
   * more than the outbox does.
   *
   * @param now Epoch ms.
   * @param live Whether an entry id still exists.
   */
  prune(now: number, live: (id: string) => boolean): void {
    for (const [id, lease] of this.#held) {
      if (lease.until <= now || !live(id)) this.#held.delete(id);
    }
  }
}
