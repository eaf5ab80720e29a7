// OpenTelemetry's attribute rules: "null values within arrays MUST be preserved as-is (i.e.,
// passed on to span processors / exporters as null)". An array such as `["stop", null]` (a model's
// stop reasons, an optional field per item) stayed an array in OpenTelemetry JS and became the JSON
// string `"[\"stop\",null]"` here, so a backend saw a string where the same code under
// OpenTelemetry sent an array. Nulls are kept now, OTLP carries them as empty values, and
// redaction reads every string item, not only a first one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RedactionPolicy, Tracer } from "../mod.ts";
import { toAttributeValue } from "../src/attributes.ts";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { encodeTracesProtobuf } from "../src/otlp/encode_protobuf.ts";
import { CollectingProcessor } from "./_support/collect.ts";
import { decodeTraceRequest } from "./_support/otlp_proto.ts";
import { isWorkerd } from "./_support/runtime.ts";

/** Any value of an OTLP attribute, decoded from the JSON encoding (protobuf via protobufjs). */
type Decoded = { key: string; value: Record<string, unknown> };

describe("null items in array attributes", () => {
  it("are kept as null, in a span's attributes and events; undefined items and holes too", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    // deno-lint-ignore no-sparse-arrays
    const holes = [1, , 3];
    const span = tracer.startSpan("s", {
      attributes: { stops: ["stop", null], scores: [0.5, undefined, 2], holes },
    });
    span.setAttribute("flags", [null, true]);
    span.setAttribute("none", [null, null]);
    span.addEvent("e", { tokens: [null, 7] });
    span.end();
    const rec = collector.byName("s");
    assert.deepEqual(rec.attributes.stops, ["stop", null]);
    assert.deepEqual(rec.attributes.scores, [0.5, null, 2]);
    assert.deepEqual(rec.attributes.holes, [1, null, 3]);
    assert.deepEqual(rec.attributes.flags, [null, true]);
    assert.deepEqual(rec.attributes.none, [null, null]);
    assert.deepEqual(rec.events[0].attributes.tokens, [null, 7]);
  });

  it("leave a mixed array JSON-encoded, and cut strings to the length limit around nulls", () => {
    assert.equal(toAttributeValue([1, null, "a"]), '[1,null,"a"]');
    assert.equal(toAttributeValue([null, Number.NaN]), '[null,"NaN"]');
    assert.deepEqual(toAttributeValue([null, "abcdef"], 3), [null, "abc"]);
  });

  it("are copied: a later change to the caller's array does not reach the span", () => {
    const given: (string | null)[] = ["a", null];
    const value = toAttributeValue(given);
    given[1] = "b";
    assert.deepEqual(value, ["a", null]);
  });

  it("go out as empty OTLP values, in JSON and protobuf", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    tracer.startSpan("s", { attributes: { stops: ["stop", null], n: [null, 4] } }).end();
    const spans = [collector.byName("s")];
    const json = JSON.parse(new TextDecoder().decode(encodeTracesJson(spans)));
    const docs = [json];
    if (!isWorkerd) docs.push(decodeTraceRequest(encodeTracesProtobuf(spans)));
    for (const doc of docs) {
      const attrs: Decoded[] = (doc.resourceSpans ?? doc.resource_spans)[0]
        .scopeSpans[0].spans[0].attributes;
      const byKey = new Map(attrs.map((a) => [a.key, a.value]));
      const stops = byKey.get("stops")!.arrayValue as { values: Record<string, unknown>[] };
      assert.equal(stops.values.length, 2);
      assert.equal(stops.values[0].stringValue, "stop");
      assert.deepEqual(Object.keys(stops.values[1]).filter((k) => stops.values[1][k] != null), []);
      const n = byKey.get("n")!.arrayValue as { values: Record<string, unknown>[] };
      assert.equal(n.values.length, 2);
      assert.equal(Number(n.values[1].intValue), 4);
    }
  });

  it("do not hide the string items after them from redaction", () => {
    const policy = new RedactionPolicy();
    const url = "https://api.example.com/v1?api_key=sk-live-1";
    const out = policy.redactAttributes({ urls: [null, url], other: [null, "plain"] });
    assert.deepEqual(out.urls, [null, "https://api.example.com/v1?api_key=***REDACTED***"]);
    assert.deepEqual(out.other, [null, "plain"]);
  });
});
