/**
 * A log chunk kept as several values of a keyed store whose values are bounded (KV: 25 MiB), the
 * way the Durable Object adapter keeps its parts: the chunk's UTF-8 is cut into parts of at most
 * a bound, after a newline where one is in reach (else, inside a line longer than the bound, at a
 * character boundary), and the reader joins the parts' bytes back, so every line reads back
 * exactly.
 *
 * Layout under the log's prefix: the chunk's key `<id>` holds the first part and, in its metadata,
 * how many parts there are (`parts`); part `n` is at `<id>/<n, 6 digits>`. The first part is
 * written last, so a chunk is seen whole or not at all: a write that failed part-way leaves only
 * parts without a first one, which no reader uses. A chunk of one part is one value with no
 * metadata, as every chunk was before parts existed.
 *
 * @module
 */

import type { KeyedEntry, KeyedStore } from "./_keyed_store.ts";
import { joinLines } from "./_cloudflare.ts";
import { encodeLines } from "./_encode_lines.ts";

/** The largest value the KV adapter writes: KV refuses values over 25 MiB. */
export const KV_MAX_VALUE_BYTES: number = 20 * 1024 * 1024;

/** The metadata field of a chunk's first part that says how many parts it has. */
const PARTS = "parts";

const NEWLINE = 0x0a;

/**
 * The key of part `index` (1 or more) of the chunk at `key`.
 *
 * @param key The chunk's key (which holds part 0).
 * @param index The part's index.
 * @returns `<key>/<index, 6 digits>`.
 */
const partKey = (key: string, index: number): string => `${key}/${String(index).padStart(6, "0")}`;

/**
 * Cuts bytes into parts of at most `maxBytes` (at least 4): each ends after its last newline,
 * or, when it has none, at the character boundary at or before `maxBytes`.
 *
 * @param bytes UTF-8 text.
 * @param maxBytes The bound.
 * @returns The parts in order (views into `bytes`); one when `bytes` fits.
 */
export function splitUtf8(bytes: Uint8Array, maxBytes: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  while (bytes.byteLength - start > maxBytes) {
    let end = bytes.lastIndexOf(NEWLINE, start + maxBytes - 1) + 1;
    if (end <= start) {
      end = start + maxBytes;
      while ((bytes[end] & 0xc0) === 0x80) end--; // a continuation byte: not a character start
    }
    parts.push(bytes.subarray(start, end));
    start = end;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

/**
 * The values of one chunk of lines: its text when it surely fits in `maxBytes` (the usual case,
 * nothing encoded here), else its UTF-8 in parts of at most `maxBytes`.
 *
 * @param lines At least one validated line.
 * @param maxBytes The largest value the store takes (`Infinity`: no bound).
 * @returns One value or more, in order.
 */
export function chunkValues(lines: readonly string[], maxBytes: number): (string | ArrayBuffer)[] {
  let units = 0;
  for (let i = 0; i < lines.length; i++) units += lines[i].length + 1;
  if (units * 3 <= maxBytes) return [joinLines(lines)]; // 3 bytes at most a UTF-16 unit
  const encoded = encodeLines(lines);
  const text = encoded.subarray(0, encoded.byteLength - 1); // without the last line's newline
  return splitUtf8(text, maxBytes).map((part) => part.slice().buffer);
}

/**
 * Writes a chunk's values: the parts after the first, then the first with the count, so that
 * readers see the chunk only once it is whole. On failure, removes the parts it wrote (when it
 * can) and rejects.
 *
 * @param store The store.
 * @param key The chunk's key.
 * @param values The chunk's values, from {@linkcode chunkValues}.
 * @returns When the chunk is stored.
 */
export async function writeChunk(
  store: KeyedStore,
  key: string,
  values: readonly (string | ArrayBuffer)[],
): Promise<void> {
  if (values.length === 1) return await store.put(key, values[0]);
  const written: string[] = [];
  try {
    for (let i = 1; i < values.length; i++) {
      written.push(partKey(key, i));
      await store.put(partKey(key, i), values[i]);
    }
    await store.put(key, values[0], { [PARTS]: String(values.length) });
  } catch (error) {
    await Promise.all(written.map((part) => store.delete(part).catch(() => {})));
    throw error;
  }
}

/**
 * True for the key of a chunk (which holds its first part), false for a later part's.
 *
 * @param key A key listed under the log's prefix.
 * @param base The log's prefix.
 * @returns Whether the key names a chunk.
 */
export function isChunkKey(key: string, base: string): boolean {
  return !key.includes("/", base.length);
}

/**
 * Reads a chunk and joins its parts.
 *
 * @param store The store.
 * @param chunk The chunk's key, listed with its metadata.
 * @returns Its bytes, or undefined when it (or one of its parts) is not there (removed, or not
 *   yet seen here: KV is eventually consistent).
 */
export async function readChunk(
  store: KeyedStore,
  chunk: KeyedEntry,
): Promise<Uint8Array | undefined> {
  const count = Number(chunk.metadata?.[PARTS] ?? 1);
  const first = await store.get(chunk.key);
  if (first === undefined || !Number.isSafeInteger(count) || count <= 1) return first;
  const parts = [first];
  let size = first.byteLength;
  for (let i = 1; i < count; i++) {
    const part = await store.get(partKey(chunk.key, i));
    if (part === undefined) return undefined;
    parts.push(part);
    size += part.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}
