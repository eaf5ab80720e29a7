/**
 * The clock: epoch nanoseconds from `performance.timeOrigin + performance.now()`, kept in step
 * with the wall clock without jumps (see `epoch_clock.ts`), stored as integer-valued numbers. Doubles hold present-day epoch nanoseconds to about 0.25 µs, which is
 * finer than `performance.now()` resolution on every runtime tracelet supports.
 *
 * On Cloudflare Workers the clock only advances across I/O (a Spectre mitigation), so a span that
 * does pure CPU work there reports a duration of zero; durations are never negative.
 *
 * @module
 */

import { createEpochClock } from "./epoch_clock.ts";

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

/** Epoch milliseconds from the performance clock, following the wall clock (see epoch_clock.ts). */
const epochMs: (() => number) | undefined = ORIGIN_MS === undefined
  ? undefined
  : createEpochClock(() => perf.now(), Date.now, ORIGIN_MS);

/**
 * The current time in epoch nanoseconds.
 *
 * @returns An integer-valued number of nanoseconds since the Unix epoch.
 */
export function nowNs(): number {
  if (epochMs !== undefined) return Math.round(epochMs() * 1e6);
  // No time origin (workerd): an epoch-based performance clock, else the wall clock.
  const now = perf.now();
  return Math.round((now > 1e12 ? now : Date.now()) * 1e6);
}

/** A time given by a caller: a `Date`, or epoch milliseconds as from `Date.now()`. */
export type TimeInput = Date | number;

/**
 * Converts a caller's time to epoch nanoseconds. Never throws: anything that is not a number of
 * milliseconds or a valid `Date` between 1970 and 2540 (what OTLP's unsigned 64-bit nanoseconds
 * hold; a time in microseconds by mistake is far outside) means now. Unix seconds by mistake are
 * inside that range: they are read as milliseconds in January 1970.
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
  return ms >= 0 && ms < 1.8e13 ? Math.round(ms * 1e6) : nowNs(); // 1.8e13: MAX_TIME_MS
}

/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds: the four-digit years. */
const FIRST_ISO_S = -62_135_596_800;
const LAST_ISO_S = 253_402_300_799;

/**
 * Formats epoch nanoseconds exactly as dreadnode's JSONL lines do, with Python's
 * `datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat()`: the seconds as a double, whose fraction
 * is rounded half to even to microseconds; `+00:00`; no fraction when it is exactly zero.
 *
 * @param ns Epoch nanoseconds.
 * @returns For example `2026-01-02T03:04:05.123456+00:00`.
 * @throws {RangeError} For a time outside the years 1–9999 (or NaN), which has no such form (a
 *   `Date` would write `+012000-…`); every time tracelet records is within 1970–2540.
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
  if (!(whole >= FIRST_ISO_S && whole <= LAST_ISO_S)) {
    throw new RangeError(`Cannot format ${ns} ns as ISO-8601: outside the years 1-9999`);
  }
  // The seconds repeat from one time to the next (a span's start, events and end): formatted once.
  if (whole !== lastWhole) {
    lastBase = new Date(whole * 1000).toISOString().slice(0, 19);
    lastWhole = whole;
  }
  return micros === 0
    ? `${lastBase}+00:00`
    : `${lastBase}.${String(micros).padStart(6, "0")}+00:00`;
}

let lastWhole = NaN;
let lastBase = "";

/**
 * The end (exclusive) of the times tracelet accepts, in epoch milliseconds: a day in 2540, within
 * what OTLP's unsigned 64-bit nanoseconds hold (up to 2554).
 */
export const MAX_TIME_MS = 1.8e13;

/**
 * Whether a value is epoch milliseconds in the range tracelet accepts (1970 to 2540, as
 * {@linkcode toEpochNs} takes them; a time in microseconds or seconds by mistake is far outside).
 *
 * @param ms The value.
 * @returns True for a number in `[0, MAX_TIME_MS)`.
 */
export function isTimeInRange(ms: unknown): ms is number {
  return typeof ms === "number" && ms >= 0 && ms < MAX_TIME_MS;
}
