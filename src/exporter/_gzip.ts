/**
 * gzip of request bodies with the web-standard `CompressionStream`, collected into bytes (Node
 * 20's `fetch` cannot stream a request body). Presets may pass a faster codec instead (for
 * example `node:zlib`'s gzip); the core never imports one.
 *
 * @module
 */

/** Compresses a request body; must produce a gzip member (RFC 1952). */
export type Compressor = (bytes: Uint8Array) => Promise<Uint8Array>;

/**
 * gzips bytes with `CompressionStream("gzip")`.
 *
 * @param bytes The uncompressed bytes.
 * @returns The gzip-compressed bytes.
 * @example
 * ```ts
 * import { gzipWithCompressionStream } from "./_gzip.ts";
 * const gz = await gzipWithCompressionStream(new TextEncoder().encode("hello"));
 * console.log(gz[0] === 0x1f && gz[1] === 0x8b); // true
 * ```
 */
export async function gzipWithCompressionStream(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
