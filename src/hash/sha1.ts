/**
 * A synchronous SHA-1 (FIPS 180-4), used only for dreadnode-compatible 16-hex object ids.
 * `crypto.subtle.digest` is asynchronous, and object ids must be computed synchronously inside
 * span methods, hence this implementation. Large inputs go to the runtime's own SHA-1 when a
 * preset registered one (`node:crypto` on Node, Deno and Bun; see `native_digest.ts`), everything
 * else to the portable JavaScript compression in `_sha1_blocks.ts`; both give the same digest.
 * SHA-1 is not used for anything security-relevant.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
import { utf8Encoder } from "../utf8.ts";
import { sha1Blocks } from "./_sha1_blocks.ts";
import { nativeSha1Digest } from "./native_digest.ts";

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, "0"));

/** The running state, the last partial block with its padding, and a view of it: all reused. */
const STATE = new Int32Array(5);
const TAIL = new Uint8Array(128);
const TAIL_VIEW = new DataView(TAIL.buffer);

/** Where short ASCII strings are written to be hashed (reused: hashing is synchronous). */
const ASCII = new Uint8Array(1024);

/**
 * The bytes of a short ASCII string, written into {@linkcode ASCII} (a `TextEncoder` call costs
 * more than hashing a short string; ids, schemas and small objects' JSON are short ASCII), or
 * `undefined` for a longer or non-ASCII string.
 */
function shortAscii(text: string): Uint8Array | undefined {
  const n = text.length;
  if (n > ASCII.length) return undefined;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return undefined;
    ASCII[i] = c;
  }
  return ASCII.subarray(0, n);
}

/** The bytes to hash: a view of the input's bytes, or the UTF-8 of a string. */
function toBytes(input: Uint8Array | string): Uint8Array {
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  const text = typeof input === "string" ? input : safeString(input);
  return shortAscii(text) ?? utf8Encoder.encode(text);
}

/** Runs the portable SHA-1 over `bytes`, leaving the digest's five words in `STATE`. */
function portableInto(bytes: Uint8Array): void {
  const length = bytes.length;
  STATE[0] = 0x67452301;
  STATE[1] = 0xefcdab89;
  STATE[2] = 0x98badcfe;
  STATE[3] = 0x10325476;
  STATE[4] = 0xc3d2e1f0;
  const fullBlocks = length >>> 6;
  if (fullBlocks > 0) {
    sha1Blocks(STATE, new DataView(bytes.buffer, bytes.byteOffset, length), 0, fullBlocks);
  }
  // The tail: the last partial block, 0x80, zeros and the bit length, in one or two blocks.
  const start = fullBlocks * 64;
  const tailLength = length - start;
  const end = tailLength < 56 ? 64 : 128;
  for (let i = 0; i < tailLength; i++) TAIL[i] = bytes[start + i];
  TAIL[tailLength] = 0x80;
  TAIL.fill(0, tailLength + 1, end - 8);
  TAIL_VIEW.setUint32(end - 8, Math.floor(length / 0x20000000));
  TAIL_VIEW.setUint32(end - 4, (length << 3) >>> 0);
  sha1Blocks(STATE, TAIL_VIEW, 0, end >>> 6);
}

/**
 * The portable JavaScript SHA-1, never the runtime's: what {@linkcode sha1} gives where no preset
 * registered one.
 *
 * @param input Bytes, or a string (hashed as UTF-8); see {@linkcode sha1}.
 * @returns The 20-byte digest.
 * @internal
 */
export function portableSha1(input: Uint8Array | string): Uint8Array {
  portableInto(toBytes(input));
  const out = new Uint8Array(20);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 5; i++) view.setInt32(i * 4, STATE[i]);
  return out;
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
  const native = nativeSha1Digest(bytes);
  return native === undefined ? portableSha1(bytes) : Uint8Array.from(native);
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
  const bytes = toBytes(input);
  const native = nativeSha1Digest(bytes);
  if (native !== undefined) return toHex(native);
  portableInto(bytes);
  let out = "";
  for (let i = 0; i < 5; i++) {
    const w = STATE[i];
    out += HEX[w >>> 24] + HEX[(w >>> 16) & 0xff] + HEX[(w >>> 8) & 0xff] + HEX[w & 0xff];
  }
  return out;
}
