/**
 * A minimal protobuf wire-format writer: one growable `Uint8Array`, no schema, no code
 * generation, no `eval`. A nested message reserves room for its length (one byte unless the
 * caller expects more) and is shifted in place only when the length turns out to need a
 * different number of bytes. Kept small on purpose (it is on the default Worker path): numbers
 * go through one exact varint routine, and strings take an inline loop while they are short
 * ASCII, `encodeInto` otherwise.
 *
 * @module
 */
import { utf8Encoder } from "../utf8.ts";
import { ByteBuffer } from "./byte_buffer.ts";

/** Wire type 0: varint. */
export const WIRE_VARINT = 0;
/** Wire type 1: 64-bit little-endian. */
export const WIRE_I64 = 1;
/** Wire type 2: length-delimited. */
export const WIRE_LEN = 2;
/** Wire type 5: 32-bit little-endian. */
export const WIRE_I32 = 5;

const TWO_POW_32 = 4294967296;
const f64 = new DataView(new ArrayBuffer(8));
const f64Bytes = new Uint8Array(f64.buffer);

/**
 * Writes protobuf fields into a growable buffer.
 *
 * @example
 * ```ts
 * import { ProtobufWriter, WIRE_LEN } from "./protobuf_writer.ts";
 * const w = new ProtobufWriter();
 * w.uint32((1 << 3) | WIRE_LEN); // field 1, length-delimited
 * w.string("hello");
 * const bytes: Uint8Array = w.finish();
 * ```
 */
export class ProtobufWriter extends ByteBuffer {
  /**
   * Writes an unsigned varint (a tag, a length, a `uint32`, or any non-negative integer-valued
   * number below 2^64, exactly: `& 127` and division by 128 are exact on integer doubles).
   *
   * @param value The non-negative integer.
   */
  uint32(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 127) {
      buf[pos++] = (value & 127) | 128;
      value = Math.floor(value / 128);
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /**
   * Writes a signed 64-bit varint (`int64`) from an integer-valued number within ±2^63.
   * Negative values take ten bytes (two's complement), as the protobuf spec requires.
   *
   * @param value The integer.
   */
  int64(value: number): void {
    if (value >= 0) return this.uint32(value);
    this.ensure(10);
    let big = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 9; i++, big >>= 7n) this.buf[this.pos++] = Number(big & 127n) | 128;
    this.buf[this.pos++] = 1;
  }

  /**
   * Writes a little-endian 32-bit value (`fixed32`).
   *
   * @param value 0 … 2^32-1.
   */
  fixed32(value: number): void {
    this.ensure(4);
    for (let shift = 0; shift < 32; shift += 8) this.buf[this.pos++] = value >>> shift;
  }

  /**
   * Writes a little-endian 64-bit value (`fixed64`) from a non-negative integer-valued number
   * (an epoch-nanosecond time up to ~1.8e19), exactly.
   *
   * @param value The value.
   */
  fixed64(value: number): void {
    const high = Math.floor(value / TWO_POW_32);
    this.fixed32(value - high * TWO_POW_32);
    this.fixed32(high);
  }

  /**
   * Writes a little-endian IEEE-754 double.
   *
   * @param value The number.
   */
  double(value: number): void {
    this.ensure(8);
    f64.setFloat64(0, value, true);
    this.buf.set(f64Bytes, this.pos);
    this.pos += 8;
  }

  /**
   * Writes a length-prefixed UTF-8 string (lone surrogates become U+FFFD, as with TextEncoder).
   *
   * @param s The string.
   */
  string(s: string): void {
    const n = s.length;
    this.ensure(n * 3 + 5);
    const start = this.pos++;
    const buf = this.buf;
    let i = 0;
    let c = 0;
    if (n < 64) { for (; i < n && (c = s.charCodeAt(i)) < 128; i++) buf[start + 1 + i] = c; }
    if (i === n) {
      buf[start] = n;
      this.pos = start + 1 + n;
      return;
    }
    this.pos += i;
    this.pos += utf8Encoder.encodeInto(s.slice(i), buf.subarray(this.pos)).written;
    this.join(start);
  }

  /**
   * Writes a length-prefixed byte string decoded from hex (a trace or span id); an odd trailing
   * digit is ignored.
   *
   * @param hex Lower- or upper-case hex.
   */
  hexBytes(hex: string): void {
    const n = hex.length >> 1;
    this.uint32(n);
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 2 * n; i += 2) {
      const a = hex.charCodeAt(i);
      const b = hex.charCodeAt(i + 1);
      // '0'-'9' (0x3_) → 0-9; 'a'-'f' (0x6_) and 'A'-'F' (0x4_) → 1-6, plus 9.
      buf[pos++] = (((a & 15) + 9 * (a >> 6)) << 4) | ((b & 15) + 9 * (b >> 6));
    }
    this.pos = pos;
  }

  /**
   * Starts a length-delimited sub-message (after its tag) by reserving room for its length.
   *
   * @param reserve Bytes to reserve: the expected size of the length's varint (1 to 5). A wrong
   *   guess costs one shift of the content in `join`, never a wrong encoding.
   * @returns The position to pass to {@linkcode ProtobufWriter.join} (with the same `reserve`).
   */
  fork(reserve = 1): number {
    this.ensure(reserve);
    const start = this.pos;
    this.pos += reserve;
    return start;
  }

  /**
   * Ends a sub-message started with {@linkcode ProtobufWriter.fork}: writes its length, first
   * moving the content when the length's varint size differs from the reservation.
   *
   * @param start The value `fork()` returned.
   * @param reserve The reservation passed to `fork()`.
   * @returns The length's varint size, a good reservation for a similar next message.
   */
  join(start: number, reserve = 1): number {
    const len = this.pos - start - reserve;
    if (len < 128 && reserve === 1) {
      this.buf[start] = len;
      return 1;
    }
    let size = 1;
    for (let v = len; v >= 128; v /= 128) size++; // exact: division by a power of two
    if (size !== reserve) {
      this.ensure(size - reserve);
      this.buf.copyWithin(start + size, start + reserve, this.pos);
      this.pos += size - reserve;
    }
    const end = this.pos;
    this.pos = start;
    this.uint32(len);
    this.pos = end;
    return size;
  }
}
