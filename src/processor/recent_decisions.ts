/**
 * The last N decisions of a tail sampler, by trace id: a fixed-size ring of ids, so remembering
 * one more decision (and forgetting the oldest) costs O(1) however large N is.
 *
 * @internal
 * @module
 */

/** A small number (0–3) standing for a decision. */
export type Decision = 0 | 1 | 2 | 3;

/** Remembers the decisions of the last `capacity` traces. */
export class RecentDecisions {
  readonly #capacity: number;
  readonly #ids: string[] = [];
  /** Trace id → its slot in `#ids` × 4 + its decision. */
  readonly #byId = new Map<string, number>();
  #next = 0;

  /**
   * Creates an empty memory.
   * @param capacity How many decisions are remembered (at least 1).
   */
  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /**
   * Looks a decision up.
   * @param traceId A trace id.
   * @returns Its remembered decision, or undefined when there is none (any more).
   */
  get(traceId: string): Decision | undefined {
    const value = this.#byId.get(traceId);
    return value === undefined ? undefined : value % 4 as Decision;
  }

  /**
   * Remembers a decision as the newest (replacing the trace's earlier one); the oldest is
   * forgotten past the capacity.
   * @param traceId The trace id.
   * @param decision Its decision.
   */
  set(traceId: string, decision: Decision): void {
    const slot = this.#next;
    this.#next = slot + 1 === this.#capacity ? 0 : slot + 1;
    const old = this.#ids[slot];
    // Forget the id that held this slot, unless it was remembered again since (in a newer slot).
    if (old !== undefined && Math.floor(this.#byId.get(old)! / 4) === slot) this.#byId.delete(old);
    this.#ids[slot] = traceId;
    this.#byId.set(traceId, slot * 4 + decision);
  }
}
