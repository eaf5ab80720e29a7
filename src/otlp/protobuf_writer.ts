/**
 * A minimal protobuf wire-format writer: one growable `Uint8Array`, no schema, no code
 * generation, no `eval`. Nested messages reserve one length byte and are shifted in place only
 * when they turn out to be 128 bytes or longer.
 *
 * @module
 */

/** Wire type 0: varint. */
export const WIRE_VARINT = 0;
/** Wire type 1: 64-bit little-endian. */
export const WIRE_I64 = 1;
/** Wire type 2: length-delimited. */
export const WIRE_LEN = 2;
/** Wire type 5: 32-bit little-endian. */
export const WIRE_I32 = 5;

const TWO_POW_32 = 4294967296;
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8 = new TextEncoder();

/** The number of bytes the varint encoding of an unsigned 32-bit value takes. */
function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Hex digit values by character code (invalid characters read as 0). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[65 + i] = HEX[97 + i] = 10 + i;

/**
 * Writes protobuf fields into a growable buffer.
 *
 * @example
 * ```ts
 * import { ProtobufWriter, WIRE_LEN } from "./protobuf_writer.ts";
 * const w = new ProtobufWriter();
 * w.tag(1, WIRE_LEN);
 * w.string("hello");
 * const bytes: Uint8Array = w.finish();
 * ```
 */
export class ProtobufWriter {
  /** The buffer; valid bytes are `[0, pos)`. */
  buf: Uint8Array;
  /** The write position. */
  pos: number;

  /** @param initialSize Initial capacity in bytes. */
  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize > 16 ? initialSize : 16);
    this.pos = 0;
  }

  /**
   * Makes room for `n` more bytes.
   *
   * @param n Bytes needed.
   */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /**
   * Writes a field tag.
   *
   * @param field The field number.
   * @param wireType One of the `WIRE_*` constants.
   */
  tag(field: number, wireType: number): void {
    this.uint32(((field << 3) | wireType) >>> 0);
  }

  /**
   * Writes an unsigned 32-bit varint.
   *
   * @param value 0 … 2^32-1.
   */
  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    let v = value >>> 0;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /**
   * Writes a signed 64-bit varint (`int64`) from an integer-valued number within ±2^63.
   * Negative values take ten bytes (two's complement), as the protobuf spec requires.
   *
   * @param value The integer.
   */
  int64(value: number): void {
    const neg = value < 0;
    const a = neg ? -value : value;
    const high = Math.floor(a / TWO_POW_32);
    let hi = high >>> 0;
    let lo = (a - high * TWO_POW_32) >>> 0;
    if (neg) {
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi > 0 || lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  /**
   * Writes a little-endian 32-bit value (`fixed32`).
   *
   * @param value 0 … 2^32-1.
   */
  fixed32(value: number): void {
    this.ensure(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = value & 255;
    buf[pos + 1] = (value >>> 8) & 255;
    buf[pos + 2] = (value >>> 16) & 255;
    buf[pos + 3] = (value >>> 24) & 255;
    this.pos = pos + 4;
  }

  /**
   * Writes a little-endian 64-bit value (`fixed64`) given as its two 32-bit halves.
   *
   * @param hi High 32 bits.
   * @param lo Low 32 bits.
   */
  fixed64(hi: number, lo: number): void {
    this.fixed32(lo);
    this.fixed32(hi);
  }

  /**
   * Writes a little-endian IEEE-754 double.
   *
   * @param value The number.
   */
  double(value: number): void {
    this.ensure(8);
    f64[0] = value;
    const buf = this.buf;
    const pos = this.pos;
    if (littleEndian) {
      for (let i = 0; i < 8; i++) buf[pos + i] = f64Bytes[i];
    } else {
      for (let i = 0; i < 8; i++) buf[pos + i] = f64Bytes[7 - i];
    }
    this.pos = pos + 8;
  }

  /**
   * Writes a length-prefixed UTF-8 string (lone surrogates become U+FFFD, as with TextEncoder).
   *
   * @param s The string.
   */
  string(s: string): void {
    const len = s.length;
    if (len > 42) {
      this.#longString(s);
      return;
    }
    // 42 UTF-16 units encode to at most 126 bytes: the length always fits one byte.
    this.ensure(1 + len * 3);
    const buf = this.buf;
    const start = this.pos;
    let pos = start + 1;
    for (let i = 0; i < len; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) {
        buf[pos++] = c;
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < len ? s.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i++;
            buf[pos++] = 0xf0 | (c >> 18);
            buf[pos++] = 0x80 | ((c >> 12) & 63);
            buf[pos++] = 0x80 | ((c >> 6) & 63);
            buf[pos++] = 0x80 | (c & 63);
            continue;
          }
          c = 0xfffd;
        }
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 63);
        buf[pos++] = 0x80 | (c & 63);
      }
    }
    buf[start] = pos - start - 1;
    this.pos = pos;
  }

  #longString(s: string): void {
    const max = s.length * 3;
    const reserve = varintSize(max);
    this.ensure(reserve + max);
    const start = this.pos;
    const written = utf8.encodeInto(s, this.buf.subarray(start + reserve)).written;
    const actual = varintSize(written);
    if (actual !== reserve) {
      this.buf.copyWithin(start + actual, start + reserve, start + reserve + written);
    }
    this.uint32(written);
    this.pos = start + actual + written;
  }

  /**
   * Writes bytes verbatim (no length prefix), for example a cached pre-encoded field.
   *
   * @param bytes The bytes.
   */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n < 64) {
      const buf = this.buf;
      const pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos + i] = bytes[i];
    } else {
      this.buf.set(bytes, this.pos);
    }
    this.pos += n;
  }

  /**
   * Writes length-prefixed bytes.
   *
   * @param bytes The bytes.
   */
  bytes(bytes: Uint8Array): void {
    this.uint32(bytes.length);
    this.raw(bytes);
  }

  /**
   * Writes a length-prefixed byte string decoded from hex (a trace or span id). Invalid hex
   * digits read as 0; an odd trailing digit is ignored.
   *
   * @param hex Lower- or upper-case hex.
   */
  hexBytes(hex: string): void {
    const n = hex.length >> 1;
    this.uint32(n);
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      const a = hex.charCodeAt(2 * i);
      const b = hex.charCodeAt(2 * i + 1);
      buf[pos++] = ((a < 128 ? HEX[a] : 0) << 4) | (b < 128 ? HEX[b] : 0);
    }
    this.pos = pos;
  }

  /**
   * Starts a length-delimited sub-message (after its tag): reserves one length byte.
   *
   * @returns The position to pass to {@linkcode ProtobufWriter.join}.
   */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /**
   * Ends a sub-message started with {@linkcode ProtobufWriter.fork}, writing its length and
   * shifting the content when the length needs more than one byte.
   *
   * @param start The value `fork()` returned.
   */
  join(start: number): void {
    const len = this.pos - start - 1;
    if (len < 128) {
      this.buf[start] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    const buf = this.buf;
    buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    let pos = start;
    let v = len;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos] = v;
    this.pos += extra;
  }

  /**
   * The written bytes, as a copy sized exactly.
   *
   * @returns The encoded message.
   */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
