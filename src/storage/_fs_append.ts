/**
 * Appending whole lines to a file through an open handle, asynchronously or (at exit)
 * synchronously: a line torn by a crash is ended first, and a failed append says how many of its
 * lines were written (`linesWritten`), so the caller never writes them twice.
 *
 * Whether the file ends in a torn line is told apart from another process's append in flight
 * (whose last bytes have not landed yet) by `_fs_torn_end.ts`: only a file whose last byte stays
 * other than `\n` is taken for torn, so appends of several processes never leave an empty line.
 *
 * @module
 */

import { tornEnd, tornEndSync } from "./_fs_torn_end.ts";

/** A file opened for appending (and reading), as {@linkcode appendToHandle} uses it. */
export interface AppendHandle {
  /** The file's size in bytes. */
  size(): Promise<number>;
  /** Reads up to `length` bytes at a position (fewer past the end). */
  readAt(position: number, length: number): Promise<Uint8Array>;
  /** Writes at the end of the file; returns how many bytes were written. */
  write(data: Uint8Array): Promise<number>;
  /** Flushes the written bytes to the disk (`fdatasync`); needed only for a synced append. */
  sync?(): Promise<void>;
  /** Closes the handle. */
  close(): Promise<void>;
}

const NEWLINE = 0x0a;

/**
 * Appends bytes through an open append-mode handle, then closes it. When the file is non-empty
 * and does not end with `\n` (an append torn by a crash), a `\n` goes first, in the same write:
 * the torn piece stays a malformed line of its own instead of swallowing the first new line. A
 * last byte other than `\n` that changes or grows (another process's append still landing) is
 * waited for instead (see `tornEnd`). When another process's write was torn between that look and
 * this write (it was killed part-way through a long line), the new lines land glued to its torn
 * piece: the first of them is written again after them, so it is in the file whole (the glued copy
 * stays inside the malformed line, which readers skip).
 *
 * When a write fails after part of the bytes landed (a full disk makes the first write short and
 * the next one fail with `ENOSPC`; some runtimes' writes loop and report only the error), what
 * landed stays: the file is never cut back, since another process may have appended its own
 * lines meanwhile, and cutting would lose them. The error then carries `linesWritten`, how many
 * of the first lines of `data` are in the file whole (see `TraceStorage.appendLines`); the rest
 * are not, but for a torn piece of the next one, which the next append ends with a `\n`.
 *
 * With `sync`, the bytes are flushed to the disk before the call resolves; a failed flush
 * rejects with `linesWritten` set to every line (they are in the file, maybe not on the disk).
 *
 * @param handle The open file.
 * @param data The bytes (whole lines).
 * @param sync Flush to the disk (`handle.sync`) before resolving.
 * @returns When written (and flushed) and closed.
 */
export async function appendToHandle(
  handle: AppendHandle,
  data: Uint8Array,
  sync = false,
): Promise<void> {
  try {
    if (await writeLines(handle, data)) await writeLines(handle, firstLine(data));
    if (sync && handle.sync !== undefined) {
      try {
        await handle.sync();
      } catch (error) {
        throw withLinesWritten(error, countLines(data));
      }
    }
  } finally {
    await handle.close();
  }
}

/**
 * Writes whole lines at the end of the file, a torn line ended first (see
 * {@linkcode appendToHandle}); a failed write throws with `linesWritten` set.
 *
 * @returns True when the lines landed glued to a line another process tore after the end was
 * looked at (see {@linkcode gluedAt}): the caller writes the first line again.
 */
async function writeLines(handle: AppendHandle, data: Uint8Array): Promise<boolean> {
  const { size, torn } = await tornEnd(handle);
  const bytes = torn ? newlineFirst(data) : data;
  // One write for the whole batch; the loop only continues after a short write.
  let done = 0;
  try {
    while (done < bytes.byteLength) {
      const written = await handle.write(bytes.subarray(done));
      if (written <= 0) throw new Error("Cannot append: the file system wrote nothing");
      done += written;
    }
  } catch (error) {
    done += await landedUnreported(handle, size + done, bytes.subarray(done));
    throw withLinesWritten(error, countLines(bytes.subarray(torn ? 1 : 0, done)));
  }
  if (torn) return false; // our own `\n` went first: nothing can sit between it and the lines
  try {
    const after = await handle.size();
    if (after - size <= data.byteLength) return false; // nothing else landed meanwhile
    const from = gluedSearchStart(size, after, data.byteLength);
    return gluedAt(await handle.readAt(from, after - from), data);
  } catch {
    return false; // the lines are written; only the look for a torn piece failed
  }
}

/** The bytes with a `\n` before them (ends a line torn by a crash). */
function newlineFirst(data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(data.byteLength + 1);
  bytes[0] = NEWLINE;
  bytes.set(data, 1);
  return bytes;
}

/** The first line of whole lines, with its `\n`. */
function firstLine(data: Uint8Array): Uint8Array {
  return data.subarray(0, data.indexOf(NEWLINE) + 1);
}

/**
 * Where to start reading a file that grew from `size` to `after` bytes while `length` bytes of
 * ours were appended, to find them and the byte before them ({@linkcode gluedAt}).
 */
function gluedSearchStart(size: number, after: number, length: number): number {
  return Math.max(0, size - 1, after - searchWindow(length));
}

/**
 * Whether the last copy of `data` in `text` follows a byte other than `\n`. Appends of several
 * processes are serialized, but the look at the file's end and the write are not one step: when
 * another process is killed in the middle of a long write after an append looked (the end was
 * whole), the append lands right after its torn piece, and its first line would be lost inside
 * that malformed line. False when `data` is not found or starts `text` (nothing to tell).
 */
function gluedAt(text: Uint8Array, data: Uint8Array): boolean {
  for (let at = text.byteLength - data.byteLength; at > 0; at--) {
    if (matchesAt(text, at, data)) return text[at - 1] !== NEWLINE;
  }
  return false;
}

/** Whether `text` holds `bytes` at `at`. */
function matchesAt(text: Uint8Array, at: number, bytes: Uint8Array): boolean {
  let same = 0;
  while (same < bytes.byteLength && text[at + same] === bytes[same]) same++;
  return same === bytes.byteLength;
}

/** A file opened for appending (and reading), as {@linkcode appendToHandleSync} uses it. */
export interface SyncAppendHandle {
  /** The file's size in bytes. */
  size(): number;
  /** Reads up to `length` bytes at a position (fewer past the end). */
  readAt(position: number, length: number): Uint8Array;
  /** Writes at the end of the file; returns how many bytes were written. */
  write(data: Uint8Array): number;
  /** Flushes the written bytes to the disk (`fdatasync`); needed only for a synced append. */
  sync?(): void;
  /** Closes the handle. */
  close(): void;
}

/**
 * How far back from the end of a file {@linkcode appendToHandleSync} looks for an append that
 * may have landed: other processes (cluster workers on one run's log), and this one's own
 * synchronous appends (a full queue written at once), may have appended after it. 16 times its
 * size, at least 4 MiB, at most 64 MiB.
 */
function searchWindow(bytes: number): number {
  return Math.min(Math.max(bytes * 16, 4 << 20), 64 << 20);
}

/**
 * Whether `lines` (whole lines, ending in `\n`) are in `text` as whole lines: at its start (when
 * `atFileStart`) or right after a `\n`.
 */
function holdsLines(text: Uint8Array, lines: Uint8Array, atFileStart: boolean): boolean {
  const first = lines[0];
  const last = text.byteLength - lines.byteLength;
  for (let at = 0; at <= last; at++) {
    if (text[at] !== first || (at === 0 ? !atFileStart : text[at - 1] !== NEWLINE)) continue;
    if (matchesAt(text, at, lines)) return true;
  }
  return false;
}

/**
 * Appends bytes synchronously through an open append-mode handle, then closes it: for the moment
 * a process ends, when nothing can be awaited. As {@linkcode appendToHandle}, a line torn by a
 * crash is ended first. The first `maybeWritten` bytes of `data` are an append that may have
 * landed already (one still running as the process ends): they are left out when the file holds
 * them as whole lines near its end (see `searchWindow`: other appends may have come after), so
 * they are in the file once either way (unless that append lands during this call, or landed in
 * part).
 *
 * @param handle The open file.
 * @param data The bytes (whole lines).
 * @param maybeWritten How many of the first bytes may be at the end of the file already.
 * @param sync Flush to the disk (`handle.sync`) before returning.
 */
export function appendToHandleSync(
  handle: SyncAppendHandle,
  data: Uint8Array,
  maybeWritten: number,
  sync = false,
): void {
  try {
    const { size, torn } = tornEndSync(handle);
    let bytes = data;
    if (maybeWritten > 0 && size >= maybeWritten) {
      const from = Math.max(0, size - searchWindow(maybeWritten));
      const tail = handle.readAt(from, size - from);
      if (holdsLines(tail, data.subarray(0, maybeWritten), from === 0)) {
        bytes = data.subarray(maybeWritten);
      }
    }
    if (bytes.byteLength === 0) return;
    writeAllSync(handle, torn ? newlineFirst(bytes) : bytes);
    if (!torn && gluedSync(handle, size, bytes)) {
      const again = firstLine(bytes);
      writeAllSync(handle, tornEndSync(handle).torn ? newlineFirst(again) : again);
    }
    if (sync) handle.sync?.();
  } finally {
    handle.close();
  }
}

/** Writes all of `bytes` synchronously (a short write continues). */
function writeAllSync(handle: SyncAppendHandle, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) {
    const written = handle.write(bytes.subarray(done));
    if (written <= 0) throw new Error("Cannot append: the file system wrote nothing");
    done += written;
  }
}

/** {@linkcode gluedAt} for lines just written synchronously to a file that was `size` bytes. */
function gluedSync(handle: SyncAppendHandle, size: number, data: Uint8Array): boolean {
  try {
    const after = handle.size();
    if (after - size <= data.byteLength) return false;
    const from = gluedSearchStart(size, after, data.byteLength);
    return gluedAt(handle.readAt(from, after - from), data);
  } catch {
    return false;
  }
}

/**
 * How many bytes of `rest` a failed write put at `position` without reporting them (Deno's
 * `node:fs` loops over short writes and reports only the error): the length of the file's
 * bytes there that match a start of `rest`. Reads only; never rejects (0 when unsure).
 */
async function landedUnreported(
  handle: AppendHandle,
  position: number,
  rest: Uint8Array,
): Promise<number> {
  try {
    const grown = Math.min(await handle.size() - position, rest.byteLength);
    if (grown <= 0) return 0;
    const tail = await handle.readAt(position, grown);
    let same = 0;
    while (same < tail.byteLength && tail[same] === rest[same]) same++;
    return same;
  } catch {
    return 0; // the write's own error is the one to report
  }
}

/** The number of `\n` bytes: whole lines, in bytes that start at a line's start. */
function countLines(bytes: Uint8Array): number {
  let lines = 0;
  for (const byte of bytes) if (byte === NEWLINE) lines++;
  return lines;
}

/**
 * The error of a failed append, with `linesWritten` set on it (on a wrapper for a non-Error).
 *
 * @param error What the append failed with.
 * @param linesWritten How many of its first lines are in the file whole.
 * @returns The error to throw.
 */
export function withLinesWritten(error: unknown, linesWritten: number): unknown {
  const marked = error instanceof Error ? error : new Error("Cannot append", { cause: error });
  try {
    Object.assign(marked, { linesWritten });
  } catch {
    // A frozen error: its lines count as not written.
  }
  return marked;
}
