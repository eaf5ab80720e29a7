// Span durations in the analysis are measured between the times at the precision a spans line
// writes them: microseconds (`2026-01-02T03:04:05.123456+00:00`). They were measured between times
// cut to milliseconds, so a 0.9 ms span ending just past a millisecond boundary counted 1 ms, a
// 1.8 ms one 2 ms, and a 0.9 ms one ending just before a boundary 0 ms. Durations are then whole
// milliseconds, truncated, as event durations are.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyzeTraceFiles } from "../../src/analyze/mod.ts";
import { spanTimeMicros } from "../../src/analyze/_span_time.ts";

function span(name: string, start: string, end: string) {
  return JSON.stringify({
    trace_id: `t-${name}`,
    span_id: `s-${name}`,
    parent_id: null,
    name,
    status: "OK",
    start_time: start,
    end_time: end,
    attributes: {},
    events: [],
  });
}

const analyze = (lines: string[]) =>
  analyzeTraceFiles([{ name: "spans.jsonl", text: lines.join("\n") }], { traceDir: "d" });

describe("span durations", () => {
  it("are measured at microsecond precision, then truncated to whole milliseconds", () => {
    const at = (fraction: string) => `2025-01-01T00:00:00.${fraction}+00:00`;
    const report = analyze([
      span("a", at("000200"), at("001100")), // 0.9 ms across a boundary: 0
      span("b", at("005950"), at("006850")), // 0.9 ms: 0
      span("c", at("020900"), at("022700")), // 1.8 ms: 1
      span("d", at("040990"), at("041010")), // 0.02 ms: 0
      span("e", at("050001"), at("051999")), // 1.998 ms: 1
    ]);
    assert.deepEqual(report.spans.duration_ms, [
      { name: "span", count: 5, min: 0, p50: 0, p95: 1, max: 1 },
    ]);
  });

  it("keep the microseconds of a span that crosses a second, and of other offsets", () => {
    const report = analyze([
      span("a", "2025-01-01T00:00:00.999999+00:00", "2025-01-01T00:00:01.000998+00:00"), // 0.999
      span("b", "2025-01-01T02:00:00.500000+02:00", "2025-01-01T00:00:00.502500Z"), // 2.5 ms
      span("c", "2025-01-01T00:00:00.0005+00:00", "2025-01-01T00:00:00.0015+00:00"), // 1 ms
    ]);
    assert.deepEqual(report.spans.duration_ms, [
      { name: "span", count: 3, min: 0, p50: 1, p95: 2, max: 2 },
    ]);
  });
});

describe("span times", () => {
  it("are read in epoch microseconds in Python's isoformat() form", () => {
    const ms = Date.UTC(2026, 0, 2, 3, 4, 5);
    assert.equal(spanTimeMicros("2026-01-02T03:04:05.123456+00:00"), ms * 1000 + 123_456);
    assert.equal(spanTimeMicros("2026-01-02 03:04:05.123456Z"), ms * 1000 + 123_456);
    assert.equal(spanTimeMicros("2026-01-02T03:04:05+00:00"), ms * 1000);
    assert.equal(spanTimeMicros("2026-01-02T05:34:05.5+02:30"), ms * 1000 + 500_000);
    assert.equal(spanTimeMicros("2026-01-02T00:04:05.000001-03:00"), ms * 1000 + 1);
    assert.equal(spanTimeMicros("2026-01-02T03:04:05.1234569+00:00"), ms * 1000 + 123_456);
  });

  it("are read as Date.parse reads other forms, with the fraction kept", () => {
    assert.equal(
      spanTimeMicros("2026-01-02T03:04:05.123456"), // no offset: local time, as Date.parse
      Date.parse("2026-01-02T03:04:05") * 1000 + 123_456,
    );
    assert.equal(
      spanTimeMicros("0050-01-01T00:00:00.000001+00:00"),
      Date.parse("0050-01-01T00:00:00+00:00") * 1000 + 1,
    );
    // A dot that is no fraction of seconds is Date.parse's to read.
    for (const legacy of ["2026.01.02", "12.5.2026"]) {
      const parsed = Date.parse(legacy);
      if (Number.isNaN(parsed)) assert.ok(Number.isNaN(spanTimeMicros(legacy)), legacy);
      else assert.equal(spanTimeMicros(legacy), parsed * 1000, legacy);
    }
    for (const bad of [undefined, null, "", "x", "2026-13-01T00:00:00Z", "2026-01-02T03:04:05.Z"]) {
      assert.ok(Number.isNaN(spanTimeMicros(bad)), String(bad));
    }
  });
});
