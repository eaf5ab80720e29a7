/**
 * A minimal JSON writer that produces UTF-8 bytes directly into one growable `Uint8Array`: no
 * object tree, no intermediate string, no `TextEncoder` pass. Strings are escaped exactly as
 * `JSON.stringify` escapes them (`"`, `\`, `\b \f \n \r \t`, other control characters as
 * lower-case `\u00xx`; every other character as its UTF-8 bytes), except a lone surrogate (half a
 * character, not text), written as U+FFFD as `TextEncoder` and the protobuf encoder write it:
 * `JSON.stringify`'s `\udxxx` escape makes strict decoders such as the Collector's reject the
 * whole request. Numbers are printed as `JSON.stringify` prints them. The caller
 * writes the structure from constant ASCII fragments packed once ({@linkcode fragment}) and written
 * four bytes at a time.
 *
 * @module
 */
import { ByteBuffer } from "./byte_buffer.ts";
import { BACKSLASH, QUOTE } from "../json_chars.ts";

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const TWO_POW_32 = 4294967296;
const TWO_POW_64 = 18446744073709551616;

/**
 * `floor(n / d)` for a safe non-negative integer `n` and a positive integer `d`, exactly (the
 * rounded division may be off by one; the product and the remainder are exact).
 */
function quotient(n: number, d: number): number {
  let q = Math.floor(n / d);
  const r = n - q * d;
  if (r < 0) q--;
  else if (r >= d) q++;
  return q;
}

/**
 * For each ASCII code: 0 when it is written as is, else the character following the backslash of
 * its escape (`u` for `\u00xx`).
 */
const ESCAPE = /* @__PURE__ */ (() => {
  const table = new Uint8Array(128);
  for (let c = 0; c < 0x20; c++) table[c] = 0x75; // u
  table[0x08] = 0x62; // b
  table[0x09] = 0x74; // t
  table[0x0a] = 0x6e; // n
  table[0x0c] = 0x66; // f
  table[0x0d] = 0x72; // r
  table[QUOTE] = QUOTE;
  table[BACKSLASH] = BACKSLASH;
  return table;
})();

/** `10 ** i`. */
const POWERS_OF_TEN = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000];

/** The ASCII digits of 0 … 99, two bytes each (little-endian, for `DataView.setUint16`). */
const DIGIT_PAIRS = /* @__PURE__ */ (() => {
  const pairs = new Uint16Array(100);
  for (let i = 0; i < 100; i++) pairs[i] = (48 + ((i / 10) | 0)) | ((48 + (i % 10)) << 8);
  return pairs;
})();

/** Lower-case hex digits, by value. */
const HEX = "0123456789abcdef";

/**
 * A constant ASCII fragment packed for {@linkcode JsonWriter.fragment}: element 0 is its length in
 * bytes, the next ones its bytes four at a time, little-endian.
 */
export type Fragment = Uint32Array;

/**
 * Packs an ASCII string (a JSON fragment such as `,"spanId":`) for
 * {@linkcode JsonWriter.fragment}, once.
 *
 * @param text ASCII text (code units above 127 are truncated to 8 bits).
 * @returns The packed fragment.
 * @example
 * ```ts
 * import { fragment, JsonWriter } from "./json_writer.ts";
 * const OPEN_NAME = fragment('{"name":');
 * const w = new JsonWriter();
 * w.fragment(OPEN_NAME);
 * w.string("x");
 * w.byte(0x7d); // }
 * const text = new TextDecoder().decode(w.finish()); // {"name":"x"}
 * ```
 */
export function fragment(text: string): Fragment {
  const n = text.length;
  const out = new Uint32Array(1 + ((n + 3) >> 2));
  out[0] = n;
  for (let i = 0; i < n; i++) out[1 + (i >> 2)] |= (text.charCodeAt(i) & 255) << (8 * (i & 3));
  return out;
}

/**
 * Writes JSON as UTF-8 into a growable buffer.
 *
 * @example
 * ```ts
 * import { JsonWriter } from "./json_writer.ts";
 * const w = new JsonWriter();
 * w.byte(0x5b); // [
 * w.string("naïve \ud800");
 * w.byte(0x2c); // ,
 * w.number(1.5);
 * w.byte(0x5d); // ]
 * const text = new TextDecoder().decode(w.finish()); // ["naïve \ud800",1.5]
 * ```
 */
export class JsonWriter extends ByteBuffer {
  /** A view of `buf`, for writing fragments four bytes at a time. */
  private view: DataView;

  /** @param initialSize Initial capacity in bytes. */
  constructor(initialSize = 1024) {
    super(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /**
   * Replaces the buffer with a larger one, as {@linkcode ByteBuffer.grow} does, and the view.
   *
   * @param n Bytes needed after `pos`.
   */
  override grow(n: number): void {
    super.grow(n);
    this.view = new DataView(this.buf.buffer);
  }

  /**
   * Writes a constant fragment from {@linkcode fragment}.
   *
   * @param f The fragment.
   */
  fragment(f: Fragment): void {
    const n = f[0];
    this.ensure(n + 3); // the last word may write up to 3 bytes past the fragment
    const view = this.view;
    const pos = this.pos;
    for (let i = 1, at = pos; at < pos + n; i++, at += 4) view.setUint32(at, f[i], true);
    this.pos = pos + n;
  }

  /**
   * Writes one byte (an ASCII punctuation character such as `,` or `}`).
   *
   * @param b The byte.
   */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /**
   * Writes bytes as they are (JSON written before, such as a cached part of a document).
   *
   * @param bytes The bytes.
   */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * Writes a JSON string (with its quotes), byte for byte what `JSON.stringify(s.toWellFormed())`
   * encodes to in UTF-8 (a lone surrogate becomes U+FFFD).
   *
   * @param s The string.
   */
  string(s: string): void {
    const n = s.length;
    this.ensure(n + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    let i = 0;
    let c = 0;
    for (; i < n; i++) {
      c = s.charCodeAt(i);
      if (c >= 128 || ESCAPE[c] !== 0) break;
      buf[pos++] = c;
    }
    if (i < n) pos = this.tail(s, i, pos);
    this.buf[pos++] = QUOTE;
    this.pos = pos;
  }

  /**
   * The rest of {@linkcode JsonWriter.string} from the first character that is not plain ASCII;
   * makes room as it goes and leaves room for the closing quote.
   */
  private tail(s: string, i: number, pos: number): number {
    const n = s.length;
    let buf = this.buf;
    for (; i < n; i++) {
      if (pos + 7 > buf.length) {
        this.pos = pos;
        this.grow(7 + (n - i) * 3);
        buf = this.buf;
      }
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        const e = ESCAPE[c];
        if (e === 0) buf[pos++] = c;
        else {
          buf[pos++] = BACKSLASH;
          buf[pos++] = e;
          if (e === 0x75) {
            buf[pos++] = 0x30;
            buf[pos++] = 0x30;
            buf[pos++] = HEX.charCodeAt(c >> 4);
            buf[pos++] = HEX.charCodeAt(c & 15);
          }
        }
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c >= 0xe000) {
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 63);
        buf[pos++] = 0x80 | (c & 63);
      } else {
        const d = c < 0xdc00 && i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d < 0xe000) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[pos++] = 0xf0 | (cp >> 18);
          buf[pos++] = 0x80 | ((cp >> 12) & 63);
          buf[pos++] = 0x80 | ((cp >> 6) & 63);
          buf[pos++] = 0x80 | (cp & 63);
          i++;
        } else { // a lone surrogate: U+FFFD, as TextEncoder writes it
          buf[pos++] = 0xef;
          buf[pos++] = 0xbf;
          buf[pos++] = 0xbd;
        }
      }
    }
    return pos;
  }

  /**
   * Writes a number as `JSON.stringify` does: finite numbers as `String(n)` (so `-0` as `0`),
   * NaN and infinities as `null`.
   *
   * @param n The number.
   */
  number(n: number): void {
    if (n >= 0 && n <= MAX_SAFE && Math.floor(n) === n) this.digits(n);
    else this.ascii(Number.isFinite(n) ? String(n) : "null");
  }

  /**
   * Writes the exact decimal digits (no quotes) of a non-negative integer-valued number, even
   * above 2^53 where `String(n)` would print rounded digits or an exponent: the digits of
   * `BigInt(n).toString()`, without building a string below 2^64.
   *
   * @param n A non-negative integer-valued number.
   */
  uint(n: number): void {
    if (n <= MAX_SAFE) return this.digits(n);
    if (n >= TWO_POW_64) return this.ascii(BigInt(n).toString());
    // n = a·2^32 + b = (a·4294 + carry)·10^6 + low, every step exact on safe integers.
    const a = Math.floor(n / TWO_POW_32);
    const x = a * 967296 + (n - a * TWO_POW_32);
    const carry = quotient(x, 1000000);
    this.digits(a * 4294 + carry);
    this.int32(x - carry * 1000000, 6);
  }

  /** Writes the digits of a safe non-negative integer. */
  private digits(n: number): void {
    if (n < 2147483648) return this.int32(n, 1);
    const high = quotient(n, 100000000); // below 2^27 for a safe integer
    this.int32(high, 1);
    this.int32(n - high * 100000000, 8);
  }

  /** Writes the digits of an integer in [0, 2^31), zero-padded to `width`, with int32 math. */
  private int32(n: number, width: number): void {
    n |= 0;
    let len = width;
    for (let p = POWERS_OF_TEN[width]; p <= n && len < 10; p *= 10) len++;
    this.ensure(len);
    const view = this.view;
    const start = this.pos;
    let p = start + len;
    while (p - start >= 2) { // two digits at a time, from the right
      const q = (n / 100) | 0;
      view.setUint16(p -= 2, DIGIT_PAIRS[n - q * 100], true);
      n = q;
    }
    if (p > start) this.buf[start] = 48 + n;
    this.pos = start + len;
  }

  /**
   * Writes an ASCII string as it is, without quotes or escaping.
   *
   * @param text ASCII text.
   */
  ascii(text: string): void {
    const n = text.length;
    this.ensure(n);
    const buf = this.buf;
    const pos = this.pos;
    for (let i = 0; i < n; i++) buf[pos + i] = text.charCodeAt(i);
    this.pos = pos + n;
  }
}
