/**
 * The clock: epoch nanoseconds from `performance.timeOrigin + performance.now()`, stored as
 * integer-valued numbers. Doubles hold present-day epoch nanoseconds to about 0.25 µs, which is
 * finer than `performance.now()` resolution on every runtime tracelet supports.
 *
 * On Cloudflare Workers the clock only advances across I/O (a Spectre mitigation), so a span that
 * does pure CPU work there reports a duration of zero; durations are never negative.
 *
 * @module
 */

/**
 * The `performance` object, read once: on Node the global is a lazy getter, and going through it
 * on every clock read costs about a quarter of `performance.now()` itself.
 */
const perf: Performance = performance;

/**
 * Epoch milliseconds at `performance.now() === 0`, or undefined where the runtime has no usable
 * time origin. workerd reports `timeOrigin` 0 and, inside a request, a `performance.now()` that
 * already is epoch milliseconds (equal to `Date.now()`), but 0 at module top level.
 */
const ORIGIN_MS: number | undefined = typeof perf.timeOrigin === "number" &&
    perf.timeOrigin > 1e12
  ? perf.timeOrigin
  : undefined;

/**
 * The current time in epoch nanoseconds.
 *
 * @returns An integer-valued number of nanoseconds since the Unix epoch.
 */
export function nowNs(): number {
  const now = perf.now();
  if (ORIGIN_MS !== undefined) return Math.round((ORIGIN_MS + now) * 1e6);
  // No time origin (workerd): an epoch-based performance clock, else the wall clock.
  return Math.round((now > 1e12 ? now : Date.now()) * 1e6);
}

/** A time given by a caller: a `Date`, or epoch milliseconds as from `Date.now()`. */
export type TimeInput = Date | number;

/**
 * Converts a caller's time to epoch nanoseconds. Never throws: anything that is not a number of
 * milliseconds or a valid `Date` between 1970 and 2540 (what OTLP's unsigned 64-bit nanoseconds
 * hold; a time in microseconds or seconds by mistake is far outside) means now.
 *
 * @param time A `Date` or epoch milliseconds; `undefined` means now.
 * @returns Epoch nanoseconds.
 */
export function toEpochNs(time: TimeInput | undefined): number {
  if (time === undefined) return nowNs();
  let ms = NaN;
  try {
    ms = typeof time === "number" ? time : time.getTime();
  } catch {
    // Not a Date.
  }
  return ms >= 0 && ms < 1.8e13 ? Math.round(ms * 1e6) : nowNs();
}

/**
 * Formats epoch nanoseconds exactly as dreadnode's JSONL lines do, with Python's
 * `datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat()`: the seconds as a double, whose fraction
 * is rounded half to even to microseconds; `+00:00`; no fraction when it is exactly zero.
 *
 * @param ns Epoch nanoseconds.
 * @returns For example `2026-01-02T03:04:05.123456+00:00`.
 * @throws {RangeError} For a time that is not a calendar date (NaN, or too far from 1970).
 */
export function isoFromNs(ns: number): string {
  const seconds = ns / 1e9;
  let whole = Math.trunc(seconds);
  const scaled = (seconds - whole) * 1e6;
  let micros = Math.round(scaled);
  if (micros - scaled === 0.5 && micros % 2 !== 0) micros -= 1; // a tie goes to the even side
  if (micros >= 1e6) {
    micros -= 1e6;
    whole += 1;
  } else if (micros < 0) {
    micros += 1e6;
    whole -= 1;
  }
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return micros === 0 ? `${base}+00:00` : `${base}.${String(micros).padStart(6, "0")}+00:00`;
}
