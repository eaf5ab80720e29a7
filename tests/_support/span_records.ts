/**
 * A factory of plain {@linkcode SpanRecord} objects for exporter and encoder tests, so they do not
 * depend on the tracer's `Span` class.
 *
 * @module
 */
import type { InstrumentationScope, Resource, SpanRecord } from "../../src/types.ts";

/** The resource shared by default by every record from {@linkcode makeSpanRecord}. */
export const TEST_RESOURCE: Resource = Object.freeze({
  attributes: Object.freeze({ "service.name": "test-service", "telemetry.sdk.name": "tracelet" }),
});

/** The scope shared by default by every record from {@linkcode makeSpanRecord}. */
export const TEST_SCOPE: InstrumentationScope = Object.freeze({
  name: "tracelet-test",
  version: "1.2.3",
});

let counter = 0;

/**
 * Hex id of `bytes` bytes derived from a counter (unique within the test process, never zero).
 *
 * @param bytes 16 for a trace id, 8 for a span id.
 * @returns Lower-case hex.
 */
export function testId(bytes: 8 | 16): string {
  counter++;
  const tail = counter.toString(16).padStart(8, "0");
  return (bytes === 16 ? "4bf92f3577b34da6a3ce929d" : "00f067aa") + tail;
}

/**
 * A finished span record with sensible defaults; `overrides` replace any field.
 *
 * @param overrides Fields to set.
 * @returns A plain record.
 */
export function makeSpanRecord(overrides: Partial<SpanRecord> = {}): SpanRecord {
  const start = 1_767_225_600_123_456_768; // 2026-01-01T00:00:00.123Z in ns (integer double)
  return {
    traceId: testId(16),
    spanId: testId(8),
    parentSpanId: undefined,
    traceFlags: 1,
    traceState: undefined,
    name: "operation",
    kind: "INTERNAL",
    startTime: start,
    endTime: start + 1_500_000_000,
    attributes: {},
    events: [],
    links: [],
    status: { code: "UNSET" },
    resource: TEST_RESOURCE,
    scope: TEST_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...overrides,
  };
}

/**
 * `n` records of one trace with distinct span ids.
 *
 * @param n How many.
 * @param prefix Name prefix.
 * @returns The records.
 */
export function makeSpanBatch(n: number, prefix = "span"): SpanRecord[] {
  const traceId = testId(16);
  return Array.from({ length: n }, (_, i) => makeSpanRecord({ traceId, name: `${prefix}-${i}` }));
}
