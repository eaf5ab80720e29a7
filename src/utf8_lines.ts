/**
 * Splitting UTF-8 bytes that arrive in chunks into lines, without ever holding more than the
 * current line as one string: the file storage's `readLines` and the trace analysis both read
 * files this way, so a file larger than the longest string a runtime allows still reads.
 *
 * @module
 */

/** Options of {@linkcode Utf8LineSplitter}. */
export interface Utf8LineOptions {
  /**
   * The longest line kept, in UTF-16 code units. A longer line is dropped (its pieces are let go
   * as soon as it passes the cap, so memory stays bounded) and `onLongLine` is called when it
   * ends. Default: no cap (a line longer than the runtime's longest string throws).
   */
  readonly maxLineLength?: number;
  /** Called once per dropped line. */
  readonly onLongLine?: () => void;
}

/**
 * A line splitter over UTF-8 chunks of any size. A multi-byte character or a line split across
 * chunks is reassembled; invalid bytes become U+FFFD; a `\r` before a `\n` and a leading U+FEFF
 * (byte order mark) are kept, so lines read back exactly as written. With
 * `maxLineLength`, longer lines are skipped and the lines after them still read.
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
  // `ignoreBOM`: a leading U+FEFF is part of the first line, not dropped.
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  // The unfinished line as pieces, joined once at its `\n` (concatenating and searching a growing
  // string at every chunk would be quadratic in the line length).
  #pieces: string[] = [];
  #held = 0;
  /** Dropping the rest of a line longer than the cap. */
  #dropping = false;
  readonly #max: number;
  readonly #onLongLine: (() => void) | undefined;

  /**
   * Creates a splitter.
   *
   * @param options An optional cap on the line length.
   */
  constructor(options: Utf8LineOptions = {}) {
    this.#max = options.maxLineLength ?? Infinity;
    this.#onLongLine = options.onLongLine;
  }

  /**
   * Decodes the next chunk.
   *
   * @param chunk The bytes that follow the previous chunk.
   * @param out Receives every line this chunk completes, without its `\n`.
   * @throws {RangeError} When a line is longer than the runtime's longest string (no cap).
   */
  push(chunk: Uint8Array, out: string[]): void {
    this.#split(this.#decoder.decode(chunk, { stream: true }), out);
  }

  /**
   * Ends the input.
   *
   * @param out Receives the last line when the bytes did not end with `\n`.
   * @throws {RangeError} When that line is longer than the runtime's longest string (no cap).
   */
  end(out: string[]): void {
    const rest = this.#decoder.decode();
    if (rest !== "") this.#hold(rest);
    if (this.#pieces.length > 0 || this.#dropping) this.#finish(out);
  }

  #split(text: string, out: string[]): void {
    let start = 0;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n", start)) {
      this.#hold(text.slice(start, end));
      this.#finish(out);
      start = end + 1;
    }
    if (start < text.length) this.#hold(text.slice(start));
  }

  #hold(piece: string): void {
    if (this.#dropping) return;
    this.#held += piece.length;
    if (this.#held <= this.#max) this.#pieces.push(piece);
    else (this.#dropping = true, this.#pieces = []);
  }

  /** Ends the current line: emits it, or reports it when it was dropped. */
  #finish(out: string[]): void {
    if (this.#dropping) this.#onLongLine?.();
    else out.push(this.#pieces.join(""));
    this.#pieces = [];
    this.#held = 0;
    this.#dropping = false;
  }
}
