/**
 * A small seeded pseudo-random generator (mulberry32) for randomized tests, so that a failure
 * can be replayed from its seed.
 *
 * @module
 */

/**
 * A generator of numbers in [0, 1) from a 32-bit seed.
 *
 * @param seed The seed.
 * @returns The generator.
 */
export function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
