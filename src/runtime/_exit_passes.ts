/**
 * When the exit flush runs once the event loop has emptied (see `exitPasses`): each time the loop
 * empties it flushes, or starts nothing so that the process may end, within a time budget; and the
 * optional final step (the agent layer's processors' `shutdown`) runs once the process is about to
 * end. How the hook is installed on each runtime is `_exit_hook.ts`.
 *
 * @module
 */
import { report as diagnose } from "../diagnostics.ts";
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport } from "../types.ts";

/**
 * A flush at exit. With a deadline the process ends then (a signal): it shuts the pipeline down by
 * that epoch-ms time, so what cannot be delivered is parked or counted, not lost in flight.
 */
export type Flush = (deadline?: number) => Promise<FlushReport>;

/**
 * The final step before the process ends normally, after its last flush (see
 * {@linkcode exitPasses}): given the epoch-ms time at which the exit's time is up, it resolves
 * true when done, false when it did nothing because the program did more since the last flush
 * (the exit hook then flushes and tries again); undefined when it has nothing to do.
 */
export type Close = (end: number) => Promise<boolean> | undefined;

/**
 * Whether a flush did anything (so the next idle moment may have more to flush).
 *
 * @param report A flush report.
 * @returns True when any span was exported, retried, persisted, dropped or failed.
 */
export function didWork(report: FlushReport): boolean {
  return report.exported + report.retried + report.persisted + report.failed > 0 ||
    Object.keys(report.dropped).length > 0;
}

/**
 * How soon after a flush with nothing to do the event loop may empty again and still count as
 * the end of that flush rather than as the program having done more.
 */
export const QUIET_MS = 50;

/**
 * Decides what the exit flush does each time the event loop empties.
 *
 * - It flushes; again after a flush that did something (it may have more), and again after the
 *   program did more (the loop emptied {@linkcode QUIET_MS} or longer after the last flush, or
 *   at all after a time it started nothing).
 * - It starts nothing, so the process may end, after a flush that did nothing, when the loop
 *   empties again right away (that flush's own work kept it running) or after two such flushes.
 * - Time limit: a flush, or flushes back to back that deliver nothing (they keep failing or
 *   retrying), may take `budgetMs`, counted from the first of them; after the program ran on its
 *   own, a flush gets `budgetMs` again. When the time is up, or a flush does not settle within
 *   it, it gives up (`exit_flush_timeout`) and starts nothing the next time.
 * - Final step: where it would start nothing, it runs `close` first (once; given when the time
 *   is up), unless `close` has nothing to do. A `close` that finds the program did more since
 *   the last flush (it resolves false) is followed by a flush, and tried again after it. While
 *   `close` is still to run, each pass ends with a timer, so that Node and Bun, which end the
 *   process without another `beforeExit` when a pass leaves nothing to wait for, come back.
 *
 * @param flush Flushes the pipeline.
 * @param budgetMs The time limit.
 * @param close The final step, if any.
 * @returns Called each time the event loop empties: the running pass (never rejects), or
 *   undefined when it starts nothing (also while a pass runs).
 */
export function exitPasses(
  flush: Flush,
  budgetMs: number,
  close?: Close,
): () => Promise<void> | undefined {
  let end: number | undefined; // when the time is up; undefined: it starts at the next flush
  let settled = -Infinity; // when the last flush settled
  let idle = 0; // flushes in a row that did nothing (2 after giving up: the next time rests)
  let running = false;
  let closed = false; // the final step ran since the process last came to its end
  const giveUp = () => {
    idle = 2;
    diagnose(
      "warn",
      "exit_flush_timeout",
      `The exit flush did not finish within ${budgetMs} ms: what is still queued is lost`,
    );
  };
  // Node and Bun end the process, without another `beforeExit`, when a pass leaves nothing to
  // wait for (it settled in microtasks): a timer brings the event loop back to its end once more,
  // while the final step is still to run.
  const comeBack = () => {
    if (close !== undefined && !closed) setTimeout(() => {}, 0);
  };
  // The final step, in place of a pass that starts nothing: when it finds the program did more
  // since the last flush, the next time flushes again.
  const finish = (closing: Promise<boolean>): Promise<void> => {
    running = true;
    let again = false;
    const done = closing.then((finished) => void (again = finished === false), () => {});
    return settlesWithin(done, budgetMs).then(() => {
      running = false;
      settled = Date.now();
      if (!again) return void (closed = true);
      idle = 0;
      comeBack();
    });
  };
  return () => {
    if (running) return;
    const now = Date.now();
    const quiet = now - settled < QUIET_MS;
    if (idle > 0 && (quiet || idle > 1)) {
      const closing = closed ? undefined : close?.(end ?? now + budgetMs);
      if (closing !== undefined) return finish(closing);
      // Nothing to flush: start nothing, so the process may end. If the loop empties again,
      // the program did more: the time counts anew.
      idle = 0;
      end = undefined;
      settled = -Infinity;
      closed = false;
      return;
    }
    end ??= now + budgetMs;
    // After the program ran on its own, this flush may take the whole time again (the time
    // counts anew only if it delivers something).
    const limit = quiet ? end : Math.max(end, now + budgetMs);
    if (limit <= now) return void giveUp();
    running = true;
    let report: FlushReport | undefined;
    const done = flush().then((value) => void (report = value), () => {});
    return settlesWithin(done, limit - now).then((inTime) => {
      running = false;
      settled = Date.now();
      if (!inTime) return giveUp();
      if (report === undefined || !didWork(report)) return void idle++;
      idle = 0;
      if (report.exported + report.persisted > 0) end = undefined; // it delivered: time anew
      else if (settled >= end!) giveUp(); // still failing, or retrying, when the time is up
    }).finally(comeBack);
  };
}
