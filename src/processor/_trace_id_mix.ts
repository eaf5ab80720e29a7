/**
 * The tail sampler's share decision input: a hash of a trace id's random bits.
 *
 * @internal
 * @module
 */

/**
 * A 32-bit hash of the random part of a trace id (its rightmost 56 bits, as `traceIdRatio`
 * reads them). `traceIdRatio` keeps the traces whose bits are above a threshold; this mix is
 * independent of that, so a tail `ratio` keeps its share of the traces a head sampler kept.
 *
 * @param traceId A trace id (32 hex digits).
 * @returns A 32-bit unsigned integer, the same for the same id.
 */
export function mixTraceId(traceId: string): number {
  let h = Math.imul(parseInt(traceId.slice(18, 24), 16) ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ parseInt(traceId.slice(24, 32), 16), 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}
