// OTLP/JSON encoding per the OTLP specification's JSON rules (checked with JSON.parse, so these
// run on every runtime including workerd).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeTracesJson, JSON_CONTENT_TYPE } from "../../src/otlp/encode_json.ts";
import type { SpanKind } from "../../src/types.ts";
import { makeSpanRecord } from "../_support/span_records.ts";

// deno-lint-ignore no-explicit-any
function parse(bytes: Uint8Array): any {
  return JSON.parse(new TextDecoder().decode(bytes));
}

// deno-lint-ignore no-explicit-any
function onlySpan(bytes: Uint8Array): any {
  return parse(bytes).resourceSpans[0].scopeSpans[0].spans[0];
}

describe("OTLP JSON encoder", () => {
  it("writes ids as lower-case hex and times as exact decimal strings", () => {
    const record = makeSpanRecord({
      parentSpanId: "b7ad6b7169203331",
      startTime: 1_767_225_600_123_456_768,
      endTime: 18_446_744_073_709_549_568,
      events: [{
        name: "e",
        time: 1_767_225_600_000_000_256,
        attributes: {},
        droppedAttributesCount: 0,
      }],
    });
    const span = onlySpan(encodeTracesJson([record]));
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.equal(span.traceId, record.traceId);
    assert.equal(span.spanId, record.spanId);
    assert.equal(span.parentSpanId, "b7ad6b7169203331");
    assert.equal(span.startTimeUnixNano, BigInt(record.startTime).toString());
    assert.equal(span.startTimeUnixNano, "1767225600123456768");
    assert.equal(span.endTimeUnixNano, "18446744073709549568");
    assert.equal(span.events[0].timeUnixNano, "1767225600000000256");
  });

  it("writes every attribute type; int64 as decimal strings, non-finite doubles as strings", () => {
    const span = onlySpan(encodeTracesJson([makeSpanRecord({
      attributes: {
        s: "x",
        b: false,
        i: 7,
        big: 2 ** 60,
        neg: -(2 ** 63),
        d: 1.5,
        nan: NaN,
        inf: Infinity,
        ninf: -Infinity,
        arr: ["a", "b"],
        mixed: [1, 2.5],
        empty: [],
        skipped: null as unknown as string,
      },
    })]));
    const byKey = Object.fromEntries(
      span.attributes.map((a: { key: string; value: unknown }) => [a.key, a.value]),
    );
    assert.deepEqual(byKey, {
      s: { stringValue: "x" },
      b: { boolValue: false },
      i: { intValue: "7" },
      big: { intValue: "1152921504606846976" },
      neg: { intValue: "-9223372036854775808" },
      d: { doubleValue: 1.5 },
      nan: { doubleValue: "NaN" },
      inf: { doubleValue: "Infinity" },
      ninf: { doubleValue: "-Infinity" },
      arr: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "b" }] } },
      mixed: { arrayValue: { values: [{ intValue: "1" }, { doubleValue: 2.5 }] } },
      empty: { arrayValue: {} },
    });
  });

  it("writes enums as integers: kinds 1…5 and status codes", () => {
    const kinds: SpanKind[] = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
    const spans = parse(encodeTracesJson(kinds.map((kind) => makeSpanRecord({ kind }))))
      .resourceSpans[0].scopeSpans[0].spans;
    assert.deepEqual(spans.map((s: { kind: number }) => s.kind), [1, 2, 3, 4, 5]);
    assert.deepEqual(
      onlySpan(encodeTracesJson([makeSpanRecord({ status: { code: "OK" } })])).status,
      { code: 1 },
    );
    assert.deepEqual(
      onlySpan(encodeTracesJson([makeSpanRecord({ status: { code: "ERROR", message: "boom" } })]))
        .status,
      { message: "boom", code: 2 },
    );
  });

  it("omits empty and default fields", () => {
    const span = onlySpan(encodeTracesJson([makeSpanRecord({ name: "", traceFlags: 0 })]));
    assert.deepEqual(Object.keys(span).sort(), [
      "endTimeUnixNano",
      "kind",
      "spanId",
      "startTimeUnixNano",
      "traceId",
    ]);
    const event = onlySpan(encodeTracesJson([makeSpanRecord({
      events: [{ name: "e", time: 5, attributes: {}, droppedAttributesCount: 0 }],
      links: [{
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "00f067aa0ba902b7",
        attributes: {},
        droppedAttributesCount: 0,
      }],
    })]));
    assert.deepEqual(event.events, [{ timeUnixNano: "5", name: "e" }]);
    assert.deepEqual(event.links, [{
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "00f067aa0ba902b7",
    }]);
  });

  it("writes flags, trace state, dropped counts, events and links", () => {
    const span = onlySpan(encodeTracesJson([makeSpanRecord({
      traceFlags: 1,
      traceState: "congo=t61rcWkgMzE",
      droppedAttributesCount: 1,
      droppedEventsCount: 2,
      droppedLinksCount: 3,
      events: [{
        name: "exception",
        time: 10,
        attributes: { "exception.message": "x" },
        droppedAttributesCount: 4,
      }],
      links: [{
        traceId: "0af7651916cd43dd8448eb211c80319c",
        spanId: "00f067aa0ba902b7",
        traceState: "a=b",
        attributes: { k: true },
        droppedAttributesCount: 5,
      }],
    })]));
    assert.equal(span.flags, 1);
    assert.equal(span.traceState, "congo=t61rcWkgMzE");
    assert.equal(span.droppedAttributesCount, 1);
    assert.equal(span.droppedEventsCount, 2);
    assert.equal(span.droppedLinksCount, 3);
    assert.deepEqual(span.events[0], {
      timeUnixNano: "10",
      name: "exception",
      attributes: [{ key: "exception.message", value: { stringValue: "x" } }],
      droppedAttributesCount: 4,
    });
    assert.deepEqual(span.links[0], {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "00f067aa0ba902b7",
      traceState: "a=b",
      attributes: [{ key: "k", value: { boolValue: true } }],
      droppedAttributesCount: 5,
    });
  });

  it("round-trips non-ASCII, emoji and characters JSON must escape", () => {
    const text = 'naïve 😀 "quoted" \\ back\nline\u0001 世界';
    const span = onlySpan(
      encodeTracesJson([makeSpanRecord({ name: text, attributes: { [text]: text } })]),
    );
    assert.equal(span.name, text);
    assert.deepEqual(span.attributes, [{ key: text, value: { stringValue: text } }]);
  });

  it("keeps lone surrogates, U+2028/U+2029 and control characters in valid UTF-8 JSON", () => {
    const texts = [
      "lone \ud800 high",
      "lone \udc00 low",
      "sep \u2028\u2029",
      "ctl \u0000\u001f\u007f",
    ];
    for (const text of texts) {
      const bytes = encodeTracesJson([makeSpanRecord({ name: text, attributes: { k: text } })]);
      // A fatal decoder rejects any malformed UTF-8 (a raw lone surrogate cannot be encoded).
      const span = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes))
        .resourceSpans[0].scopeSpans[0].spans[0];
      assert.equal(span.name, text);
      assert.deepEqual(span.attributes, [{ key: "k", value: { stringValue: text } }]);
    }
  });

  it("groups by resource and scope and includes resource attributes and scope version", () => {
    const other = { attributes: { "service.name": "svc-b", "deployment.environment": "prod" } };
    const doc = parse(encodeTracesJson([
      makeSpanRecord({ name: "a" }),
      makeSpanRecord({ name: "b", resource: other, scope: { name: "lib" } }),
    ]));
    assert.equal(doc.resourceSpans.length, 2);
    assert.deepEqual(doc.resourceSpans[0].scopeSpans[0].scope, {
      name: "tracelet-test",
      version: "1.2.3",
    });
    assert.deepEqual(doc.resourceSpans[1].resource, {
      attributes: [
        { key: "service.name", value: { stringValue: "svc-b" } },
        { key: "deployment.environment", value: { stringValue: "prod" } },
      ],
    });
    assert.deepEqual(doc.resourceSpans[1].scopeSpans[0].scope, { name: "lib" });
    assert.equal(doc.resourceSpans[1].scopeSpans[0].spans[0].name, "b");
  });

  it("encodes an empty batch and names its content type", () => {
    assert.equal(new TextDecoder().decode(encodeTracesJson([])), '{"resourceSpans":[]}');
    assert.equal(JSON_CONTENT_TYPE, "application/json");
  });
});
