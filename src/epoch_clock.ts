/**
 * An epoch clock that keeps the monotonic clock's resolution and order but follows the wall
 * clock. `performance.timeOrigin + performance.now()` drifts away from `Date.now()` as a process
 * runs (measured here: 20 ppm, about 1.7 s a day), and the wall clock may be adjusted; times taken
 * from the monotonic clock alone then disagree with logs and with other hosts. Once a second (at
 * the first reading after it) the clock measures its gap to the wall clock and closes it at most
 * 100 ppm at a time, stopping when it is closed, so it never jumps and an idle process does not
 * overshoot. A gap over a second (the wall clock was set, the machine slept) is closed at once:
 * the one case in which the clock jumps, backwards too if the wall clock was set back.
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
  let gap = 0;
  let nextCheck = base;
  return () => {
    const now = monotonic();
    // The monotonic time plus as much of the gap as 100 ppm of the time since the check allows.
    const most = (now - base) * MAX_RATE_CHANGE;
    // The small terms are summed first: added to the epoch one by one, each rounds at the epoch's
    // magnitude (256 ns) and a shrinking slew could make two close readings go backwards.
    const current = epoch + (now - base + Math.max(-most, Math.min(most, gap)));
    if (now < nextCheck) return current;
    nextCheck = now + CHECK_INTERVAL_MS;
    // The wall clock counts whole milliseconds: its true time is half a millisecond later.
    const measured = wall() + 0.5 - current;
    if (!(Math.abs(measured) < Infinity)) return current; // an unusable wall clock reading
    const step = Math.abs(measured) > STEP_THRESHOLD_MS;
    epoch = step ? current + measured : current;
    gap = step ? 0 : measured;
    base = now;
    return epoch;
  };
}
