import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isValidSpanId, isValidTraceId, Span, Tracer } from "../mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";

function setup(limits?: ConstructorParameters<typeof Tracer>[0]) {
  const collector = new CollectingProcessor();
  const tracer = new Tracer({ processors: [collector], ...limits });
  return { tracer, collector };
}

describe("Span", () => {
  it("has W3C ids, a parent link and a non-negative duration", () => {
    const { tracer, collector } = setup();
    tracer.withSpan("parent", () => {
      tracer.withSpan("child", () => {});
    });
    const parent = collector.byName("parent");
    const child = collector.byName("child");
    assert.ok(isValidTraceId(parent.traceId));
    assert.ok(isValidSpanId(parent.spanId));
    assert.equal(child.traceId, parent.traceId);
    assert.equal(child.parentSpanId, parent.spanId);
    assert.equal(parent.parentSpanId, undefined);
    assert.ok(parent.endTime >= parent.startTime);
    assert.ok(parent.startTime > 1.7e18, "epoch nanoseconds");
  });

  it("coerces attributes to OTel types and JSON-encodes objects", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("attrs", { attributes: { s: "x", i: 3, d: 1.5, b: true } });
    span.setAttribute("list", [1, 2, 3]);
    span.setAttribute("obj", { a: 1, nested: [1, "x"] });
    span.setAttribute("mixed", [1, "a"]);
    span.setAttribute("nan", NaN);
    span.setAttribute("skip", undefined);
    span.setAttribute("big", 10n);
    span.end();
    const attrs = collector.byName("attrs").attributes;
    assert.deepEqual(
      { ...attrs },
      {
        s: "x",
        i: 3,
        d: 1.5,
        b: true,
        list: [1, 2, 3],
        obj: '{"a":1,"nested":[1,"x"]}',
        mixed: '[1,"a"]',
        nan: "NaN",
        big: "10",
      },
    );
  });

  it("a span limit that is NaN, infinite, negative or not a number means its default bound", () => {
    for (const bad of [NaN, Infinity, -1, "5"]) {
      const { tracer, collector } = setup({
        limits: {
          attributeCountLimit: bad as number,
          eventCountLimit: bad as number,
          attributeValueLengthLimit: bad as number,
        },
      });
      const span = tracer.startSpan("bounded");
      for (let i = 0; i < 200; i++) span.setAttribute(`k${i}`, "v".repeat(50)).addEvent(`e${i}`);
      span.end();
      const rec = collector.byName("bounded");
      assert.equal(Object.keys(rec.attributes).length, 128, String(bad));
      assert.equal(rec.droppedAttributesCount, 72, String(bad));
      assert.equal(rec.events.length, 128, String(bad));
      assert.equal(rec.attributes.k0, "v".repeat(50), String(bad)); // no value length limit
    }
  });

  it("limits of 0 keep no attributes or events, and fractions round down", () => {
    const { tracer, collector } = setup({
      limits: { attributeCountLimit: 0, eventCountLimit: 1.9 },
    });
    tracer.startSpan("zero", { attributes: { a: "abc" } }).addEvent("e1").addEvent("e2").end();
    const rec = collector.byName("zero");
    assert.deepEqual({ ...rec.attributes }, {});
    assert.equal(rec.droppedAttributesCount, 1);
    assert.equal(rec.events.length, 1);
  });

  it("applies attribute, event and link limits and counts what it dropped", () => {
    const { tracer, collector } = setup({
      limits: {
        attributeCountLimit: 2,
        eventCountLimit: 1,
        linkCountLimit: 1,
        attributeValueLengthLimit: 4,
      },
    });
    const other = tracer.startSpan("other");
    const span = tracer.startSpan("limited");
    span.setAttributes({ a: "123456", b: 2, c: 3 });
    span.setAttribute("a", "overwrite-is-fine");
    span.addEvent("e1").addEvent("e2");
    span.addLink({ context: other.spanContext() }).addLink({ context: other.spanContext() });
    span.end();
    const rec = collector.byName("limited");
    assert.deepEqual({ ...rec.attributes }, { a: "over", b: 2 });
    assert.equal(rec.droppedAttributesCount, 1);
    assert.equal(rec.events.length, 1);
    assert.equal(rec.droppedEventsCount, 1);
    assert.equal(rec.links.length, 1);
    assert.equal(rec.droppedLinksCount, 1);
    assert.equal(rec.links[0].spanId, other.spanId);
  });

  it("records exceptions as ERROR status plus an exception event", () => {
    const { tracer, collector } = setup();
    assert.throws(() =>
      tracer.withSpan("boom", () => {
        throw new TypeError("bad input");
      }), TypeError);
    const rec = collector.byName("boom");
    assert.equal(rec.status.code, "ERROR");
    assert.equal(rec.status.message, "bad input");
    const event = rec.events.find((e) => e.name === "exception");
    assert.ok(event);
    assert.equal(event.attributes["exception.type"], "TypeError");
    assert.equal(event.attributes["exception.message"], "bad input");
    assert.match(String(event.attributes["exception.stacktrace"]), /bad input/);
  });

  it("records thrown data by its class and JSON, not [object Object]", async () => {
    const { tracer, collector } = setup();
    class RateLimited {
      readonly status = 429;
    }
    const thrown = new Map<string, unknown>([
      ["plain", { code: 42, retry: true }],
      ["instance", new RateLimited()],
      ["array", ["a", 1]],
      ["string", "just text"],
    ]);
    for (const [name, value] of thrown) {
      assert.throws(() =>
        tracer.withSpan(name, () => {
          throw value;
        })
      );
    }
    await assert.rejects(tracer.withSpan("async", () => Promise.reject({ code: 7 })));
    const seen = (name: string) => {
      const record = collector.byName(name);
      const event = record.events.find((e) => e.name === "exception");
      return [record.status.message, event?.attributes["exception.type"]];
    };
    assert.deepEqual(seen("plain"), ['{"code":42,"retry":true}', "Object"]);
    assert.deepEqual(seen("instance"), ['{"status":429}', "RateLimited"]);
    assert.deepEqual(seen("array"), ['["a",1]', "Array"]);
    assert.deepEqual(seen("string"), ["just text", "string"]);
    assert.deepEqual(seen("async"), ['{"code":7}', "Object"]);
  });

  it("callback form ends async spans when the promise settles and rethrows rejections", async () => {
    const { tracer, collector } = setup();
    const value = await tracer.withSpan("ok", async () => {
      await new Promise((r) => setTimeout(r, 2));
      return 7;
    });
    assert.equal(value, 7);
    await assert.rejects(
      tracer.withSpan("fails", async () => {
        await Promise.resolve();
        throw new Error("nope");
      }),
      /nope/,
    );
    assert.equal(collector.byName("ok").status.code, "UNSET");
    assert.equal(collector.byName("fails").status.code, "ERROR");
    assert.ok(collector.byName("ok").endTime - collector.byName("ok").startTime > 0);
  });

  it("ends with `using` (Symbol.dispose)", () => {
    const { tracer, collector } = setup();
    {
      using span = tracer.startSpan("scoped");
      span.setAttribute("k", 1);
      assert.equal(collector.ended.length, 0);
    }
    assert.equal(collector.ended.length, 1);
    assert.equal(collector.byName("scoped").attributes.k, 1);
  });

  it("is immutable once ended and end() is idempotent", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("done");
    assert.equal(span.active, true);
    assert.equal(span.isRecording, true);
    span.end();
    span.end();
    span.setAttribute("late", 1);
    span.addEvent("late");
    span.setStatus({ code: "ERROR", message: "late" });
    span.updateName("renamed");
    assert.equal(collector.ended.length, 1);
    assert.equal(span.active, false);
    assert.equal(span.name, "done");
    assert.equal(span.attributes.late, undefined);
    assert.equal(span.events.length, 0);
    assert.equal(span.status.code, "UNSET");
  });

  it("cleans and de-duplicates tags and records type and label", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("typed", {
      type: "tool",
      label: "My Label!",
      tags: ["V2-beta", "v2_beta", "x"],
    });
    span.addTags("New Tag");
    assert.equal(span.type, "tool");
    assert.equal(span.label, "my_label");
    assert.deepEqual(span.tags, ["v2_beta", "x", "new_tag"]);
    span.end();
    const attrs = collector.byName("typed").attributes;
    assert.equal(attrs["dreadnode.type"], "tool");
    assert.equal(attrs["dreadnode.label"], "my_label");
    assert.deepEqual(attrs["dreadnode.tags"], ["v2_beta", "x", "new_tag"]);
  });

  it("reports failed, exception and duration in seconds", () => {
    const { tracer } = setup();
    const span = tracer.startSpan("d", { startTime: Date.now() - 1500 });
    assert.ok(span.duration >= 1.4 && span.duration < 60);
    assert.equal(span.failed, false);
    const err = new Error("x");
    span.recordException(err);
    assert.equal(span.failed, true);
    // Plain data, not the thrown value (an ended span waits in export queues).
    assert.notEqual(span.exception, err);
    assert.deepEqual(span.exception, {
      "exception.type": "Error",
      "exception.message": "x",
      "exception.stacktrace": err.stack,
    });
    span.end();
    assert.ok(span instanceof Span);
  });

  it("keeps status OK final and never produces an end before the start", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("s");
    span.setStatus({ code: "OK" });
    span.setStatus({ code: "ERROR", message: "ignored" });
    span.end(Date.now() - 60_000);
    const rec = collector.byName("s");
    assert.equal(rec.status.code, "OK");
    assert.equal(rec.endTime, rec.startTime);
  });

  it("notifies trace start and end for local roots only", () => {
    const { tracer, collector } = setup();
    tracer.withSpan("root", () => tracer.withSpan("inner", () => {}));
    assert.deepEqual(collector.traces.map((t) => `${t.event}:${t.trace.name}`), [
      "start:root",
      "end:root",
    ]);
    assert.deepEqual(collector.started, ["root", "inner"]);
  });

  it("starts a new trace with parent: null and accepts explicit parents", () => {
    const { tracer, collector } = setup();
    const a = tracer.startSpan("a");
    const b = tracer.startSpan("b", { parent: a });
    const c = tracer.withSpan("outer", () => tracer.startSpan("c", { parent: null }));
    b.end();
    c.end();
    a.end();
    assert.equal(collector.byName("b").parentSpanId, a.spanId);
    assert.equal(collector.byName("c").parentSpanId, undefined);
    assert.notEqual(collector.byName("c").traceId, a.traceId);
  });

  it("takes a time outside 1970-2540 (microseconds or seconds by mistake, 1e300, negative) as now", () => {
    const { tracer, collector } = setup();
    // "Now" within 50 ms of the wall clock (the span clock follows it to about a millisecond).
    const before = (Date.now() - 50) * 1e6;
    tracer.startSpan("micros").end(Date.now() * 1000);
    tracer.startSpan("huge", { startTime: 1e300 }).addEvent("e", {}, -5000).end();
    tracer.startSpan("negative", { startTime: -5000 }).end(new Date(8.64e15));
    const after = Date.now() * 1e6 + 1e9;
    for (const name of ["micros", "huge", "negative"]) {
      const rec = collector.byName(name);
      for (const t of [rec.startTime, rec.endTime, ...rec.events.map((e) => e.time)]) {
        assert.ok(t >= before && t <= after, `${name}: ${t}`);
      }
    }
  });

  it("cuts strings inside array attributes to the value length limit", () => {
    const { tracer, collector } = setup({ limits: { attributeValueLengthLimit: 8 } });
    tracer.startSpan("arr", { attributes: { arr: ["a".repeat(100), "short"], n: [1, 2] } }).end();
    assert.deepEqual(collector.byName("arr").attributes.arr, ["aaaaaaaa", "short"]);
    assert.deepEqual(collector.byName("arr").attributes.n, [1, 2]);
  });

  it("a links option that is not iterable loses only the links, not parent, kind or attributes", () => {
    const { tracer, collector } = setup();
    const remote = { traceId: "a".repeat(32), spanId: "b".repeat(16), traceFlags: 1 };
    tracer.startSpan("server", {
      parent: remote,
      kind: "SERVER",
      attributes: { k: "v" },
      links: { context: remote } as never,
    }).end();
    const rec = collector.byName("server");
    assert.equal(rec.traceId, remote.traceId);
    assert.equal(rec.parentSpanId, remote.spanId);
    assert.equal(rec.kind, "SERVER");
    assert.equal(rec.attributes.k, "v");
    assert.equal(rec.links.length, 0);
  });

  it("records error-like objects and Errors of other realms with their type, message and stack", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("boom");
    span.recordException({ name: "MyErr", message: "plain", stack: "at x" }).end();
    assert.deepEqual(collector.byName("boom").events[0].attributes, {
      "exception.type": "MyErr",
      "exception.message": "plain",
      "exception.stacktrace": "at x",
    });
    const other = tracer.startSpan("string");
    other.recordException("just text").end();
    assert.deepEqual(collector.byName("string").events[0].attributes, {
      "exception.type": "string",
      "exception.message": "just text",
    });
  });

  it("understands OpenTelemetry's numeric status codes and ignores unknown ones", () => {
    const { tracer, collector } = setup();
    tracer.startSpan("one").setStatus({ code: 1 } as never).end();
    tracer.startSpan("two").setStatus({ code: 2, message: "bad" } as never).end();
    tracer.startSpan("zero").setStatus({ code: 0 } as never).end();
    tracer.startSpan("bogus").setStatus({ code: "ok" } as never).end();
    assert.equal(collector.byName("one").status.code, "OK");
    assert.deepEqual(collector.byName("two").status, { code: "ERROR", message: "bad" });
    assert.equal(collector.byName("zero").status.code, "UNSET");
    assert.equal(collector.byName("bogus").status.code, "UNSET");
  });

  it('keeps a remote parent\'s trace flags as a number (a string "01" is sampled)', () => {
    const { tracer, collector } = setup();
    const remote = { traceId: "c".repeat(32), spanId: "d".repeat(16), traceFlags: "01" };
    tracer.startSpan("child", { parent: remote as never }).end();
    assert.equal(collector.byName("child").traceFlags, 1);
  });
});
