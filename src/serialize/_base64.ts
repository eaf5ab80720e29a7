/**
 * Standard base64 (RFC 4648, with padding) of a byte view, without `btoa` string juggling: the
 * ASCII codes are written into one byte array and decoded once (4 MiB: ~33 ms; building the text
 * four characters at a time took ~670 ms, most of it garbage collection).
 *
 * @module
 */
import { utf8Decoder } from "../utf8.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const CODES = /* @__PURE__ */ Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = 0x3d; // =

/**
 * Encodes bytes as base64.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let i = 0;
  let o = 0;
  for (; i + 2 < n; i += 3, o += 4) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out[o] = CODES[v >> 18];
    out[o + 1] = CODES[(v >> 12) & 63];
    out[o + 2] = CODES[(v >> 6) & 63];
    out[o + 3] = CODES[v & 63];
  }
  const rest = n - i;
  if (rest > 0) {
    const v = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
    out[o] = CODES[v >> 18];
    out[o + 1] = CODES[(v >> 12) & 63];
    out[o + 2] = rest === 2 ? CODES[(v >> 6) & 63] : PAD;
    out[o + 3] = PAD;
  }
  return utf8Decoder.decode(out);
}
