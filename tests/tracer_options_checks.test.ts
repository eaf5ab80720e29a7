// Tracer setup and span start options that cannot be used: an invalid `traceId` / `spanId` start
// option (or a remote parent with malformed ids) is ignored with a `warn` diagnostic, reported
// once, and the span keeps working (span methods never throw); a processor list holding something
// that is no processor (`[null]`) is a setup mistake, a TracerError INVALID_CONFIG thrown at
// construction (as configure() throws it), not a TypeError at the first span.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isValidSpanId, isValidTraceId, newSpanId, newTraceId, Tracer } from "../mod.ts";
import type { SpanProcessor } from "../mod.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { TracerError } from "../src/errors.ts";
import { captureDiagnostics, CollectingProcessor } from "./_support/collect.ts";
import { hostile } from "./_support/hostile.ts";

function setup() {
  const collector = new CollectingProcessor();
  return { collector, tracer: new Tracer({ processors: [collector] }) };
}

const BAD_TRACE_IDS: unknown[] = [
  "4BF92F3577B34DA6A3CE929D0E0E4736", // upper case
  "00000000000000000000000000000000", // all zero
  "4bf92f3577b34da6a3ce929d0e0e473", // one digit short
  42,
];

describe("invalid traceId / spanId start options", () => {
  it("are ignored with one warn diagnostic each, and the span keeps working", async () => {
    const { tracer, collector } = setup();
    resetReportedOnce(); // other test files may have used up the once-only diagnostics
    const { diagnostics } = await captureDiagnostics(() => {
      for (const traceId of BAD_TRACE_IDS) {
        const span = tracer.startSpan("root", {
          traceId: traceId as string,
          spanId: "XYZ",
          attributes: { kept: true },
        });
        assert.ok(isValidTraceId(span.traceId), "a random trace id");
        assert.notEqual(span.traceId, traceId);
        assert.ok(isValidSpanId(span.spanId), "a random span id");
        span.setAttribute("after", 1).end();
      }
    });
    assert.equal(collector.ended.length, BAD_TRACE_IDS.length);
    for (const span of collector.ended) {
      assert.equal(span.attributes.kept, true, "the other options are kept");
      assert.equal(span.attributes.after, 1);
    }
    const reported = diagnostics.filter((d) => d.code === "invalid_span_options");
    assert.deepEqual(
      reported.map((d) => [d.level, d.message]),
      [
        ["warn", "Span option traceId ignored: not a valid W3C id"],
        ["warn", "Span option spanId ignored: not a valid W3C id"],
      ],
      "once per option, naming it",
    );
    assert.equal(reported[0].cause, BAD_TRACE_IDS[0], "the ignored value is the cause");
  });

  it("are reported for a span id given alone (upper case), and never throw for a hostile value", async () => {
    const { tracer, collector } = setup();
    resetReportedOnce();
    const { diagnostics } = await captureDiagnostics(() => {
      const span = tracer.startSpan("child", { spanId: "00F067AA0BA902B7" });
      assert.ok(isValidSpanId(span.spanId));
      span.end();
      tracer.startSpan("hostile", { traceId: hostile().revoked, spanId: hostile().revoked }).end();
    });
    assert.equal(collector.ended.length, 2);
    assert.deepEqual(
      diagnostics.filter((d) => d.code === "invalid_span_options").map((d) => d.message),
      [
        "Span option spanId ignored: not a valid W3C id",
        "Span option traceId ignored: not a valid W3C id",
      ],
    );
  });

  it("valid, absent or null ids are used or defaulted without a diagnostic", async () => {
    const { tracer } = setup();
    resetReportedOnce();
    const traceId = newTraceId();
    const spanId = newSpanId();
    const { diagnostics } = await captureDiagnostics(() => {
      const span = tracer.startSpan("root", { traceId, spanId });
      assert.equal(span.traceId, traceId);
      assert.equal(span.spanId, spanId);
      span.end();
      tracer.startSpan("defaults").end();
      tracer.startSpan("nulls", { traceId: null, spanId: null } as never).end();
      // A trace id is ignored under a parent (documented), valid or not.
      tracer.withSpan("parent", () => {
        tracer.startSpan("child", { traceId: "not an id" }).end();
      });
    });
    assert.deepEqual(diagnostics, []);
  });
});

describe("a parent whose span context cannot be used", () => {
  it("starts a new trace with an invalid_link warning, once", async () => {
    const { tracer, collector } = setup();
    resetReportedOnce();
    const malformed = {
      traceId: "4BF92F3577B34DA6A3CE929D0E0E4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const { diagnostics } = await captureDiagnostics(() => {
      for (const parent of [malformed, { ...malformed, traceId: newTraceId(), spanId: "x" }]) {
        const span = tracer.startSpan("child", { parent, attributes: { kept: true } });
        assert.equal(span.parentSpanId, undefined, "a new trace");
        assert.notEqual(span.traceId, malformed.traceId);
        span.end();
      }
    });
    assert.equal(collector.ended.length, 2);
    assert.equal(collector.ended[0].attributes.kept, true);
    assert.deepEqual(
      diagnostics.map((d) => [d.level, d.code, d.message]),
      [["warn", "invalid_link", "Parent ignored: no valid span context"]],
    );
  });

  it("no parent, a null parent, a context without a span, or a valid one: no diagnostic", async () => {
    const { tracer } = setup();
    resetReportedOnce();
    const remote = { traceId: newTraceId(), spanId: newSpanId(), traceFlags: 1 };
    const { diagnostics } = await captureDiagnostics(() => {
      tracer.startSpan("root").end();
      tracer.startSpan("null", { parent: null }).end();
      tracer.startSpan("context", { parent: { get: () => undefined } as never }).end();
      const child = tracer.startSpan("remote", { parent: remote });
      assert.equal(child.parentSpanId, remote.spanId);
      child.end();
      assert.equal(tracer.activeSpan(), undefined);
    });
    assert.deepEqual(diagnostics, []);
  });
});

describe("processors that are not processor objects", () => {
  const bad: unknown[] = [[null], [undefined], ["processor"], [42], [() => {}], "x", {}];

  it("make the Tracer constructor throw INVALID_CONFIG, as configure() does", () => {
    for (const processors of bad) {
      assert.throws(
        () => new Tracer({ processors: processors as SpanProcessor[] }),
        (error: unknown) => {
          assert.ok(error instanceof TracerError, `a TracerError for ${String(processors)}`);
          assert.equal(error.code, "INVALID_CONFIG");
          assert.match(error.message, /`processors` must be an array of processor objects/);
          return true;
        },
      );
    }
  });

  it("are refused by setProcessors and addProcessor, which leave the processors as they were", () => {
    const { tracer, collector } = setup();
    for (const processors of bad) {
      assert.throws(
        () => tracer.setProcessors(processors as SpanProcessor[]),
        (error: unknown) => error instanceof TracerError && error.code === "INVALID_CONFIG",
      );
    }
    for (const processor of [null, undefined, "processor", 42]) {
      assert.throws(
        () => tracer.addProcessor(processor as unknown as SpanProcessor),
        (error: unknown) => error instanceof TracerError && error.code === "INVALID_CONFIG",
      );
    }
    assert.deepEqual(tracer.processors, [collector]);
    tracer.startSpan("still traced").end();
    assert.deepEqual(collector.ended.map((s) => s.name), ["still traced"]);
  });

  it("objects of any shape (class instances, empty objects) are still accepted", () => {
    const empty = {};
    const tracer = new Tracer({ processors: [empty, new CollectingProcessor()] });
    tracer.addProcessor(Object.create(null));
    assert.equal(tracer.processors.length, 3);
    tracer.startSpan("span").end();
  });
});
