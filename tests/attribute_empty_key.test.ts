/**
 * An attribute with an empty key: OpenTelemetry says "The attribute key MUST be a non-null and
 * non-empty string", and OpenTelemetry JS drops it. tracelet exported it (an OTLP `KeyValue` with
 * key "") until 2026-12-06; now it is dropped wherever attributes are given, not counted against
 * the limits, and reported once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../mod.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { captureDiagnostics, CollectingProcessor } from "./_support/collect.ts";

function setup() {
  const collector = new CollectingProcessor();
  const tracer = new Tracer({ processors: [collector], limits: { attributeCountLimit: 2 } });
  return { tracer, collector };
}

describe("attributes with an empty key", () => {
  it("are dropped from spans, events and links, without using up the count limit", async () => {
    resetReportedOnce();
    const { tracer, collector } = setup();
    const { diagnostics } = await captureDiagnostics(() => {
      const other = tracer.startSpan("other");
      const span = tracer.startSpan("s", { attributes: { "": "start", a: 1 } });
      span.setAttribute("", "set");
      span.setAttributes({ "": "merged", b: 2 });
      span.addEvent("e", { "": "event", c: 3 });
      span.addLink({ context: other.spanContext(), attributes: { "": "link", d: 4 } });
      span.end();
      other.end();
    });
    const rec = collector.byName("s");
    assert.deepEqual({ ...rec.attributes }, { a: 1, b: 2 });
    assert.equal(rec.droppedAttributesCount, 0);
    assert.deepEqual({ ...rec.events[0].attributes }, { c: 3 });
    assert.deepEqual({ ...rec.links[0].attributes }, { d: 4 });
    const reports = diagnostics.filter((d) => d.code === "invalid_attribute_key");
    assert.equal(reports.length, 1, "reported once, not per attribute");
    assert.equal(reports[0].level, "warn");
  });

  it("leave the other attributes of a plain object in their given order", () => {
    const { tracer, collector } = setup();
    tracer.startSpan("ordered", { attributes: { x: "1", "": "gone", y: "2" } }).end();
    assert.deepEqual(Object.keys(collector.byName("ordered").attributes), ["x", "y"]);
  });
});
