/**
 * W3C trace and span ids from a pooled `crypto.getRandomValues` buffer with table-driven hex.
 * The pool is filled lazily (Workers forbid random generation at module scope).
 *
 * @module
 */

/** Two lower-case hex characters for every byte value. */
const HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let offset = POOL_SIZE;

function hexFromPool(byteCount: number): string {
  for (;;) {
    if (offset + byteCount > POOL_SIZE) {
      crypto.getRandomValues(pool);
      offset = 0;
    }
    const start = offset;
    offset += byteCount;
    let hex = "";
    let nonZero = 0;
    for (let i = start; i < start + byteCount; i++) {
      const byte = pool[i];
      nonZero |= byte;
      hex += HEX[byte];
    }
    if (nonZero !== 0) return hex;
  }
}

/**
 * A new random W3C trace id: 32 lower-case hex characters, never all zero.
 *
 * @returns The trace id.
 * @example
 * ```ts
 * import { newTraceId } from "@tracelet/tracelet";
 * console.log(newTraceId().length); // 32
 * ```
 */
export function newTraceId(): string {
  return hexFromPool(16);
}

/**
 * A new random W3C span id: 16 lower-case hex characters, never all zero.
 *
 * @returns The span id.
 */
export function newSpanId(): string {
  return hexFromPool(8);
}

/**
 * A new random UUID (v4), used for task ids.
 *
 * @returns A dashed 36-character UUID.
 */
export function newUuid(): string {
  return crypto.randomUUID();
}

/**
 * Lower-case hex of a byte array, using the same lookup table as the id generator.
 *
 * @param bytes The bytes.
 * @returns Their hex form.
 */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]];
  return hex;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

/**
 * True for a valid W3C trace id (32 lower-case hex, not all zero).
 *
 * @param id The candidate.
 * @returns Whether it is valid.
 */
export function isValidTraceId(id: string): boolean {
  return TRACE_ID.test(id) && id !== "00000000000000000000000000000000";
}

/**
 * True for a valid W3C span id (16 lower-case hex, not all zero).
 *
 * @param id The candidate.
 * @returns Whether it is valid.
 */
export function isValidSpanId(id: string): boolean {
  return SPAN_ID.test(id) && id !== "0000000000000000";
}
