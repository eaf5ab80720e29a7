/**
 * Reading a whole log file back as lines, for the fs adapters' `readLines`.
 *
 * @module
 */

import { Utf8LineSplitter } from "../utf8_lines.ts";

/** Decoded and split this many bytes at a time, so no string is as large as the file. */
const READ_CHUNK = 1024 * 1024;

/**
 * Splits a log's bytes into lines, decoding a chunk at a time: a file larger than the longest
 * string the runtime allows (about 512 MiB in V8) still reads, line by line.
 *
 * @param bytes The file's bytes.
 * @param file Its path, for the error message.
 * @returns The lines, without empty ones: a JSONL line is never empty, but two processes that
 *   each end a line torn by a crash (see `appendToHandle`) leave one.
 * @throws {RangeError} When a single line is longer than the runtime's longest string.
 */
export function splitLogLines(bytes: Uint8Array, file: string): string[] {
  const splitter = new Utf8LineSplitter();
  const lines: string[] = [];
  try {
    for (let start = 0; start < bytes.byteLength; start += READ_CHUNK) {
      splitter.push(bytes.subarray(start, start + READ_CHUNK), lines);
    }
    splitter.end(lines);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new RangeError(
      `Cannot read ${file}: a line is longer than the longest string this runtime allows`,
      { cause: error },
    );
  }
  return lines.filter((line) => line !== "");
}
