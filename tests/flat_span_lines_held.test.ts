// A span's JSONL line (`spans.jsonl`, the WebSocket exporter's message) is held at about its
// length. It was built with `+=` and template strings, which V8 and JavaScriptCore keep as a tree
// of its pieces (a rope) until something copies it: the 722-character line of the span below took
// 3.3 KB on Node and Deno and 2.5 KB on Bun, so lines waiting on a slow storage took up to 4.6
// times what they seemed to, and the WebSocket exporter's queue, bounded by its lines' length
// (`maxQueuedBytes`), up to 4.6 times its bound. It takes 750 to 810 bytes now. Each test fails
// on the old code on Node, Deno and Bun. The checks run where a garbage collection can be forced
// (Deno, Node, Bun; not workerd).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { flatSpanLine } from "../src/exporter/flat_span.ts";
import { JsonlSpanExporter } from "../src/exporter/jsonl.ts";
import { WebSocketSpanExporter } from "../src/exporter/websocket.ts";
import type { FlushReport } from "../src/types.ts";
import { forcedGc, heldBytesEach } from "./_support/forced_gc.ts";
import { stalledStorage } from "./_support/slow_storage.ts";
import { makeSpanRecord } from "./_support/span_records.ts";

const gc = forcedGc();
const noGc = gc === undefined ? "no garbage collection can be forced here" : false;

/** Lines held in each measurement. */
const LINES = 10_000;

/** Spans in each export. */
const BATCH = 100;

/** A model call's span, as a session writes it: 6 attributes, 1 event, a parent. */
const SPAN = makeSpanRecord({
  name: "chat gpt-4o-mini",
  parentSpanId: "fedcba9876543210",
  kind: "CLIENT",
  status: { code: "OK" },
  attributes: {
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 1234,
    "gen_ai.usage.output_tokens": 56,
    "http.response.status_code": 200,
    "dreadnode.run_id": "run_0123456789abcdef",
  },
  events: [{
    name: "gen_ai.choice",
    time: 1_767_225_600_923_456_768,
    attributes: { finish_reason: "stop", index: 0 },
    droppedAttributesCount: 0,
  }],
});

/** One export's spans (the same record each time: each still gets a line of its own). */
const SPANS = new Array(BATCH).fill(SPAN);

/** The heap bytes each of `LINES` lines holds while `hold` keeps them. */
function bytesPerLine(hold: () => unknown): number {
  return heldBytesEach(gc!, LINES, hold);
}

/** A client socket that never opens, so the exporter's messages wait in its queue. */
class ConnectingSocket {
  readyState = 0;
  bufferedAmount = 0;
  addEventListener() {}
  send() {}
  close() {}
}

describe("span JSONL lines are held at about their length", { skip: noGc }, () => {
  const length = flatSpanLine(SPAN).length;

  it("holds a line of flatSpanLine in one piece", () => {
    const lines = new Array<string>(LINES);
    const perLine = bytesPerLine(() => {
      for (let i = 0; i < LINES; i++) lines[i] = flatSpanLine(SPAN);
      return lines;
    });
    lines.fill(""); // not held into the next measurement (Bun's collector scans the stack)
    assert.ok(perLine < 1.5 * length, `${perLine.toFixed(0)} bytes for a line of ${length}`);
  });

  it("holds the WebSocket exporter's queue at about the bytes it counts", async () => {
    const exporter = new WebSocketSpanExporter({
      runId: "r",
      webSocket: ConnectingSocket,
      connectTimeoutMillis: 60_000,
      maxQueuedMessages: LINES,
    });
    const exports: Promise<FlushReport>[] = [];
    const perLine = bytesPerLine(() => {
      for (let i = 0; i < LINES / BATCH; i++) exports.push(exporter.export(SPANS));
      return exports;
    });
    await exporter.shutdown({ deadline: Date.now() + 1000 });
    const reports = await Promise.all(exports);
    assert.equal(reports.reduce((n, report) => n + (report.dropped.shutdown ?? 0), 0), LINES);
    assert.ok(perLine < 1.5 * length, `${perLine.toFixed(0)} bytes for a line of ${length}`);
  });

  // Last: its storage keeps the lines once written.
  it("holds the lines the JSONL exporter has waiting on a slow storage at about their length", async () => {
    const { storage, release } = stalledStorage();
    const exporter = new JsonlSpanExporter({ storage });
    const exports: Promise<FlushReport>[] = [];
    const perLine = bytesPerLine(() => {
      for (let i = 0; i < LINES / BATCH; i++) exports.push(exporter.export(SPANS));
      return exports;
    });
    release();
    const reports = await Promise.all(exports);
    assert.equal(reports.reduce((n, report) => n + report.exported, 0), LINES);
    assert.ok(perLine < 1.5 * length, `${perLine.toFixed(0)} bytes for a line of ${length}`);
  });
});
