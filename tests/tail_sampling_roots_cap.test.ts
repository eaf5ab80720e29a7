// Tail sampling learns local roots by span id; the local roots of one trace that never end (a
// server whose callers all send one fixed traceparent, requests whose spans are never ended)
// grew that set without bound, and the trace was never evicted (eviction takes other trace ids):
// 1M such roots took the heap from 11 to 65 MB. Past `maxSpansPerTrace` roots known by id, a new
// root is known by count only, and what the trace holds is decided then, counted as
// `max_roots_per_trace` with the other early decisions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tracer } from "../src/tracer.ts";
import type { SpanContext, SpanRecord } from "../src/types.ts";
import type { SpanProcessor } from "../src/processor/types.ts";
import { TailSamplingProcessor } from "../src/processor/tail_sampling.ts";
import { setDiagnosticsHook } from "../src/diagnostics.ts";
import type { Diagnostic } from "../src/diagnostics.ts";

const remote: SpanContext = {
  traceId: "0af7651916cd43dd8448eb211c80319c",
  spanId: "b7ad6b7169203331",
  traceFlags: 1,
  isRemote: true,
};

function setup() {
  const kept: SpanRecord[] = [];
  const inner: SpanProcessor = { onSpanEnd: (span) => void kept.push(span) };
  // A trace is slow (kept) from 1 h on: the rule keeps failed traces only.
  const tail = new TailSamplingProcessor(inner, { maxSpansPerTrace: 4, slowMillis: 3_600_000 });
  const tracer = new Tracer({ processors: [tail] });
  return { kept, tail, tracer };
}

describe("tail sampling: local roots of one trace", () => {
  it("past maxSpansPerTrace roots known by id, decides what the trace holds", () => {
    const { kept, tail, tracer } = setup();
    const diagnostics: Diagnostic[] = [];
    const previous = setDiagnosticsHook((d) => void diagnostics.push(d));
    try {
      const roots = Array.from(
        { length: 5 },
        (_, i) => tracer.startSpan(`request-${i}`, { parent: remote }),
      );
      tracer.startSpan("failed", { parent: roots[0] }).setStatus({ code: "ERROR" }).end();
      assert.equal(tail.stats.bufferedSpans, 1);
      tracer.startSpan("request-5", { parent: remote }); // one root past the cap
      assert.deepEqual(tail.stats.decidedEarly, { max_roots_per_trace: 1 });
      assert.deepEqual(kept.map((span) => span.name), ["failed"]);
      assert.ok(diagnostics.some((d) => d.code === "tail_sampling_early"));
    } finally {
      setDiagnosticsHook(previous);
    }
  });

  it("roots past the cap still end the trace, by count", () => {
    const calls: { spans: string[]; complete: boolean }[] = [];
    const tail = new TailSamplingProcessor({ onSpanEnd: () => {} }, {
      maxSpansPerTrace: 4,
      keep: ({ spans, complete }) => {
        calls.push({ spans: spans.map((span) => span.name), complete });
        return false;
      },
    });
    const tracer = new Tracer({ processors: [tail] });
    const roots = Array.from(
      { length: 5 },
      (_, i) => tracer.startSpan(`request-${i}`, { parent: remote }),
    );
    tracer.startSpan("child", { parent: roots[0] }).end();
    roots.push(tracer.startSpan("request-5", { parent: remote })); // known by count only
    assert.deepEqual(calls, [{ spans: ["child"], complete: false }]);
    assert.deepEqual(tail.stats.decidedEarly, { max_roots_per_trace: 1 });
    for (const root of roots) root.end(); // they follow the decision; the last one ends the trace
    assert.equal(tail.stats.droppedSpans, 7);
    // The trace is over: a later root of it is a new request, decided when it ends, whole.
    tracer.startSpan("later", { parent: remote }).end();
    assert.deepEqual(calls[1], { spans: ["later"], complete: true });
    assert.equal(tail.stats.bufferedTraces, 0);
  });

  it("many never-ended roots: a trace past the cap keeps deciding what it holds", () => {
    const { kept, tail, tracer } = setup();
    for (let i = 0; i < 10_000; i++) tracer.startSpan("request", { parent: remote }); // never ended
    const root = tracer.startSpan("request", { parent: remote });
    tracer.startSpan("failed", { parent: root }).setStatus({ code: "ERROR" }).end();
    tracer.startSpan("request", { parent: remote });
    assert.deepEqual(kept.map((span) => span.name), ["failed"]);
    assert.equal(tail.stats.decidedEarly.max_roots_per_trace, 1);
    assert.equal(tail.stats.bufferedSpans, 0);
  });
});
