// Behavior of the span hot paths that the benchmarks tuned: the attribute fast path (an empty
// map that cannot reach its count limit), single-allocation ids, and the tracer's skip of the
// local-root lookup when no processor wants trace events. Each must behave exactly like the
// general path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mergeAttributes } from "../src/attributes.ts";
import { isValidSpanId, isValidTraceId, newSpanId, newTraceId } from "../src/ids.ts";
import type { SpanProcessor } from "../src/processor/types.ts";
import { Tracer } from "../src/tracer.ts";
import type { Attributes, SpanRecord, TraceInfo } from "../src/types.ts";

describe("attribute merging into an empty map", () => {
  it("coerces every kind of value and keeps the caller's key order", () => {
    const target: Attributes = {};
    const dropped = mergeAttributes(
      target,
      {
        s: "x",
        n: 1,
        f: 1.5,
        b: true,
        nan: NaN,
        inf: -Infinity,
        u: undefined,
        nul: null,
        o: { a: 1 },
        arr: [1, 2],
        big: 10n,
      },
      128,
      Infinity,
    );
    assert.equal(dropped, 0);
    assert.deepEqual(Object.entries(target), [
      ["s", "x"],
      ["n", 1],
      ["f", 1.5],
      ["b", true],
      ["nan", "NaN"],
      ["inf", "-Infinity"],
      ["o", '{"a":1}'],
      ["arr", [1, 2]],
      ["big", "10"],
    ]);
  });

  it("keeps exactly countLimit keys and drops and counts the rest", () => {
    const full: Attributes = {};
    assert.equal(mergeAttributes(full, { a: 1, b: 2, c: 3 }, 3, Infinity), 0);
    assert.deepEqual(full, { a: 1, b: 2, c: 3 });
    const over: Attributes = {};
    assert.equal(mergeAttributes(over, { a: 1, b: 2, c: 3, d: 4 }, 3, Infinity), 1);
    assert.deepEqual(over, { a: 1, b: 2, c: 3 });
  });

  it("counts keys already present against the limit", () => {
    const target: Attributes = { a: 0 };
    assert.equal(mergeAttributes(target, { a: 1, b: 2, c: 3 }, 2, Infinity), 1);
    assert.deepEqual(target, { a: 1, b: 2 });
  });

  it("cuts long strings and includes inherited enumerable keys, as for-in does", () => {
    const input = Object.create({ inherited: "yes" }) as Record<string, unknown>;
    input.own = "abcdef";
    const target: Attributes = {};
    assert.equal(mergeAttributes(target, input, 128, 3), 0);
    assert.deepEqual({ ...target }, { own: "abc", inherited: "yes" });
  });

  it("gives a span the same attributes on the fast and the general path", () => {
    const tracer = new Tracer();
    const plain = tracer.startSpan("plain", { attributes: { a: "1", b: 2, c: NaN } });
    const described = tracer.startSpan("described", {
      type: "task",
      attributes: { a: "1", b: 2, c: NaN },
    });
    assert.deepEqual({ ...plain.attributes }, { a: "1", b: 2, c: "NaN" });
    assert.equal(described.attributes.a, "1");
    assert.equal(described.attributes.b, 2);
    assert.equal(described.attributes.c, "NaN");
    plain.end();
    described.end();
  });
});

describe("ids", () => {
  it("are lower-case hex of the right length, valid and distinct", () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = newTraceId();
      const s = newSpanId();
      assert.ok(isValidTraceId(t), t);
      assert.ok(isValidSpanId(s), s);
      traces.add(t);
      spans.add(s);
    }
    assert.equal(traces.size, 5000);
    assert.equal(spans.size, 5000);
  });
});

describe("trace start and end notifications", () => {
  function watcher(): { processor: SpanProcessor; events: string[] } {
    const events: string[] = [];
    return {
      events,
      processor: {
        onTraceStart: (t: TraceInfo) => void events.push(`start:${t.name}`),
        onTraceEnd: (t: TraceInfo) => void events.push(`end:${t.name}`),
        onSpanEnd: (s: SpanRecord) => void events.push(`span:${s.name}`),
      },
    };
  }

  it("fire once per local root, also for roots started before a processor was added", () => {
    const tracer = new Tracer();
    const early = tracer.startSpan("early");
    const w = watcher();
    tracer.addProcessor(w.processor);
    early.end(); // started while nobody wanted trace events: no trace end for it
    const root = tracer.startSpan("root");
    const child = tracer.startSpan("child", { parent: root });
    child.end();
    root.end();
    root.end(); // a second end changes nothing
    assert.deepEqual(w.events, ["span:early", "start:root", "span:child", "span:root", "end:root"]);
  });

  it("still end a trace when processors change while its root runs", () => {
    const w = watcher();
    const tracer = new Tracer({ processors: [w.processor] });
    const root = tracer.startSpan("root");
    const other = watcher();
    tracer.setProcessors([other.processor]);
    root.end();
    assert.deepEqual(w.events, ["start:root"]);
    assert.deepEqual(other.events, ["span:root", "end:root"]);
  });
});
