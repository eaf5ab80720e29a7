/**
 * Writes outside the span pipeline that flushes wait for: the events layer's JSONL event logs,
 * which append to storage on their own, and the artifacts tasks are writing (their files and
 * `artifacts.jsonl` lines). A writer is listed while it has lines queued or being written; a
 * configuration's `forceFlush()` and `shutdown()` (and so the exit flush, which runs
 * `forceFlush()`) wait for every listed writer too, so `await tracing.shutdown()` before
 * `process.exit()` / `Deno.exit()` still writes the event logs and artifacts. Every wait is
 * bounded: at most {@linkcode WRITE_WAIT_MS}, and for a shutdown with a deadline at most a second
 * past it. A wait that times out is reported as `event_write_timeout` (once per stall: again only
 * after a wait that finished in time, or once nothing was left to write); the lines stay queued and
 * are written if the storage recovers.
 *
 * The list is shared by every copy of tracelet in the process, as the configuration is.
 *
 * @module
 */
import { report } from "./diagnostics.ts";
import { settlesWithin } from "./settles_within.ts";

/** Something holding writes that a flush should wait for. */
export interface PendingWriter {
  /** Resolves when what it holds now is written (or reported as failed). */
  flush(): Promise<void>;
}

/** How long a flush waits for pending writes (the processors' default flush timeout). */
export const WRITE_WAIT_MS = 30_000;

interface WritesSlot {
  readonly writers: Set<PendingWriter>;
  /** The current limit of a wait, in ms. */
  waitMs: number;
  /** A wait timed out and none finished in time since (the stall was reported). */
  stalled: boolean;
}

const SLOT = Symbol.for("tracelet.pendingWrites");
const slots = globalThis as unknown as Record<symbol, WritesSlot | undefined>;

function slot(): WritesSlot {
  return slots[SLOT] ??= { writers: new Set(), waitMs: WRITE_WAIT_MS, stalled: false };
}

/**
 * Lists a writer until the returned function is called (call it once its writes are done).
 *
 * @param writer The writer.
 * @returns Removes it from the list.
 */
export function trackWrites(writer: PendingWriter): () => void {
  const s = slot();
  s.writers.add(writer);
  return () => {
    // Nothing left to write: a stall is over (the next one is reported again).
    if (s.writers.delete(writer) && s.writers.size === 0) s.stalled = false;
  };
}

/**
 * Waits for every listed writer: at most {@linkcode WRITE_WAIT_MS}, and with a deadline at most
 * one second past it (as a tracer's shutdown does). Sets no timer when nothing is listed.
 *
 * @param deadline Epoch-ms limit (optional).
 * @returns Resolves when the writers are done or the time is up; never rejects.
 */
export function awaitWrites(deadline?: number): Promise<void> {
  const { writers, waitMs } = slot();
  if (writers.size === 0) return Promise.resolve();
  const all = Promise.all([...writers].map((writer) => writer.flush().then(undefined, () => {})));
  const ms = deadline! < Infinity
    ? Math.min(waitMs, Math.max(deadline!, Date.now()) + 1000 - Date.now())
    : waitMs;
  const n = writers.size;
  return writesWithin(all, `${n} pending write${n === 1 ? "" : "s"} (event logs, artifacts)`, ms);
}

/**
 * Waits for `writes` at most {@linkcode WRITE_WAIT_MS}; when that is not enough, reports
 * `event_write_timeout` (once per stall) and resolves anyway: what is still queued stays queued.
 *
 * @param writes The writes to wait for.
 * @param what What is written, for the diagnostic (e.g. `the events of run r1`).
 * @param ms The limit (default: the current one, {@linkcode WRITE_WAIT_MS} unless a test set it).
 * @returns Resolves when `writes` did or the time is up; never rejects.
 */
export async function writesWithin(
  writes: Promise<unknown>,
  what: string,
  ms: number = slot().waitMs,
): Promise<void> {
  const s = slot();
  if (await settlesWithin(writes.then(undefined, () => {}), ms)) {
    s.stalled = false;
    return;
  }
  if (s.stalled) return;
  s.stalled = true;
  report(
    "warn",
    "event_write_timeout",
    `Cannot write ${what} within ${Math.max(0, Math.round(ms))} ms (the storage does not ` +
      "answer): no longer waiting for it; the lines stay queued and are written if it recovers",
  );
}

/**
 * Sets how long a wait for pending writes lasts (for tests).
 *
 * @param ms Milliseconds.
 * @returns The previous value.
 * @internal
 */
export function setWriteWait(ms: number): number {
  const s = slot();
  const previous = s.waitMs;
  s.waitMs = ms;
  return previous;
}
