/**
 * A file being written (a live run log) read as a snapshot: the bytes up to the size it had when
 * it was opened, and, when that edge cuts a line (the line being written at that moment), the rest
 * of that line up to its newline, read on in the same full chunks and at most a bounded number of
 * bytes. Whatever a writer appends meanwhile, the number of reads is bounded:
 * `ceil(size / chunk) + ceil(maxTailBytes / chunk) + 1`.
 *
 * @module
 */

const NEWLINE = 0x0a;
/** The longest line the analysis reads by default, in UTF-16 code units (64 Mi). */
const DEFAULT_MAX_LINE_LENGTH = 64 * 1024 * 1024;

/**
 * The most bytes a line of `maxLineLength` UTF-16 code units takes in UTF-8 (3 per code unit: a
 * character of 4 bytes is 2 code units): how far a snapshot reads on to complete a line cut at
 * its edge. A line still without its newline past that is too long to be read anyway.
 *
 * @param maxLineLength The longest line read, in UTF-16 code units (not finite: the default,
 *   64 Mi, so the bound always holds).
 * @returns The bound in bytes.
 */
export function tailBytesFor(maxLineLength: number): number {
  return 3 *
    (Number.isFinite(maxLineLength) ? Math.max(0, maxLineLength) : DEFAULT_MAX_LINE_LENGTH);
}

/** The end of the cut line in `chunk` from `from`: just past its newline, or where `budget` ends. */
function lineEnd(chunk: Uint8Array, from: number, budget: number): number {
  const stop = Math.min(chunk.length, from + Math.max(0, budget));
  const newline = chunk.indexOf(NEWLINE, from);
  return newline !== -1 && newline < stop ? newline + 1 : stop;
}

/**
 * The chunks of a file cut to its snapshot: the first `size` bytes, then, when the byte before
 * that edge is not a newline, the bytes up to and including the next newline, at most
 * `maxTailBytes` of them. Stops reading (`return()` on `chunks`, which closes the file) as soon
 * as the snapshot is complete; ends earlier when `chunks` does (the file shrank, or nothing more
 * was written yet).
 *
 * @param chunks The file's bytes in order, each read a full chunk (never a byte at a time).
 * @param size The file's size when it was opened.
 * @param maxTailBytes How many bytes past the edge may be read to complete the line it cuts.
 * @returns The snapshot's chunks (subarrays of those read).
 */
export async function* snapshotChunks(
  chunks: AsyncIterable<Uint8Array>,
  size: number,
  maxTailBytes: number,
): AsyncGenerator<Uint8Array> {
  if (!(size > 0)) return;
  let left = size;
  let tailBudget = maxTailBytes;
  for await (const chunk of chunks) {
    const inside = Math.min(chunk.length, left);
    if (left > 0) {
      left -= inside;
      if (left > 0) {
        yield chunk;
        continue;
      }
      if (inside > 0 && chunk[inside - 1] === NEWLINE) {
        yield inside === chunk.length ? chunk : chunk.subarray(0, inside);
        return;
      }
    }
    const end = lineEnd(chunk, inside, tailBudget);
    tailBudget -= end - inside;
    if (end > 0) yield end === chunk.length ? chunk : chunk.subarray(0, end);
    if (end < chunk.length || (end > 0 && chunk[end - 1] === NEWLINE) || tailBudget <= 0) return;
  }
}
