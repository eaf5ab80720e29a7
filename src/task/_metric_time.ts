/**
 * When a metric point was measured: the timestamp a caller gives (a `Date`, epoch milliseconds or
 * an ISO-8601 date-time string as Python writes it) read as epoch milliseconds, or now.
 *
 * @module
 */
import { isTimeInRange } from "../clock.ts";
import { reportOnce } from "../diagnostics.ts";
import { safeString } from "../safe_string.ts";

/**
 * An ISO-8601 date-time as Python's `isoformat()` writes it: a date, `T` or a space, a time with
 * seconds and an optional fraction, and an optional offset (`Z`, `±hh:mm` or `±hhmm`).
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * The epoch milliseconds of an ISO-8601 date-time string (see {@linkcode ISO_DATE_TIME}); one
 * without an offset is UTC, as Python's `utcnow().isoformat()` writes it. The fraction is cut to
 * milliseconds.
 *
 * @param text A string.
 * @returns The time, or NaN for any other string (or a date or time that does not exist).
 */
function isoMs(text: string): number {
  const match = ISO_DATE_TIME.exec(text);
  if (match === null) return Number.NaN;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number);
  const [oh, om] = [Number(match[9] ?? 0), Number(match[10] ?? 0)];
  const ms = Number((match[7] ?? "").slice(0, 3).padEnd(3, "0"));
  // Not `Date.UTC`, which reads a year 0-99 as 1900-1999: year 0099 is outside the range, not
  // unreadable.
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  const time = date.getTime();
  const exists = date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d && h < 24 && mi < 60 && s < 60 && oh < 24 && om < 60;
  const offset = (match[8] === "-" ? -1 : 1) * (oh * 60 + om) * 60_000;
  return exists ? time - offset : Number.NaN;
}

/**
 * A metric timestamp in epoch milliseconds: a valid `Date`, an ISO-8601 date-time string (as
 * Python's `isoformat()` writes it; one without an offset is UTC) or a number between 1970 and
 * 2540, else now, as for span times (a year past 9999 has no ISO-8601 form to write when the task
 * ends). A time outside that range is reported once (`metric_invalid_timestamp`) and becomes now,
 * whether given as a number (in microseconds by mistake, far outside), a `Date` or a string (1969,
 * 2600); one in seconds (Unix time, as Python's `time.time()` gives) is inside, and is kept as
 * milliseconds: January 1970. A timestamp of another type, an invalid `Date` or any other string
 * (`"5"`, `"yesterday"`, an RFC 2822 date) is reported once.
 *
 * @param value The timestamp as given.
 * @returns Epoch milliseconds.
 */
export function metricTimeMs(value: unknown): number {
  let ms = value;
  try {
    if (value instanceof Date) ms = value.getTime();
    else if (typeof value === "string") ms = isoMs(value);
  } catch {
    ms = undefined; // A revoked proxy or a throwing getTime.
  }
  if (isTimeInRange(ms)) return ms;
  if (typeof value === "number" && Number.isFinite(value)) {
    reportOnce(
      "metric_timestamp_range",
      "warn",
      "metric_invalid_timestamp",
      `Metric timestamp ${value} is outside 1970-2540 in epoch milliseconds (microseconds or ` +
        `nanoseconds by mistake?); using now (reported once)`,
    );
    return Date.now();
  }
  const readable = typeof ms === "number" && ms === ms; // A NaN is an invalid Date or string.
  if (readable) {
    // A valid Date or ISO-8601 string (or ±Infinity) of a time outside the range, reported as a
    // number outside it is.
    const shown = typeof value === "string" || !Number.isFinite(ms)
      ? safeString(value)
      : new Date(ms as number).toISOString();
    reportOnce(
      "metric_timestamp_range:date",
      "warn",
      "metric_invalid_timestamp",
      `Metric timestamp ${shown} is outside 1970-2540; using now (reported once)`,
    );
    return Date.now();
  }
  if (value !== undefined && value !== null) {
    reportOnce(
      "metric_timestamp",
      "warn",
      "metric_invalid_timestamp",
      `Cannot read metric timestamp ${
        safeString(value)
      }: expected a Date, epoch milliseconds or an ISO-8601 date-time string; using now`,
    );
  }
  return Date.now();
}
