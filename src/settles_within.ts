/**
 * Waiting for a promise with a time limit: the one timed race of the library (a tracer's flush
 * and shutdown of its processors, the agents bridge to user processors, the exit flush on a
 * signal).
 *
 * @module
 */
import { MAX_TIMER_MS } from "./processor/_timer.ts";

/**
 * Waits for `promise` for at most `ms` milliseconds. The timer is a plain one (a program awaiting
 * this goes on when it fires instead of exiting early), cleared as soon as the promise settles,
 * and clamped to 0 .. {@linkcode MAX_TIMER_MS}. A rejection of `promise` before the limit is
 * passed on.
 *
 * @param promise What to wait for.
 * @param ms The limit (0 or less: only an already settled promise counts as in time).
 * @returns True when `promise` resolved within the limit, false when the limit came first.
 */
export function settlesWithin(promise: PromiseLike<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => {
      // Clamped (NaN as 0): a negative delay makes Deno and Node 23+ print a warning.
      timer = setTimeout(resolve, ms > 0 ? Math.min(ms, MAX_TIMER_MS) : 0, false);
    }),
  ]).finally(() => clearTimeout(timer));
}
