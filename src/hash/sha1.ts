/**
 * A small synchronous SHA-1 (FIPS 180-4), used only for dreadnode-compatible 16-hex object ids.
 * `crypto.subtle.digest` is asynchronous, and object ids must be computed synchronously inside
 * span methods, hence this implementation. SHA-1 is not used for anything security-relevant.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
import { utf8Encoder } from "../utf8.ts";

const W = new Int32Array(80);
const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

function toBytes(input: Uint8Array | string): Uint8Array {
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  return utf8Encoder.encode(typeof input === "string" ? input : safeString(input));
}

/**
 * Computes the SHA-1 digest of bytes or of the UTF-8 encoding of a string.
 *
 * @param input Bytes (any typed array or `DataView`), or a string (hashed as UTF-8); anything
 *   else is hashed as its string form.
 * @returns The 20-byte digest.
 */
export function sha1(input: Uint8Array | string): Uint8Array {
  const bytes = toBytes(input);
  const length = bytes.length;
  let h0 = 0x67452301,
    h1 = 0xefcdab89 | 0,
    h2 = 0x98badcfe | 0,
    h3 = 0x10325476,
    h4 = 0xc3d2e1f0 | 0;

  // Full blocks are read straight from the input; the tail (and padding) from a small buffer.
  const fullBlocks = length >>> 6;
  const tailLength = length - fullBlocks * 64;
  const tail = new Uint8Array(tailLength < 56 ? 64 : 128);
  tail.set(bytes.subarray(fullBlocks * 64));
  tail[tailLength] = 0x80;
  const bitsHigh = Math.floor(length / 0x20000000);
  const bitsLow = (length << 3) >>> 0;
  const end = tail.length;
  tail[end - 8] = bitsHigh >>> 24;
  tail[end - 7] = bitsHigh >>> 16;
  tail[end - 6] = bitsHigh >>> 8;
  tail[end - 5] = bitsHigh;
  tail[end - 4] = bitsLow >>> 24;
  tail[end - 3] = bitsLow >>> 16;
  tail[end - 2] = bitsLow >>> 8;
  tail[end - 1] = bitsLow;

  const totalBlocks = fullBlocks + tail.length / 64;
  for (let block = 0; block < totalBlocks; block++) {
    const src = block < fullBlocks ? bytes : tail;
    let p = block < fullBlocks ? block * 64 : (block - fullBlocks) * 64;
    for (let i = 0; i < 16; i++, p += 4) {
      W[i] = (src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3];
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number, k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }

  const out = new Uint8Array(20);
  const words = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    const w = words[i];
    out[i * 4] = w >>> 24;
    out[i * 4 + 1] = w >>> 16;
    out[i * 4 + 2] = w >>> 8;
    out[i * 4 + 3] = w;
  }
  return out;
}

/**
 * Lower-case hex of bytes.
 *
 * @param bytes The bytes.
 * @returns Two hex digits per byte.
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]];
  return out;
}

/**
 * Computes the SHA-1 digest as 40 lower-case hex characters, synchronously.
 *
 * @param input Bytes, or a string (hashed as UTF-8); see {@linkcode sha1}.
 * @returns The hex digest.
 * @example
 * ```ts
 * import { sha1Hex } from "@tracelet/tracelet";
 * sha1Hex("abc"); // "a9993e364706816aba3e25717850c26c9cd0d89d"
 * ```
 */
export function sha1Hex(input: Uint8Array | string): string {
  return toHex(sha1(input));
}
