/**
 * W3C trace and span ids from a pooled `crypto.getRandomValues` buffer with table-driven hex.
 * The pool is filled lazily (Workers forbid random generation at module scope; an id needed
 * there comes from `Math.random`).
 *
 * @module
 */

// 32 KiB: Node 20's getRandomValues costs ~4.4 µs a call whatever its size up to a few KiB, so a
// 4 KiB pool cost ~30 ns a span there (~5 ns at 32 KiB); Deno and Bun cost the same per byte
// either way. Below Workers' 64 KiB limit a call.
const POOL_SIZE = 32768;
const pool = new Uint8Array(POOL_SIZE);
let offset = POOL_SIZE;

/** Character codes of the high and the low hex digit of every byte value. */
const HIGH = new Uint16Array(256);
const LOW = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  HIGH[i] = "0123456789abcdef".charCodeAt(i >> 4);
  LOW[i] = "0123456789abcdef".charCodeAt(i & 15);
}
const fromCharCode = String.fromCharCode;

/** Takes `byteCount` random bytes that are not all zero from the pool; returns their offset. */
function takeNonZero(byteCount: number): number {
  for (;;) {
    if (offset + byteCount > POOL_SIZE) {
      offset = 0;
      try {
        crypto.getRandomValues(pool);
      } catch {
        // Workers forbid random values at module scope: an id made there (a span started at
        // startup) takes Math.random bytes, and the next one refills the pool.
        offset = POOL_SIZE - 16;
        for (let i = offset; i < POOL_SIZE; i++) pool[i] = Math.random() * 256;
      }
    }
    const start = offset;
    offset += byteCount;
    // The first byte is non-zero 255 times in 256: the scan almost always stops there.
    for (let i = start; i < offset; i++) if (pool[i] !== 0) return start;
  }
}

// The ids are built by `String.fromCharCode` calls with every character code as an argument:
// flat string allocations instead of a chain of concatenations (2-3x faster on V8 and JSC).

/** 16 hex characters of the 8 pool bytes at `o`. */
function hex8(o: number): string {
  const p = pool;
  // deno-fmt-ignore
  return fromCharCode(
    HIGH[p[o]], LOW[p[o]], HIGH[p[o + 1]], LOW[p[o + 1]], HIGH[p[o + 2]], LOW[p[o + 2]],
    HIGH[p[o + 3]], LOW[p[o + 3]], HIGH[p[o + 4]], LOW[p[o + 4]], HIGH[p[o + 5]], LOW[p[o + 5]],
    HIGH[p[o + 6]], LOW[p[o + 6]], HIGH[p[o + 7]], LOW[p[o + 7]],
  );
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
  const o = takeNonZero(16);
  return hex8(o) + hex8(o + 8);
}

/**
 * A new random W3C span id: 16 lower-case hex characters, never all zero.
 *
 * @returns The span id.
 */
export function newSpanId(): string {
  return hex8(takeNonZero(8));
}

/**
 * A new random UUID (v4), used for task ids: `crypto.randomUUID()`, else built from the random
 * pool (browsers offer `randomUUID` only to secure contexts: a page on `http://` of a LAN address
 * has `getRandomValues` but not it).
 *
 * @returns A dashed 36-character UUID.
 */
export function newUuid(): string {
  try {
    return crypto.randomUUID();
  } catch {
    const h = newTraceId();
    // Version 4, variant 10xx (RFC 9562).
    const variant = "89ab"[parseInt(h[16], 16) & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${
      h.slice(20)
    }`;
  }
}

/**
 * Lower-case hex of a byte array, using the same lookup table as the id generator.
 *
 * @param bytes The bytes.
 * @returns Their hex form.
 */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += fromCharCode(HIGH[bytes[i]], LOW[bytes[i]]);
  return hex;
}

// Lower-case hex of the right length that is not all zeros (the lookahead rejects those).
const TRACE_ID = /^(?!0+$)[0-9a-f]{32}$/;
const SPAN_ID = /^(?!0+$)[0-9a-f]{16}$/;

/**
 * True for a valid W3C trace id (32 lower-case hex, not all zero).
 *
 * @param id The candidate.
 * @returns Whether it is valid.
 */
export function isValidTraceId(id: unknown): id is string {
  return typeof id === "string" && TRACE_ID.test(id);
}

/**
 * True for a valid W3C span id (16 lower-case hex, not all zero).
 *
 * @param id The candidate.
 * @returns Whether it is valid.
 */
export function isValidSpanId(id: unknown): id is string {
  return typeof id === "string" && SPAN_ID.test(id);
}
