/**
 * The stored encoding of an outbox body. An exporter that gzips its requests parks the gzip it
 * sent (a fraction of the bytes: the outbox's byte bound holds several times more spans, and a
 * redelivery does not compress again), marked in the content type it parks:
 * `application/x-protobuf; encoding=gzip` (before the destination tag, `_destination.ts`). A
 * marked body is sent as stored, with `Content-Encoding: gzip`; an unmarked one (parked by an
 * exporter that does not compress, by one whose gzip failed, or by a version before this) is sent
 * as it is. The marker travels in the content type, so any outbox that keeps a batch's body and
 * content type together keeps it right.
 *
 * A stored gzip body refused as too large (413) is cut as its uncompressed body, and its parts are
 * gzipped again before they are sent or stored ({@linkcode partsEncoding}).
 *
 * @module
 */
import { gzipWithCompressionStream } from "./_gzip.ts";

/** The content-type parameter marking a gzip body (at the end of the type it is sent with). */
export const GZIP_MARK = "; encoding=gzip";

/** How the parts of a refused entry are cut and packed. */
export interface PartsEncoding {
  /** The body to cut: the entry's own, or its gzip decompressed. */
  readonly body: Uint8Array;
  /** A part's body as it is sent and stored: gzipped when the entry's was. */
  readonly pack: (part: Uint8Array) => Promise<Uint8Array>;
}

/**
 * gunzips bytes with the web-standard `DecompressionStream("gzip")`.
 *
 * @param bytes A gzip member (RFC 1952).
 * @returns The decompressed bytes.
 */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * How to cut a stored body into parts: a gzip body (its type marked {@linkcode GZIP_MARK}) is
 * decompressed, and each part gzipped again (with `CompressionStream`: the split is rare, and
 * the exporter's codec is not at hand); any other body is cut and sent as it is.
 *
 * @param body The stored body.
 * @param type Its content type without the destination tag (marked or not).
 * @returns The body to cut and how parts are packed, or undefined when a gzip body cannot be
 *   decompressed.
 * @example
 * ```ts
 * import { partsEncoding } from "./_outbox_encoding.ts";
 * const body = new TextEncoder().encode("{}");
 * const encoding = (await partsEncoding(body, "application/json"))!;
 * console.log(encoding.body === body, await encoding.pack(body) === body); // true true
 * ```
 */
export async function partsEncoding(
  body: Uint8Array,
  type: string,
): Promise<PartsEncoding | undefined> {
  if (!type.endsWith(GZIP_MARK)) return { body, pack: (part) => Promise.resolve(part) };
  try {
    return { body: await gunzip(body), pack: gzipWithCompressionStream };
  } catch {
    return undefined;
  }
}
