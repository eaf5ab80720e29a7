import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isoFromNs } from "../../src/clock.ts";
import { JsonlSpanExporter, spanLogPath } from "../../src/exporter/jsonl.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { makeSpanRecord } from "../_support/span_records.ts";

// Expected bytes below were produced by CPython 3.11 with dreadnode's own expressions:
// `json.dumps(span_to_flat_dict(span), default=str)` and
// `datetime.fromtimestamp(ns / 1e9, tz=UTC).isoformat()`.

describe("JSONL span lines (dreadnode's bytes)", () => {
  it("writes a span line byte for byte as dreadnode's json.dumps(span_to_flat_dict(span))", async () => {
    const storage = new MemoryStorage();
    const span = makeSpanRecord({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      parentSpanId: "53995c3f42cd8ad8",
      name: "héllo ✓ 🎉",
      kind: "CLIENT",
      status: { code: "ERROR", message: "boom" },
      startTime: 1767323045123456789,
      endTime: 1767323045999999700,
      attributes: {
        "dreadnode.run.id": "r1",
        lr: 1e-7,
        small: 5e-5,
        ratio: 0.1,
        tiny: -2.5e-10,
        count: 42,
        flag: true,
        text: 'say "hi"\n\u007f ü',
        tags: ["a", "é"],
        floats: [0.5, 1e-7],
        "dreadnode.inputs": '[{"name":"x"}]',
      },
      events: [
        {
          name: "ev",
          time: 1767323045007812480,
          attributes: { k: "ü" },
          droppedAttributesCount: 0,
        },
      ],
      resource: { attributes: { "service.name": "svc", "telemetry.sdk.name": "tracelet" } },
    });
    const report = await new JsonlSpanExporter({ storage }).export([span]);
    assert.equal(report.exported, 1);
    const [line] = await storage.readLines(["projects", "default", "r1", "spans.jsonl"]);
    assert.equal(
      line,
      String
        .raw`{"trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "parent_id": "53995c3f42cd8ad8", "name": "h\u00e9llo \u2713 \ud83c\udf89", "kind": "CLIENT", "status": "ERROR", "start_time": "2026-01-02T03:04:05.123457+00:00", "end_time": "2026-01-02T03:04:06+00:00", "attributes": {"dreadnode.run.id": "r1", "lr": 1e-07, "small": 5e-05, "ratio": 0.1, "tiny": -2.5e-10, "count": 42, "flag": true, "text": "say \"hi\"\n\u007f \u00fc", "tags": ["a", "\u00e9"], "floats": [0.5, 1e-07], "dreadnode.inputs": "[{\"name\":\"x\"}]"}, "events": [{"name": "ev", "timestamp": "2026-01-02T03:04:05.007812+00:00", "attributes": {"k": "\u00fc"}}], "resource": {"service.name": "svc", "telemetry.sdk.name": "tracelet"}}`,
    );
  });

  it("rounds times to the microsecond as Python's datetime.fromtimestamp does", () => {
    const python: [number, string][] = [
      [1767323045123456789, "2026-01-02T03:04:05.123457+00:00"], // rounds up, not down
      [1767323045999999700, "2026-01-02T03:04:06+00:00"], // carries into the next second
      [1767323045000000400, "2026-01-02T03:04:05+00:00"],
      [1767323045007812480, "2026-01-02T03:04:05.007812+00:00"], // a tie: to the even side
      [1767323045023437441, "2026-01-02T03:04:05.023438+00:00"], // a tie: to the even side
      [1767323045039062400, "2026-01-02T03:04:05.039062+00:00"], // a tie: to the even side
      [Date.UTC(2026, 0, 2, 3, 4, 5, 123) * 1e6 + 456_000, "2026-01-02T03:04:05.123456+00:00"],
      [0, "1970-01-01T00:00:00+00:00"],
    ];
    for (const [ns, expected] of python) assert.equal(isoFromNs(ns), expected, String(ns));
    assert.throws(() => isoFromNs(NaN), RangeError);
    assert.throws(() => isoFromNs(1e30), RangeError);
  });

  it("routes to the agent session when dreadnode.session.id is empty or not a string (Python `or`)", () => {
    for (const sessionId of ["", 42, false]) {
      const span = makeSpanRecord({
        attributes: {
          "dreadnode.session.id": sessionId,
          "dreadnode.agent.session_id": "s-1",
          "dreadnode.run.id": "r1",
        },
      });
      assert.deepEqual(spanLogPath(span, "default"), ["sessions", "s-1", "chat_s-1.jsonl"]);
    }
    const runOnly = makeSpanRecord({
      attributes: {
        "dreadnode.session.id": "",
        "dreadnode.agent.session_id": "",
        "dreadnode.run.id": "r1",
      },
    });
    assert.deepEqual(spanLogPath(runOnly, "default"), ["projects", "default", "r1", "spans.jsonl"]);
  });
});
