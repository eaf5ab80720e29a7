// Tracing must never crash the program it traces: span methods never throw, whatever they are
// given, and no input they accept can make a batch unencodable (which would lose every span in it).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { encodeTracesJson, encodeTracesProtobuf, isValidTraceId, Tracer } from "../mod.ts";
import { reportOnce, resetReportedOnce } from "../src/diagnostics.ts";
import type { SpanContext, SpanRecord } from "../mod.ts";
import { hostile } from "./_support/hostile.ts";
import { makeSpanBatch } from "./_support/span_records.ts";
import { OtlpHttpExporter } from "../src/exporter/otlp_http.ts";
import { captureDiagnostics, CollectingProcessor } from "./_support/collect.ts";

/** The shared hostile values, plus an attribute record whose second getter throws. */
function hostileInputs() {
  return {
    ...hostile(),
    throwingGetter: {
      first: 1,
      get second(): number {
        throw new Error("getter");
      },
      third: 3,
    },
  };
}

function setup() {
  const collector = new CollectingProcessor();
  return { collector, tracer: new Tracer({ processors: [collector] }) };
}

function assertEncodable(spans: readonly SpanRecord[]): void {
  assert.ok(encodeTracesProtobuf(spans).length > 0);
  assert.ok(JSON.parse(new TextDecoder().decode(encodeTracesJson(spans))).resourceSpans);
}

describe("span methods given hostile input", () => {
  it("never throw, and the span still ends, reaches the processors and encodes", async () => {
    const h = hostileInputs();
    const { tracer, collector } = setup();
    resetReportedOnce(); // other test files may have used up the once-only diagnostics
    const { diagnostics } = await captureDiagnostics(() => {
      for (const bad of [h.revoked, h.noPrototype, h.throwingToString, h.throwingKeys]) {
        const span = tracer.startSpan(bad, bad);
        span.setAttribute("k", bad).setAttributes(bad).addEvent(bad, bad, bad);
        span.addLink(bad).addLink({ context: bad, attributes: bad }).setStatus(bad);
        span.setStatus({ code: "ERROR", message: bad }).recordException(bad);
        span.updateName(bad).setTags(bad).addTags(bad);
        span.end(bad);
      }
      tracer.startSpan("tags", { tags: [h.throwingToString, "ok"] as never, label: h.noPrototype })
        .end();
    });
    assert.equal(collector.ended.length, 5);
    for (const span of collector.ended) assert.ok(span.endTime >= span.startTime);
    assertEncodable(collector.ended);
    const codes = new Set(diagnostics.map((d) => d.code));
    for (const code of ["invalid_attributes", "invalid_link", "invalid_span_options"]) {
      assert.ok(codes.has(code), `reported ${code}`);
    }
  });

  it("record an unprintable exception as ERROR with a placeholder message", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("s");
    const cyclic = Object.create(null); // no JSON (a cycle) and no string form
    cyclic.self = cyclic;
    span.recordException(cyclic);
    span.end();
    const record = collector.byName("s");
    assert.deepEqual(record.status, { code: "ERROR", message: "<unprintable>" });
    assert.equal(record.events[0].attributes["exception.message"], "<unprintable>");
    assert.equal(record.events[0].attributes["exception.type"], "Object");
  });

  it("keep the attributes read before a throwing getter", async () => {
    const { tracer, collector } = setup();
    await captureDiagnostics(() => {
      tracer.startSpan("s", { attributes: hostileInputs().throwingGetter }).end();
    });
    assert.deepEqual({ ...collector.byName("s").attributes }, { first: 1 });
  });

  it("store only strings as type and known kinds, string keys, and ignore a string as a record", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("s", { type: 5 as never, kind: "SIDEWAYS" as never });
    span.setAttribute(Object.create(null), 1).setAttribute(7 as never, "seven");
    span.setAttributes("abc" as never);
    span.addEvent("e", "xyz" as never);
    span.end();
    const record = collector.byName("s");
    assert.equal(record.kind, "INTERNAL");
    assert.equal(record.attributes["dreadnode.type"], "span");
    assert.deepEqual({ ...record.attributes }, {
      "dreadnode.type": "span",
      "dreadnode.label": "",
      "<unprintable>": 1,
      "7": "seven",
      "dreadnode.tags": [],
    });
    assert.deepEqual(record.events[0].attributes, {});
    assert.equal(isValidTraceId(Object.create(null)), false);
    assertEncodable(collector.ended);
  });

  it("take a snapshot of array attributes", () => {
    const { tracer, collector } = setup();
    const list = ["a", "b"];
    const span = tracer.startSpan("s", { attributes: { list } });
    list.push("c");
    span.end();
    list.push("d");
    assert.deepEqual(collector.byName("s").attributes.list, ["a", "b"]);
  });

  it("treat a time that is not a finite number or valid Date as now", () => {
    const { tracer, collector } = setup();
    const before = Date.now() * 1e6;
    tracer.startSpan("s", { startTime: "soon" as never }).end({ getTime: "no" } as never);
    const record = collector.byName("s");
    assert.ok(record.startTime >= before - 50e6 && record.endTime >= record.startTime);
  });
});

describe("a tracer's instrumentation scope", () => {
  it("keeps a name and version that are not strings as text, so every batch still encodes", () => {
    const scope = { name: 7, version: ["1", "2"] } as unknown as { name: string; version: string };
    const collector = new CollectingProcessor();
    new Tracer({ scope, processors: [collector] }).startSpan("s").end();
    const [span] = collector.ended;
    assert.deepEqual({ ...span.scope }, { name: "7", version: "1,2" });
    assertEncodable([span]);
    const json = new TextDecoder().decode(encodeTracesJson([span]));
    assert.match(json, /"scope":\{"name":"7","version":"1,2"\}/);
  });

  it("has no version when a scope is given without one, tracelet's own when none is given", () => {
    assert.deepEqual({ ...new Tracer({ scope: { name: "svc" } }).scope }, {
      name: "svc",
      version: undefined,
    });
    assert.equal(new Tracer().scope.name, "tracelet");
    assert.match(String(new Tracer().scope.version), /^\d+\.\d+\.\d+/);
  });
});

describe("withSpan given a hostile result", () => {
  it("ends the span when the result's then cannot be read", () => {
    const { tracer, collector } = setup();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(tracer.withSpan("s", () => proxy), proxy);
    assert.ok(collector.byName("s").endTime > 0);
  });

  it("turns a thenable whose then throws into a rejection recorded on the span", async () => {
    const { tracer, collector } = setup();
    const thenable = {
      then() {
        throw new Error("then failed");
      },
    };
    await assert.rejects(Promise.resolve(tracer.withSpan("s", () => thenable)), /then failed/);
    const record = collector.byName("s");
    assert.equal(record.status.code, "ERROR");
    assert.equal(record.status.message, "then failed");
  });
});

describe("malformed span contexts", () => {
  it("a remote parent with malformed ids starts a new trace instead", () => {
    const { tracer, collector } = setup();
    const parent = { traceId: 42, spanId: "nope", traceFlags: 1 } as unknown as SpanContext;
    tracer.startSpan("child", { parent }).end();
    const record = collector.byName("child");
    assert.match(record.traceId, /^[0-9a-f]{32}$/);
    assert.equal(record.parentSpanId, undefined);
    assertEncodable(collector.ended);
  });

  it("a link with malformed ids is ignored; a valid one keeps only a string traceState", async () => {
    const { tracer, collector } = setup();
    const valid = tracer.startSpan("valid").spanContext();
    await captureDiagnostics(() => {
      const span = tracer.startSpan("s");
      span.addLink({ context: { ...valid, traceId: "xyz" } });
      span.addLink({ context: { ...valid, traceState: 7 as never } });
      span.end();
    });
    const record = collector.byName("s");
    assert.equal(record.links.length, 1);
    assert.equal(record.links[0].spanId, valid.spanId);
    assert.equal(record.links[0].traceState, undefined);
    assertEncodable(collector.ended);
  });
});

describe("OTLP export given hostile failures", () => {
  it("resolves and accounts for every span when fetch and gzip fail with unprintable values", async () => {
    const unprintable = Object.create(null);
    const exporter = new OtlpHttpExporter({
      endpoint: "http://127.0.0.1:9/v1/traces",
      fetch: () => Promise.reject(unprintable),
      compress: () => Promise.reject(unprintable),
      retry: { maxAttempts: 1 },
    });
    const spans = makeSpanBatch(3);
    const { result: report, diagnostics } = await captureDiagnostics(() => exporter.export(spans));
    assert.equal(report.exported, 0);
    assert.equal(report.failed, 0);
    assert.equal(Object.values(report.dropped).reduce((a, b) => a + b, 0), 3);
    assert.ok(diagnostics.some((d) => d.message.includes("<unprintable>")));
  });
});

describe("once-only diagnostics", () => {
  it("stay once-only after 10,000 distinct keys (no flood of repeats)", async () => {
    resetReportedOnce();
    const { diagnostics } = await captureDiagnostics(() => {
      for (let i = 0; i < 10_000; i++) reportOnce(`key-${i}`, "warn", "filler", "filler");
      for (let i = 0; i < 5; i++) reportOnce("late-key", "warn", "late", "reported once");
    });
    assert.equal(diagnostics.filter((d) => d.code === "late").length, 1);
    resetReportedOnce();
  });
});
