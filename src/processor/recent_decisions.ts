/**
 * The decisions of a tail sampler, by trace id: the last N exactly, in a fixed-size ring of ids
 * (remembering one more and forgetting the oldest costs O(1) however large N is); then by hashed
 * id for at least 4 × N more decisions, or 2^19 (524 288) more once N is 2^17 or more, in two
 * fixed-size tables used in turn (4 bytes a slot, half of them used at most, instead of a string
 * and a map entry; at most about 1 M decisions by hash, 8 MiB, in all).
 *
 * @internal
 * @module
 */

/** A small number (0–3) standing for a decision. */
export type Decision = 0 | 1 | 2 | 3;

/**
 * Two 32-bit FNV-1a-style hashes of a trace id: the first picks a table slot, the second checks
 * the id (ids that are not random, such as sequential ones, spread too).
 */
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5, b = 0x1b873593;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return [a ^ a >>> 16, b ^ b >>> 15];
}

/** Remembers the decisions of the last `capacity` traces exactly, and of older ones by hash. */
export class RecentDecisions {
  readonly #capacity: number;
  readonly #ids: string[] = [];
  /** Trace id → its slot in `#ids` × 4 + its decision. */
  readonly #byId = new Map<string, number>();
  #next = 0;
  /** How many decisions a table takes before the older table is cleared for new ones. */
  readonly #perTable: number;
  /** Slots of a table: a power of two, at least twice `#perTable`. */
  readonly #size: number = 2;
  /**
   * Decisions the ring forgot, newer table first (made at the first use), open-addressed by the
   * id's first hash: its second hash with the low 3 bits replaced by 4 + the decision (0: empty).
   */
  #tables: Uint32Array[] | undefined;
  #inTable = 0;

  /**
   * Creates an empty memory.
   * @param capacity How many decisions are remembered exactly (at least 1); by hash, at least
   *   4 × `capacity` more, or 2^19 from a `capacity` of 2^17 on (two tables of 8 × `capacity`
   *   slots, rounded up to a power of two; at most 2^20 slots, 4 MiB, each).
   */
  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
    this.#perTable = Math.min(4 * this.#capacity, 2 ** 19);
    while (this.#size < 2 * this.#perTable) this.#size *= 2;
  }

  /**
   * Looks a decision up.
   * @param traceId A trace id.
   * @returns Its remembered decision, or undefined when there is none (any more). With odds of
   *   about 10^-8, an id not remembered by hash gets the decision of another.
   */
  get(traceId: string): Decision | undefined {
    const value = this.#byId.get(traceId);
    if (value !== undefined) return value % 4 as Decision;
    if (this.#tables === undefined) return undefined;
    const [at, check] = hashes(traceId);
    for (const table of this.#tables) {
      const mask = table.length - 1;
      for (let i = at & mask; table[i] !== 0; i = (i + 1) & mask) {
        if ((table[i] ^ check) >>> 3 === 0) return table[i] % 4 as Decision;
      }
    }
    return undefined;
  }

  /**
   * Remembers a decision as the newest (replacing the trace's earlier one); past the capacity,
   * the oldest one in the ring moves to the tables.
   * @param traceId The trace id.
   * @param decision Its decision.
   */
  set(traceId: string, decision: Decision): void {
    const slot = this.#next;
    this.#next = slot + 1 === this.#capacity ? 0 : slot + 1;
    const old = this.#ids[slot];
    const value = old === undefined ? undefined : this.#byId.get(old)!;
    // Forget the id that held this slot, unless it was remembered again since (in a newer slot).
    if (value !== undefined && Math.floor(value / 4) === slot) {
      this.#byId.delete(old);
      this.#hash(old, value % 4);
    }
    this.#ids[slot] = traceId;
    this.#byId.set(traceId, slot * 4 + decision);
  }

  /** Remembers a decision by hash in the newer table; when it is full, the older is cleared. */
  #hash(traceId: string, decision: number): void {
    const size = this.#size;
    const tables = this.#tables ??= [new Uint32Array(size), new Uint32Array(size)];
    if (this.#inTable === this.#perTable) {
      tables.reverse()[0].fill(0);
      this.#inTable = 0;
    }
    const [at, check] = hashes(traceId);
    const table = tables[0];
    const entry = check & ~7 | 4 | decision;
    const mask = size - 1;
    let i = at & mask;
    // Linear probing, at most half full: stop at an empty slot or at this id's older entry.
    while (table[i] !== 0 && (table[i] ^ entry) >>> 3 !== 0) i = (i + 1) & mask;
    this.#inTable += +(table[i] === 0);
    table[i] = entry;
  }
}
