/**
 * Span times of a spans JSONL line in epoch microseconds, at the precision they are written:
 * Python's `isoformat()` with microseconds (`2026-01-02T03:04:05.123456+00:00`). `Date.parse`
 * keeps milliseconds only, so a 0.9 ms span ending just past a millisecond boundary measured 1 ms
 * and one ending just before it 0 ms.
 *
 * @module
 */

/** The `n` decimal digits of `text` at `at` as a number, or NaN when one is not a digit. */
function digitsAt(text: string, at: number, n: number): number {
  let value = 0;
  for (let i = at; i < at + n; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The fraction of a second that starts at `dot` (a `.`) in whole microseconds (digits past the
 * sixth are cut), with the index past its last digit in {@linkcode fractionEnd}.
 */
function fractionMicros(text: string, dot: number): number {
  let micros = 0;
  let scale = 100_000;
  let i = dot + 1;
  for (; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) break;
    micros += digit * scale;
    scale = scale >= 10 ? scale / 10 : 0;
  }
  fractionEnd = i;
  return micros;
}

/** The index past the last digit read by the last {@linkcode fractionMicros} (no allocation). */
let fractionEnd = 0;

/**
 * A time as a span line writes it, in epoch microseconds. Python's `isoformat()` with a `Z` or
 * `±hh:mm` offset (dreadnode's and tracelet's form) is read digit by digit, which is also faster
 * than `Date.parse`; any other form `Date.parse` reads (no offset, which it takes as local time)
 * is read by it, with the fraction of a second read here.
 *
 * @param value A line's `start_time` or `end_time`.
 * @returns Epoch microseconds, or NaN when it is not a time.
 */
export function spanTimeMicros(value: unknown): number {
  const text = String(value);
  const n = text.length;
  const sep = text.charCodeAt(10);
  if (
    n >= 20 && text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 &&
    (sep === 84 || sep === 32) && text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58
  ) {
    const year = digitsAt(text, 0, 4);
    const month = digitsAt(text, 5, 2);
    const day = digitsAt(text, 8, 2);
    const hour = digitsAt(text, 11, 2);
    const minute = digitsAt(text, 14, 2);
    const second = digitsAt(text, 17, 2);
    let micros = 0;
    let at = 19;
    if (text.charCodeAt(at) === 46) {
      micros = fractionMicros(text, at);
      // A `.` without digits is not a time: no offset is read after it.
      at = fractionEnd > at + 1 ? fractionEnd : n;
    }
    let offsetMinutes = Number.NaN;
    const sign = text.charCodeAt(at);
    if (sign === 90 && at + 1 === n) offsetMinutes = 0; // Z
    else if ((sign === 43 || sign === 45) && at + 6 === n && text.charCodeAt(at + 3) === 58) {
      const hours = digitsAt(text, at + 1, 2);
      const minutes = digitsAt(text, at + 4, 2);
      if (hours < 24 && minutes < 60) {
        offsetMinutes = (sign === 45 ? -1 : 1) * (hours * 60 + minutes);
      }
    }
    // Years below 100 are left to Date.parse (Date.UTC reads them as 19xx).
    if (
      year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24 &&
      minute < 60 && second < 60 && offsetMinutes === offsetMinutes
    ) {
      // A day past its month's end (February 30) runs over into the next, as in Date.parse.
      const ms = Date.UTC(year, month - 1, day, hour, minute, second);
      return (ms - offsetMinutes * 60_000) * 1000 + micros;
    }
  }
  const dot = text.indexOf(".");
  // A fraction of seconds follows `hh:mm:ss`; another dot (`2026.01.02`) is Date.parse's to read.
  if (dot < 0 || text[dot - 3] !== ":") return Date.parse(text) * 1000;
  const micros = fractionMicros(text, dot);
  if (fractionEnd === dot + 1) return Date.parse(text) * 1000;
  return Date.parse(text.slice(0, dot) + text.slice(fractionEnd)) * 1000 + micros;
}
