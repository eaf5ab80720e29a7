import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  isoFromNs,
  isValidSpanId,
  isValidTraceId,
  newSpanId,
  newTraceId,
  newUuid,
  nowNs,
} from "../mod.ts";
import { isTimeInRange, MAX_TIME_MS, toEpochNs } from "../src/clock.ts";

describe("ids", () => {
  it("generates lower-case hex W3C ids of the right length, unique across many draws", () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      assert.match(t, /^[0-9a-f]{32}$/);
      assert.match(s, /^[0-9a-f]{16}$/);
      traces.add(t);
      spans.add(s);
    }
    assert.equal(traces.size, 5000);
    assert.equal(spans.size, 5000);
  });

  it("validates ids strictly, rejecting all-zero, upper-case and wrong lengths", () => {
    assert.equal(isValidTraceId("0".repeat(32)), false);
    assert.equal(isValidSpanId("0".repeat(16)), false);
    assert.equal(isValidTraceId("A".repeat(32)), false);
    assert.equal(isValidTraceId("a".repeat(31)), false);
    assert.equal(isValidSpanId("0123456789abcdef"), true);
  });

  it("task ids are dashed v4 UUIDs", () => {
    assert.match(
      newUuid(),
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe("clock", () => {
  it("returns epoch nanoseconds close to Date.now() and never going backwards", () => {
    const before = Date.now();
    const ns = nowNs();
    const after = Date.now();
    assert.ok(
      ns / 1e6 >= before - 5 && ns / 1e6 <= after + 5,
      `${ns / 1e6} within [${before}, ${after}]`,
    );
    let last = nowNs();
    for (let i = 0; i < 1000; i++) {
      const t = nowNs();
      assert.ok(t >= last);
      last = t;
    }
  });

  it("formats times like Python's isoformat for UTC", () => {
    assert.equal(
      isoFromNs(Date.UTC(2026, 0, 2, 3, 4, 5, 123) * 1e6 + 456_000),
      "2026-01-02T03:04:05.123456+00:00",
    );
    assert.equal(isoFromNs(Date.UTC(2026, 0, 2, 3, 4, 5) * 1e6), "2026-01-02T03:04:05+00:00");
    assert.equal(
      isoFromNs(Date.UTC(2026, 0, 2, 3, 4, 5) * 1e6 + 1000),
      "2026-01-02T03:04:05.000001+00:00",
    );
  });

  it("formats each time on its own, whatever was formatted before (seconds are reused)", () => {
    // Random times in a few neighbouring seconds, in random order, and a fraction that rounds up
    // into the next second: each matches the Date-based form of its own second.
    const base = Date.UTC(2026, 0, 2, 3, 4, 5) * 1e6;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 2000; i++) {
      const ns = base + Math.floor(random() * 4) * 1e9 + Math.floor(random() * 1e9);
      const whole = Math.floor(ns / 1e9);
      const micros = Math.round((ns / 1e9 - whole) * 1e6);
      const second = new Date((micros === 1e6 ? whole + 1 : whole) * 1000).toISOString();
      assert.equal(isoFromNs(ns).slice(0, 19), second.slice(0, 19), String(ns));
    }
    assert.equal(isoFromNs(base + 999_999_700), "2026-01-02T03:04:06+00:00");
    assert.equal(isoFromNs(base + 999_999_000), "2026-01-02T03:04:05.999999+00:00");
  });

  it("never writes a malformed ISO time: years outside 1-9999 throw a RangeError", () => {
    assert.equal(isoFromNs(Date.UTC(9999, 11, 31, 23, 59, 59) * 1e6), "9999-12-31T23:59:59+00:00");
    assert.equal(isoFromNs(-62_135_596_800 * 1e9), "0001-01-01T00:00:00+00:00");
    const years = [Date.UTC(10000, 0, 1) * 1e6, Date.UTC(12000, 0, 1) * 1e6, -62_135_596_801 * 1e9];
    for (const ns of [...years, -1e23, NaN]) {
      assert.throws(() => isoFromNs(ns), RangeError);
    }
    // Every time tracelet accepts (1970-2540, else now) has a four-digit year.
    assert.ok(isTimeInRange(Date.UTC(2539, 11, 31)));
    for (const ms of [-1, MAX_TIME_MS, Date.UTC(12000, 0, 1), Date.now() * 1000, NaN, "1"]) {
      assert.equal(isTimeInRange(ms), false);
    }
    assert.match(isoFromNs((MAX_TIME_MS - 1) * 1e6), /^2540-/);
    assert.equal(toEpochNs(Date.UTC(12000, 0, 1)) < MAX_TIME_MS * 1e6, true);
  });
});
