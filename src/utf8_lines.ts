/**
 * Splitting UTF-8 bytes that arrive in chunks into lines, without ever holding more than the
 * current line as one string: the file storage's `readLines` and the trace analysis both read
 * files this way, so a file larger than the longest string a runtime allows still reads.
 *
 * @module
 */

/**
 * A line splitter over UTF-8 chunks of any size. A multi-byte character or a line split across
 * chunks is reassembled; invalid bytes become U+FFFD; a `\r` before a `\n` is kept.
 *
 * @example
 * ```ts
 * import { Utf8LineSplitter } from "./utf8_lines.ts";
 * const lines: string[] = [];
 * const splitter = new Utf8LineSplitter();
 * splitter.push(new TextEncoder().encode('{"a":1}\n{"b"'), lines);
 * splitter.push(new TextEncoder().encode(":2}"), lines);
 * splitter.end(lines);
 * console.log(lines); // ['{"a":1}', '{"b":2}']
 * ```
 */
export class Utf8LineSplitter {
  readonly #decoder = new TextDecoder();
  // The unfinished line as pieces, joined once at its `\n` (concatenating and searching a growing
  // string at every chunk would be quadratic in the line length).
  #pieces: string[] = [];

  /**
   * Decodes the next chunk.
   *
   * @param chunk The bytes that follow the previous chunk.
   * @param out Receives every line this chunk completes, without its `\n`.
   * @throws {RangeError} When a line is longer than the runtime's longest string.
   */
  push(chunk: Uint8Array, out: string[]): void {
    this.#split(this.#decoder.decode(chunk, { stream: true }), out);
  }

  /**
   * Ends the input.
   *
   * @param out Receives the last line when the bytes did not end with `\n`.
   * @throws {RangeError} When that line is longer than the runtime's longest string.
   */
  end(out: string[]): void {
    const rest = this.#decoder.decode();
    if (rest !== "") this.#pieces.push(rest);
    if (this.#pieces.length > 0) out.push(this.#join());
  }

  #split(text: string, out: string[]): void {
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      this.#pieces.push(text.slice(start, end));
      out.push(this.#join());
      start = end + 1;
    }
    if (start < text.length) this.#pieces.push(text.slice(start));
  }

  #join(): string {
    const line = this.#pieces.join("");
    this.#pieces = [];
    return line;
  }
}
