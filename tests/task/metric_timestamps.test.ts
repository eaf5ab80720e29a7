// A metric timestamp given as a string is read only as an ISO-8601 date-time, as Python's
// isoformat() writes it: one without an offset is UTC (utcnow().isoformat()), whatever the local
// time zone; any other string ("5", "yesterday", an RFC 2822 date) means now and is reported.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { taskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

/** Runs `fn` with the local time zone set to `zone` where the runtime allows it (not workerd). */
function inTimeZone<T>(zone: string, fn: () => T): T {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env;
  const previous = env?.TZ;
  try {
    if (env !== undefined) env.TZ = zone;
  } catch {
    // An environment that cannot be written: the test runs in the default zone.
  }
  try {
    return fn();
  } finally {
    try {
      if (previous === undefined) delete env?.TZ;
      else env!.TZ = previous;
    } catch {
      // As above.
    }
  }
}

describe("task: metric timestamps", () => {
  it("read an ISO-8601 date-time without an offset as UTC, in any local time zone", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("utc");
      const times = inTimeZone("America/New_York", () =>
        [
          "2026-01-02T03:04:05",
          "2026-01-02 03:04:05.123456",
          "2026-01-02T03:04:05Z",
          "2026-01-02T08:34:05+05:30",
          "2026-01-01T19:04:05-0800",
          "2026-01-02T03:04:05.1",
        ].map((timestamp) => t.logMetric("m", 1, { timestamp: timestamp as never })?.timestamp));
      const at = Date.UTC(2026, 0, 2, 3, 4, 5);
      assert.deepEqual(times, [at, at + 123, at, at, at, at + 100]);
      assert.deepEqual(env.codes(), []);
      t.end();
    });
  });

  it("take now for any other string and report it once", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("strings");
      const before = Date.now();
      for (
        const text of [
          "5",
          "12",
          "2026",
          "2026-01-02",
          "1700000000000",
          "Jan 2, 2026",
          "Fri, 02 Jan 2026 03:04:05 GMT",
          "2026-02-30T00:00:00Z", // no such day
          "2026-01-02T24:00:00Z",
          "2026-01-02T03:04:05+25:00",
          "2026-01-02T03:04:05Z ",
        ]
      ) {
        const point = t.logMetric("m", 1, { timestamp: text as never });
        const time = point?.timestamp ?? 0;
        assert.ok(time >= before && time <= Date.now() + 1000, `${text}: ${time}`);
      }
      assert.deepEqual(env.codes(), ["metric_invalid_timestamp"]);
      t.end();
    });
  });

  it("report a Date or ISO-8601 string outside 1970-2540 as a number outside it is", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("range");
      const landing = Date.UTC(1969, 6, 20, 20, 17);
      const before = Date.now();
      const times = [
        "1969-07-20T20:17:00", // read as UTC
        "2600-01-01T00:00:00Z",
        new Date(landing),
        new Date(Date.UTC(3000, 0, 1)),
      ].map((timestamp) => t.logMetric("m", 1, { timestamp })?.timestamp ?? 0);
      for (const time of times) assert.ok(time >= before && time <= Date.now() + 1000, `${time}`);
      const reports = env.diagnostics.filter((d) => d.code === "metric_invalid_timestamp");
      assert.equal(reports.length, 1, "reported once");
      assert.match(reports[0].message, /1969-07-20T20:17:00 is outside 1970-2540/);
      t.logMetric("m", 1, { timestamp: landing });
      assert.deepEqual(env.codes(), Array(2).fill("metric_invalid_timestamp"));
      t.end();
    });
  });

  it("report a year 0000-0099 as outside the range, not as unreadable", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("early years");
      const before = Date.now();
      for (
        const timestamp of ["0099-12-31T23:59:59", "0075-01-02T03:04:05Z", "0000-01-01 00:00:00Z"]
      ) {
        const time = t.logMetric("m", 1, { timestamp })?.timestamp ?? 0;
        assert.ok(time >= before && time <= Date.now() + 1000, `${timestamp}: now, not 19xx`);
      }
      assert.deepEqual(env.codes(), ["metric_invalid_timestamp"]);
      assert.match(env.diagnostics[0].message, /0099-12-31T23:59:59 is outside 1970-2540/);
      t.end();
    });
  });

  it("name a Date outside the range by its ISO-8601 form", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("date");
      t.logMetric("m", 1, { timestamp: new Date(Date.UTC(1969, 6, 20, 20, 17)) });
      assert.deepEqual(env.codes(), ["metric_invalid_timestamp"]);
      assert.match(env.diagnostics[0].message, /1969-07-20T20:17:00\.000Z is outside 1970-2540/);
      t.end();
    });
  });
});
