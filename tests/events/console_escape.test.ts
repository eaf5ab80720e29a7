// The console sink prints recorded data (tool names and inputs, model output, unknown event types
// and attribute keys): none of it may drive the terminal or forge a line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ConsoleEventSink, formatEvent, lineStream } from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { formatSpanLine } from "../../src/exporter/console.ts";
import { printable } from "../../src/printable.ts";
import type { SpanRecord } from "../../src/types.ts";

const ESC = "\x1b";
const BEL = "\x07";
// C0/C1 controls, DEL, line/paragraph separators and the bidi embeddings, overrides and isolates.
// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function event(event_type: string, attributes: TraceEvent["attributes"]): TraceEvent {
  return {
    event_type,
    run_id: "r",
    span_id: "abc",
    parent_span_id: null,
    timestamp: "2026-01-01T00:00:00+00:00",
    timestamp_ms: 0,
    duration_ms: null,
    attributes,
    event_index: 0,
  };
}

function printed(events: TraceEvent[]): string[] {
  const lines: string[] = [];
  const sink = new ConsoleEventSink(lineStream((line) => lines.push(line)));
  for (const e of events) sink.emit(e);
  sink.close();
  return lines;
}

describe("console sink escaping", () => {
  it("escapes terminal escapes, hyperlinks and bidi overrides in tool names and inputs", () => {
    const [line] = printed([event("ToolCallStarted", {
      tool_name: `search${ESC}[2J${ESC}[H`,
      tool_input: `q${ESC}]8;;https://evil.example${BEL}click${ESC}]8;;${BEL} \u202Egnp.exe`,
    })]);
    assert.ok(!UNSAFE.test(line), JSON.stringify(line));
    assert.equal(
      line,
      "[tool] start tool=search\\u001b[2J\\u001b[H input=q\\u001b]8;;https://evil.example" +
        "\\u0007click\\u001b]8;;\\u0007 \\u202egnp.exe",
    );
  });

  it("escapes unknown event types, attribute keys and values", () => {
    const line = formatEvent(
      event(`Odd${ESC}[31m\u2066`, { [`k\u2028${ESC}]0;title${BEL}`]: { v: `\u2029${ESC}c` } }),
    );
    assert.ok(!UNSAFE.test(line), JSON.stringify(line));
    assert.match(line, /^\[event\] Odd\\u001b\[31m\\u2066 span=abc k\\u2028\\u001b\]0;title/);
  });

  it("keeps streamed token deltas on their one [model] line: no forged line, no escapes", () => {
    const lines = printed([
      event("ModelCallToken", { delta_text: "hello\n[run] finished success=true" }),
      event("ModelCallToken", { delta_text: `${ESC}[1A\r${ESC}` }),
      event("ModelCallToken", { delta_text: "]8;;x\u202e" }),
      event("ModelCallFinished", { model: "m" }),
    ]);
    assert.deepEqual(lines, [
      "[model] hello\\n[run] finished success=true\\u001b[1A\\r\\u001b]8;;x\\u202e",
      "[model] finished model=m",
    ]);
  });

  it("shares one printable() with the span console exporter", () => {
    assert.equal(
      printable(`a${ESC}b\u202a\u2069\u0085\n`),
      "a\\u001bb\\u202a\\u2069\\u0085\\u000a",
    );
    const span = {
      name: `n\u202e${ESC}[2J`,
      traceId: "0".repeat(32),
      spanId: "0".repeat(16),
      startTime: 0,
      endTime: 1e6,
      status: { code: "OK" },
      attributes: { "k\u2067": "v" },
      events: [],
    } as unknown as SpanRecord;
    const line = formatSpanLine(span);
    assert.ok(!UNSAFE.test(line), JSON.stringify(line));
    assert.match(line, /n\\u202e\\u001b\[2J .* k\\u2067="v"$/);
  });
});
