/**
 * Latency summaries as design_research_agents' analysis computes them: `{count, min, p50, p95,
 * max}` with the nearest-rank index `round((n - 1) * q)` using Python's round-half-to-even (so
 * `round(2.5) = 2`, unlike `Math.round`). Booleans are not numbers here; floats are truncated
 * to integers.
 *
 * @module
 */

/** A summary of integer values. */
export interface Summary {
  /** How many values. */
  count: number;
  /** The smallest, or null when empty. */
  min: number | null;
  /** The median by nearest rank, or null. */
  p50: number | null;
  /** The 95th percentile by nearest rank, or null. */
  p95: number | null;
  /** The largest, or null. */
  max: number | null;
}

/**
 * Rounds to the nearest integer, halves to the even neighbour (Python's `round`).
 *
 * @param x A finite number.
 * @returns The rounded integer.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * A value as an integer for summaries: finite numbers truncated, numeric strings are not
 * accepted, booleans and everything else give undefined.
 *
 * @param value Any value.
 * @returns The integer, or undefined.
 */
export function asInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

/**
 * The nearest-rank percentile of sorted values.
 *
 * @param sorted Values sorted ascending (non-empty).
 * @param q The quantile in [0, 1].
 * @returns The value at index `roundHalfEven((n - 1) * q)`.
 */
export function percentile(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, roundHalfEven((sorted.length - 1) * q)));
  return sorted[index];
}

/**
 * Summarizes values (non-integers are truncated; non-numbers ignored).
 *
 * @param values The values.
 * @returns `{count, min, p50, p95, max}`.
 */
export function summarize(values: readonly unknown[]): Summary {
  const ints: number[] = [];
  for (const v of values) {
    const n = asInt(v);
    if (n !== undefined) ints.push(n);
  }
  if (ints.length === 0) return { count: 0, min: null, p50: null, p95: null, max: null };
  ints.sort((a, b) => a - b);
  return {
    count: ints.length,
    min: ints[0],
    p50: percentile(ints, 0.5),
    p95: percentile(ints, 0.95),
    max: ints[ints.length - 1],
  };
}
