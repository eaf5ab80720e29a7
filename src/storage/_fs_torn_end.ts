/**
 * Whether a log file ends in a line torn by a crash, told apart from another process's append
 * still landing. A file whose last byte is not `\n` is either torn (a process killed mid-write, a
 * full disk) or being appended to right now: a write of many pages grows the file a page at a
 * time, and a reader sees it part-way. Appends on one file are serialized by the operating system
 * (`O_APPEND`), so an append in flight lands whole before ours: ending its "torn" line would leave
 * an empty line. So the end is looked at again, a little later each time, until it ends with `\n`
 * (the append in flight landed: nothing to end) or has kept its size and its last byte for
 * {@linkcode TORN_QUIET_MILLIS} (nothing is landing: it is torn). An append in flight is waited
 * for only while its write lasts; a torn end costs one wait of that length, once (the append after
 * it ends the line).
 *
 * @module
 */

/**
 * How long a file's size must stay unchanged, with a last byte other than `\n`, to be taken as
 * torn: longer than a write in progress pauses between two pages (Linux throttles a writer for at
 * most 200 ms at a time when memory fills with unwritten pages).
 */
export const TORN_QUIET_MILLIS = 500;

/** The longest pause between two looks at the end. */
const MAX_PAUSE_MILLIS = 50;

const NEWLINE = 0x0a;

/** The part of an open file {@linkcode tornEnd} reads. */
export interface TailReader {
  /** The file's size in bytes. */
  size(): Promise<number>;
  /** Reads up to `length` bytes at a position (fewer past the end). */
  readAt(position: number, length: number): Promise<Uint8Array>;
}

/** The part of an open file {@linkcode tornEndSync} reads. */
export interface SyncTailReader {
  /** The file's size in bytes. */
  size(): number;
  /** Reads up to `length` bytes at a position (fewer past the end). */
  readAt(position: number, length: number): Uint8Array;
}

/** What {@linkcode tornEnd} found. */
export interface TailState {
  /** The file's size when it was decided. */
  readonly size: number;
  /** True when the file ends in a torn line that the next append must end with a `\n`. */
  readonly torn: boolean;
}

/**
 * Tells whether a file ends in a torn line (see the module docs): waits while its end changes.
 *
 * @param file The open file.
 * @param quietMillis How long an unchanged end without `\n` takes to count as torn.
 * @returns The size and the verdict.
 */
export async function tornEnd(
  file: TailReader,
  quietMillis: number = TORN_QUIET_MILLIS,
): Promise<TailState> {
  let size = await file.size();
  let since = Date.now();
  for (let pause = 1;; pause = Math.min(pause * 2, MAX_PAUSE_MILLIS)) {
    if (size === 0 || (await file.readAt(size - 1, 1))[0] === NEWLINE) return { size, torn: false };
    const quiet = Date.now() - since;
    if (quiet >= quietMillis) return { size, torn: true };
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, quietMillis - quiet)));
    const now = await file.size();
    if (now !== size) {
      size = now;
      since = Date.now();
    }
  }
}

/**
 * {@linkcode tornEnd}, synchronously (for the moment a process ends): the waits block.
 *
 * @param file The open file.
 * @param quietMillis How long an unchanged end without `\n` takes to count as torn.
 * @returns The size and the verdict.
 */
export function tornEndSync(
  file: SyncTailReader,
  quietMillis: number = TORN_QUIET_MILLIS,
): TailState {
  let size = file.size();
  let since = Date.now();
  for (let pause = 1;; pause = Math.min(pause * 2, MAX_PAUSE_MILLIS)) {
    if (size === 0 || file.readAt(size - 1, 1)[0] === NEWLINE) return { size, torn: false };
    const quiet = Date.now() - since;
    if (quiet >= quietMillis) return { size, torn: true };
    sleepSync(Math.min(pause, quietMillis - quiet));
    const now = file.size();
    if (now !== size) {
      size = now;
      since = Date.now();
    }
  }
}

/** Blocks for `millis` ms: `Atomics.wait` where allowed, else a busy wait. */
function sleepSync(millis: number): void {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, millis);
  } catch {
    const end = Date.now() + millis;
    while (Date.now() < end) {
      // Busy: this runtime cannot block a thread otherwise.
    }
  }
}
