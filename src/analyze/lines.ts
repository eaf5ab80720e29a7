/**
 * Splits a file read in byte chunks into its lines, so the trace analysis never holds a whole
 * file as one string: memory stays bounded by the longest line plus one chunk. A multi-byte UTF-8
 * character or a line split across chunks is reassembled; invalid bytes become U+FFFD.
 *
 * @module
 */
import { type Utf8LineOptions, Utf8LineSplitter } from "../utf8_lines.ts";

/**
 * The lines of UTF-8 bytes read in chunks of any size, in order.
 *
 * @param chunks The bytes, in order (each chunk is decoded before the next is requested).
 * @param options An optional cap on the line length (longer lines are skipped and reported).
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
export async function* utf8Lines(
  chunks: AsyncIterable<Uint8Array>,
  options?: Utf8LineOptions,
): AsyncGenerator<string> {
  const splitter = new Utf8LineSplitter(options);
  const lines: string[] = [];
  for await (const chunk of chunks) {
    splitter.push(chunk, lines);
    yield* lines.splice(0);
  }
  splitter.end(lines);
  yield* lines;
}
