/**
 * The bytes of task blobs held in memory on their way to the blob store, across every task of
 * the process: a logged object's JSON until its `putBlob` settles, and a file artifact read
 * whole until it is stored. Without a bound, a loop logging large values faster than the storage
 * writes them (R2 from a Worker, a slow disk) held every one of them twice (120 values of 4 MiB:
 * 1.1 GB), and artifacts logged without `await` read every file at once.
 *
 * A hold that does not fit waits (an artifact) or is refused (an object, logged synchronously:
 * it is then exported inline). One hold larger than the bound is granted when nothing else is
 * held, so no single blob is refused for its size alone. Waiters are served in order.
 *
 * @module
 */

/** The most bytes held at once (one larger blob may be held alone). */
export const MAX_BLOB_BACKLOG_BYTES: number = 64 * 1024 * 1024;

/** Gives back what a hold took; calls after the first do nothing. */
export type Release = () => void;

interface Waiter {
  readonly bytes: number;
  readonly grant: (release: Release) => void;
}

let held = 0;
const waiting: Waiter[] = [];

function fits(bytes: number): boolean {
  return held === 0 || held + bytes <= MAX_BLOB_BACKLOG_BYTES;
}

function take(bytes: number): Release {
  held += bytes;
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    held -= bytes;
    while (waiting.length > 0 && fits(waiting[0].bytes)) {
      const next = waiting.shift()!;
      next.grant(take(next.bytes));
    }
  };
}

/**
 * Holds `bytes` now if they fit and nobody is waiting.
 *
 * @param bytes The blob's size.
 * @returns The release, or undefined when the backlog is full.
 */
export function tryHoldBlobBytes(bytes: number): Release | undefined {
  return waiting.length === 0 && fits(bytes) ? take(bytes) : undefined;
}

/**
 * Holds `bytes`, waiting for earlier holds to be released when they do not fit.
 *
 * @param bytes The blob's size.
 * @returns The release, once held.
 */
export function holdBlobBytes(bytes: number): Promise<Release> {
  const now = tryHoldBlobBytes(bytes);
  if (now !== undefined) return Promise.resolve(now);
  return new Promise((grant) => void waiting.push({ bytes, grant }));
}

/** @returns The bytes held now (for tests and diagnostics). */
export function blobBytesHeld(): number {
  return held;
}
