/**
 * The growable byte buffer under the OTLP writers (protobuf and JSON): one `Uint8Array` that
 * doubles when full, a write position, and an exactly sized copy at the end.
 *
 * @module
 */

/**
 * A growable `Uint8Array` with a write position; the writers extend it.
 *
 * @example
 * ```ts
 * import { ByteBuffer } from "./byte_buffer.ts";
 * const b = new ByteBuffer(16);
 * b.ensure(3);
 * b.buf.set([1, 2, 3], b.pos);
 * b.pos += 3;
 * const bytes: Uint8Array = b.finish(); // Uint8Array [1, 2, 3]
 * ```
 */
export class ByteBuffer {
  /** The buffer; valid bytes are `[0, pos)`. */
  buf: Uint8Array;
  /** The write position. */
  pos = 0;

  /** @param initialSize Initial capacity in bytes. */
  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(Math.max(16, initialSize));
  }

  /**
   * Makes room for `n` more bytes.
   *
   * @param n Bytes needed.
   */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  /**
   * Replaces the buffer with one of at least twice the size (kept out of
   * {@linkcode ByteBuffer.ensure} so that the check stays small enough to inline).
   *
   * @param n Bytes needed after `pos`.
   */
  grow(n: number): void {
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /**
   * The written bytes, as a copy sized exactly.
   *
   * @returns The bytes.
   */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
