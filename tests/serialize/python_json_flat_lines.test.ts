// A JSONL line written by `pythonJsonDumps` (an event's line, an artifact's record) is held at
// about its length. It was built with `+=`, which V8 and JavaScriptCore keep as a tree of its
// pieces (a rope) until something copies it: the 407-character event line below took 2.9 KB on
// Node and Deno and 2.6 KB on Bun; it takes about 430 bytes now. The first test fails on the old
// code; the second (lines waiting in an event log) fails on it on Bun, and passes on Node and Deno
// only because the log flattened each line itself (`void Number(line)`), a copy no longer needed.
// The checks run where a garbage collection can be forced (Deno, Node, Bun; not workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonlEventSink } from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { pythonJsonDumps } from "../../src/serialize/python_json.ts";
import { forcedGc, heldBytesEach } from "../_support/forced_gc.ts";
import { stalledStorage } from "../_support/slow_storage.ts";

const gc = forcedGc();
const noGc = gc === undefined ? "no garbage collection can be forced here" : false;

/** Lines held in each measurement. */
const LINES = 20_000;

/** A model call's finishing event, as a session writes it. */
const EVENT = {
  event_type: "ModelCallFinished",
  run_id: "run_0123456789abcdef",
  span_id: "0123456789abcdef",
  parent_span_id: "fedcba9876543210",
  timestamp: "2026-12-05T12:00:00.123456+00:00",
  timestamp_ms: 1796472000123,
  duration_ms: 812,
  attributes: {
    model: "gpt-4o-mini",
    input_tokens: 1234,
    output_tokens: 56,
    latency_ms: 812.5,
    finish_reason: "stop",
    cost_usd: 0.00012,
  },
  event_index: 42,
};

/** The heap bytes each of `LINES` lines holds while `hold` keeps them. */
function bytesPerLine(hold: () => unknown): number {
  return heldBytesEach(gc!, LINES, hold);
}

describe("JSONL lines are held at about their length", { skip: noGc }, () => {
  const length = pythonJsonDumps(EVENT).length;

  it("holds a line of pythonJsonDumps in one piece", () => {
    const lines = new Array<string>(LINES);
    const perLine = bytesPerLine(() => {
      for (let i = 0; i < LINES; i++) lines[i] = pythonJsonDumps(EVENT);
      return lines;
    });
    assert.ok(perLine < 2 * length, `${perLine.toFixed(0)} bytes for a line of ${length}`);
  });

  it("holds the lines an event log has waiting at about their length", async () => {
    const { storage, release } = stalledStorage();
    const sink = new JsonlEventSink(storage, ["events.jsonl"], { maxPending: 2 * LINES });
    const event = EVENT as unknown as TraceEvent;
    const perLine = bytesPerLine(() => {
      for (let i = 0; i < LINES; i++) sink.emit(event);
      return sink;
    });
    assert.equal(sink.dropped, 0);
    release();
    await sink.flush();
    assert.equal((await storage.readLines(sink.path)).length, LINES);
    assert.ok(perLine < 2 * length, `${perLine.toFixed(0)} bytes for a line of ${length}`);
  });
});
