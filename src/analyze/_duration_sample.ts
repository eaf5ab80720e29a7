/**
 * The durations behind one latency summary of the trace analysis, in bounded memory: kept in a
 * growing `Float64Array` up to `exact` values (percentiles are then exact), past that a uniform
 * sample of `sample` of them (reservoir sampling, Vitter's algorithm R, with a fixed seed so that
 * a report is reproducible). The count, minimum and maximum are always exact.
 *
 * @module
 */
import { roundHalfEven, type Summary } from "./summary.ts";

/** Bounds of a {@linkcode DurationSample}. */
export interface DurationSampleLimits {
  /** Values kept for exact percentiles. */
  readonly exact: number;
  /** Values kept once there are more. */
  readonly sample: number;
}

const FIRST_CAPACITY = 16;

/** Durations (integers), every one of them or a uniform sample. */
export class DurationSample {
  readonly #limits: DurationSampleLimits;
  #values = new Float64Array(0);
  #length = 0;
  /** xorshift32 state. */
  #random = 0x9e3779b9;
  /** How many values were added. */
  count = 0;
  /** The smallest value added (Infinity when none). */
  min: number = Infinity;
  /** The largest value added (-Infinity when none). */
  max: number = -Infinity;

  /**
   * Starts empty.
   *
   * @param limits The bounds.
   */
  constructor(limits: DurationSampleLimits) {
    const sample = Math.max(1, limits.sample);
    this.#limits = { exact: Math.max(sample, limits.exact), sample };
  }

  /** Whether every value added is kept. */
  get exact(): boolean {
    return this.#length === this.count;
  }

  /** The values kept (all of them while {@linkcode exact}), in the order kept. */
  get values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }

  /**
   * Adds a value.
   *
   * @param value A finite integer.
   */
  add(value: number): void {
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.#length === this.count - 1) {
      if (this.#length < this.#limits.exact) {
        if (this.#length === this.#values.length) this.#grow();
        this.#values[this.#length++] = value;
        return;
      }
      this.#toSample();
    }
    const slot = Math.floor(this.#uniform() * this.count);
    if (slot < this.#length) this.#values[slot] = value;
  }

  #grow(): void {
    const size = Math.min(this.#limits.exact, Math.max(FIRST_CAPACITY, this.#values.length * 2));
    const values = new Float64Array(size);
    values.set(this.#values);
    this.#values = values;
  }

  /** Keeps a uniform sample of the values kept so far (all of them until now). */
  #toSample(): void {
    const size = this.#limits.sample;
    for (let i = size; i < this.#length; i++) {
      const slot = Math.floor(this.#uniform() * (i + 1));
      if (slot < size) this.#values[slot] = this.#values[i];
    }
    this.#values = this.#values.slice(0, size);
    this.#length = size;
  }

  /** A uniform number in [0, 1) with 53 random bits. */
  #uniform(): number {
    const high = this.#next() >>> 5;
    const low = this.#next() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  #next(): number {
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.#random = x >>> 0);
  }
}

/**
 * The summary of the values of several samples together: exact when every sample is, with the
 * nearest-rank percentiles design_research_agents computes (index `round((n - 1) * q)`); else
 * each kept value stands for `count / kept` values of its sample.
 *
 * @param samples The samples.
 * @returns `{count, min, p50, p95, max}`.
 */
export function summarizeSamples(samples: readonly DurationSample[]): Summary {
  let count = 0;
  let kept = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const s of samples) {
    count += s.count;
    kept += s.values.length;
    if (s.min < min) min = s.min;
    if (s.max > max) max = s.max;
  }
  if (count === 0) return { count: 0, min: null, p50: null, p95: null, max: null };
  const values = new Float64Array(kept);
  let at = 0;
  for (const s of samples) (values.set(s.values, at), at += s.values.length);
  const valueAt = kept === count ? exactRank(values) : weightedRank(samples, values);
  const percentile = (q: number) => valueAt(roundHalfEven((count - 1) * q));
  return { count, min, p50: percentile(0.5), p95: percentile(0.95), max };
}

/** The value of a rank among all the values. */
function exactRank(values: Float64Array): (rank: number) => number {
  values.sort();
  return (rank) => values[rank];
}

/** The value of a rank when each value of a sample stands for `count / kept` values. */
function weightedRank(
  samples: readonly DurationSample[],
  values: Float64Array,
): (rank: number) => number {
  const weights = new Float64Array(values.length);
  let at = 0;
  for (const s of samples) {
    weights.fill(s.count / s.values.length, at, at + s.values.length);
    at += s.values.length;
  }
  const order = byValue(values);
  return (rank) => {
    let seen = 0;
    for (const i of order) {
      seen += weights[i];
      if (seen > rank) return values[i];
    }
    return values[order[order.length - 1]];
  };
}

/** Indices of `values` in ascending order of value. */
function byValue(values: Float64Array): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => values[a] - values[b]);
}
