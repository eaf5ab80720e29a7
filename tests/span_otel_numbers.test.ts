// OpenTelemetry's numeric enums, as code ported from OpenTelemetry passes them: a span kind
// (`SpanKind.CLIENT` is 2) is recorded by name, not silently as INTERNAL, and any other kind is
// reported once (`invalid_span_options`); `setStatus` takes the numeric status codes (0 UNSET,
// 1 OK, 2 ERROR) and records the names.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../mod.ts";
import type { SpanKind } from "../mod.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { captureDiagnostics, CollectingProcessor } from "./_support/collect.ts";

function setup() {
  const collector = new CollectingProcessor();
  return { collector, tracer: new Tracer({ processors: [collector] }) };
}

/** A kind as OpenTelemetry's `SpanKind` enum gives it (a number), or any other value. */
function kind(value: unknown): SpanKind {
  return value as SpanKind;
}

const OTEL_KINDS = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

describe("span kinds as OpenTelemetry numbers", () => {
  it("record SpanKind.INTERNAL (0) … SpanKind.CONSUMER (4) by name, without a diagnostic", async () => {
    const { tracer, collector } = setup();
    resetReportedOnce();
    const { diagnostics } = await captureDiagnostics(() => {
      for (let code = 0; code < OTEL_KINDS.length; code++) {
        tracer.startSpan(`k${code}`, { kind: kind(code) }).end();
      }
      tracer.withSpan("callback", { kind: kind(1) }, () => {});
    });
    assert.deepEqual(collector.ended.map((s) => s.kind), [...OTEL_KINDS, "SERVER"]);
    assert.deepEqual(diagnostics, []);
    // And OTLP gets the kind's own enum value (OTLP counts from 1: CLIENT is 3).
    const otlp = JSON.parse(new TextDecoder().decode(encodeTracesJson(collector.ended)));
    const kinds = otlp.resourceSpans[0].scopeSpans[0].spans.map((s: { kind: number }) => s.kind);
    assert.deepEqual(kinds, [1, 2, 3, 4, 5, 2]);
  });

  it("still take the names, and no kind (undefined or null) means INTERNAL quietly", async () => {
    const { tracer, collector } = setup();
    resetReportedOnce();
    const { diagnostics } = await captureDiagnostics(() => {
      for (const name of OTEL_KINDS) tracer.startSpan(name, { kind: kind(name) }).end();
      tracer.startSpan("none").end();
      tracer.startSpan("undefined", { kind: undefined }).end();
      tracer.startSpan("null", { kind: kind(null) }).end();
    });
    assert.deepEqual(collector.ended.map((s) => s.kind), [
      ...OTEL_KINDS,
      "INTERNAL",
      "INTERNAL",
      "INTERNAL",
    ]);
    assert.deepEqual(diagnostics, []);
  });

  it("report any other kind once (invalid_span_options) and record INTERNAL", async () => {
    const { tracer, collector } = setup();
    resetReportedOnce();
    const bad = [5, -1, 1.5, NaN, "client", "length", "", 2n, {}, [2]];
    const { diagnostics } = await captureDiagnostics(() => {
      for (const value of bad) {
        const span = tracer.startSpan("bad", { kind: kind(value), attributes: { kept: true } });
        span.setAttribute("after", 1).end();
      }
    });
    assert.equal(collector.ended.length, bad.length);
    for (const span of collector.ended) {
      assert.equal(span.kind, "INTERNAL");
      assert.equal(span.attributes.kept, true, "the other options are kept");
      assert.equal(span.attributes.after, 1);
    }
    const reported = diagnostics.filter((d) => d.code === "invalid_span_options");
    assert.equal(diagnostics.length, 1, "nothing else is reported");
    assert.equal(reported.length, 1, "once, not once per span");
    assert.equal(reported[0].level, "warn");
    assert.match(reported[0].message, /kind/);
    assert.equal(reported[0].cause, 5, "the ignored value is the cause");
  });
});

describe("setStatus with OpenTelemetry's numeric status codes", () => {
  it("records ERROR (2) with its message and OK (1) by name; UNSET (0) changes nothing", () => {
    const { tracer, collector } = setup();
    tracer.startSpan("error").setStatus({ code: 2, message: "boom" }).end();
    tracer.startSpan("ok").setStatus({ code: 1 }).end();
    tracer.startSpan("unset").setStatus({ code: 0 }).end();
    tracer.startSpan("error then unset").setStatus({ code: 2 }).setStatus({ code: 0 }).end();
    tracer.startSpan("ok is final").setStatus({ code: 1 }).setStatus({ code: 2 }).end();
    tracer.startSpan("no message").setStatus({ code: "ERROR", message: undefined }).end();
    assert.deepEqual(collector.ended.map((s) => [s.name, s.status.code, s.status.message]), [
      ["error", "ERROR", "boom"],
      ["ok", "OK", undefined],
      ["unset", "UNSET", undefined],
      ["error then unset", "ERROR", undefined],
      ["ok is final", "OK", undefined],
      ["no message", "ERROR", undefined],
    ]);
  });
});
