/**
 * gzip through `node:zlib`, the fastest codec on Node, Deno and Bun (measured: CompressionStream
 * costs 18–43 % more, fflate 3–5× more).
 *
 * @module
 */
import { gzip } from "node:zlib";

/**
 * The deflate level of the Node, Deno and Bun presets. On a 512-span protobuf batch (100 kB raw),
 * level 2 makes bodies 2–4 % larger than zlib's default level 6 and costs a third to a half of
 * its CPU time on all three runtimes (the benchmark's codec rows, `npm run bench`); level 1 is as
 * fast but 25 % larger on Deno and Bun, whose deflate implementations treat it differently.
 */
export const NODE_GZIP_LEVEL = 2;

/**
 * Gzips bytes with node:zlib at {@linkcode NODE_GZIP_LEVEL}.
 *
 * @param bytes The input.
 * @returns The gzip stream bytes.
 */
export function nodeGzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gzip(bytes, { level: NODE_GZIP_LEVEL }, (error, result) => {
      if (error) reject(error);
      else resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
    });
  });
}
