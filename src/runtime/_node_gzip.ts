/**
 * gzip through `node:zlib`, the fastest codec on Node, Deno and Bun (measured: CompressionStream
 * costs 18–43 % more, fflate 3–5× more).
 *
 * @module
 */
import { gzip } from "node:zlib";

/**
 * Gzips bytes with node:zlib.
 *
 * @param bytes The input.
 * @returns The gzip stream bytes.
 */
export function nodeGzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gzip(bytes, (error, result) => {
      if (error) reject(error);
      else resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
    });
  });
}
