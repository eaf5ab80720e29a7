/**
 * Splits a file read in byte chunks into its lines, so the trace analysis never holds a whole
 * file as one string: memory stays bounded by the longest line plus one chunk. A multi-byte UTF-8
 * character or a line split across chunks is reassembled; invalid bytes become U+FFFD.
 *
 * @module
 */

/**
 * The lines of UTF-8 bytes read in chunks of any size, in order.
 *
 * @param chunks The bytes, in order (each chunk is decoded before the next is requested).
 * @returns Each line without its `\n` (a `\r` before it is kept); a last line without `\n` too.
 * @example
 * ```ts
 * import { utf8Lines } from "./lines.ts";
 * async function* chunks() {
 *   yield new TextEncoder().encode('{"a":1}\n{"b"');
 *   yield new TextEncoder().encode(":2}\n");
 * }
 * for await (const line of utf8Lines(chunks())) console.log(line); // {"a":1}, then {"b":2}
 * ```
 */
export async function* utf8Lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  // The unfinished line as pieces, joined once at its `\n` (concatenating and searching a
  // growing string at every chunk would be quadratic in the line length).
  let pieces: string[] = [];
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      pieces.push(text.slice(start, end));
      const line = pieces.join("");
      pieces = [];
      start = end + 1;
      yield line;
    }
    if (start < text.length) pieces.push(text.slice(start));
  }
  const rest = decoder.decode();
  if (rest !== "") pieces.push(rest);
  if (pieces.length > 0) yield pieces.join("");
}
