/**
 * How many distinct ids (runs, traces) the trace analysis saw, in bounded memory: exact while
 * there are at most `maxIds` of them (and their characters fit the budget), then estimated by a
 * HyperLogLog sketch (Flajolet et al., 2007) of 16,384 registers, about 0.8% off (one standard
 * error), 16 KiB whatever the count.
 *
 * @module
 */
import { detachedString } from "./_detached_string.ts";

/** Bounds of a {@linkcode DistinctCount}. */
export interface DistinctCountLimits {
  /** Ids kept for an exact count. */
  readonly maxIds: number;
  /** UTF-16 code units of the ids kept, in all. */
  readonly maxChars: number;
}

const PRECISION = 14;
const REGISTERS = 1 << PRECISION;

/** Counts distinct strings. */
export class DistinctCount {
  readonly #limits: DistinctCountLimits;
  #ids: Set<string> | undefined = new Set();
  #chars = 0;
  #registers: Uint8Array | undefined;

  /**
   * Starts with no ids.
   *
   * @param limits The bounds.
   */
  constructor(limits: DistinctCountLimits) {
    this.#limits = limits;
  }

  /** Whether {@linkcode size} is exact. */
  get exact(): boolean {
    return this.#ids !== undefined;
  }

  /** How many distinct ids were added (estimated once not {@linkcode exact}). */
  get size(): number {
    return this.#ids?.size ?? estimate(this.#registers!);
  }

  /**
   * Adds an id.
   *
   * @param id The id.
   */
  add(id: string): void {
    const ids = this.#ids;
    if (ids === undefined) return record(this.#registers!, id);
    if (ids.has(id)) return;
    if (ids.size < this.#limits.maxIds && this.#chars + id.length <= this.#limits.maxChars) {
      ids.add(detachedString(id));
      this.#chars += id.length;
      return;
    }
    const registers = new Uint8Array(REGISTERS);
    for (const kept of ids) record(registers, kept);
    record(registers, id);
    this.#registers = registers;
    this.#ids = undefined;
  }
}

/** Records a string's hash in the registers. */
function record(registers: Uint8Array, id: string): void {
  // Two 32-bit FNV-1a hashes with different offsets, each finished by MurmurHash3's mixer:
  // the first picks the register, the second's leading zeros are the rank.
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  const slot = mix(a) >>> (32 - PRECISION);
  const rank = Math.clz32(mix(b)) + 1;
  if (rank > registers[slot]) registers[slot] = rank;
}

/** MurmurHash3's 32-bit finalizer. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The HyperLogLog estimate, with linear counting for small counts. */
function estimate(registers: Uint8Array): number {
  let sum = 0;
  let zeros = 0;
  for (const r of registers) {
    sum += 2 ** -r;
    if (r === 0) zeros++;
  }
  const alpha = 0.7213 / (1 + 1.079 / REGISTERS);
  const raw = (alpha * REGISTERS * REGISTERS) / sum;
  if (raw <= 2.5 * REGISTERS && zeros > 0) {
    return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
  }
  return Math.round(raw);
}
