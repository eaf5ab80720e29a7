// The one-step attribute copy of a span's and an event's attributes (copyAttributes) must give
// exactly what the key-by-key merge gives: the same keys, values, order and dropped counts, for
// every kind of input a caller can pass, and a map the caller's later changes never reach.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyAttributes, copyDropped, mergeAttributes } from "../src/attributes.ts";
import { encodeTracesJson } from "../src/otlp/encode_json.ts";
import { Tracer } from "../src/tracer.ts";
import type { Attributes } from "../src/types.ts";
import { CollectingProcessor } from "./_support/collect.ts";

/** What the key-by-key merge makes of `input` into an empty map. */
function merged(input: unknown, countLimit = 128, maxLength = Infinity) {
  const target: Attributes = {};
  const dropped = mergeAttributes(target, input as Record<string, unknown>, countLimit, maxLength);
  return { entries: Object.entries(target), dropped };
}

/** What a span and one of its events record for `input` under the given limits. */
function recorded(input: unknown, countLimit = 128, maxLength = Infinity) {
  const collector = new CollectingProcessor();
  const tracer = new Tracer({
    processors: [collector],
    limits: {
      attributeCountLimit: countLimit,
      attributePerEventCountLimit: countLimit,
      attributeValueLengthLimit: maxLength,
    },
  });
  const span = tracer.startSpan("s", { attributes: input as Record<string, unknown> });
  span.addEvent("e", input as Record<string, unknown>);
  span.end();
  const [record] = collector.ended;
  const event = record.events[0];
  return {
    span: { entries: Object.entries(record.attributes), dropped: record.droppedAttributesCount },
    event: { entries: Object.entries(event.attributes), dropped: event.droppedAttributesCount },
  };
}

function assertSameAsMerge(input: () => unknown, countLimit = 128, maxLength = Infinity) {
  const expected = merged(input(), countLimit, maxLength);
  const got = recorded(input(), countLimit, maxLength);
  assert.deepEqual(got.span, expected);
  assert.deepEqual(got.event, expected);
}

describe("span and event attributes copied in one step", () => {
  it("coerce every kind of value as the merge does, in the caller's key order", () => {
    assertSameAsMerge(() => ({
      "db.system": "postgresql",
      "db.rows": 3,
      "cache.ratio": 0.5,
      "cache.hit": false,
      "score.nan": NaN,
      "score.max": Infinity,
      "request.body": { user: "u1", items: [1, 2] },
      "ids.list": [7, 8, 9],
      "ids.mixed": ["a", 1],
      "ids.big": 12345678901234567890n,
      "at": new Date(0),
      "handler": function named() {},
    }));
  });

  it("skip undefined and null values and count nothing dropped for them", () => {
    assertSameAsMerge(() => ({ a: 1, gone: undefined, b: "x", none: null, c: true }));
  });

  it("keep exactly the count limit and count the rest dropped", () => {
    assertSameAsMerge(() => ({ a: 1, b: 2, c: 3 }), 3);
    assertSameAsMerge(() => ({ a: 1, b: 2, c: 3, d: 4, e: 5 }), 3);
    assertSameAsMerge(() => ({ a: 1 }), 0);
    const got = recorded({ a: 1, b: 2, c: 3, d: 4, e: 5 }, 3);
    assert.equal(got.span.dropped, 2);
  });

  it("cut long strings, in arrays too, to the value length limit", () => {
    assertSameAsMerge(() => ({ long: "abcdef", short: "ab", list: ["abcdef", "x"] }), 128, 3);
  });

  it("take a __proto__ key as an own attribute without touching the prototype", () => {
    const input = () => JSON.parse('{"__proto__": "polluted", "ok": 1}');
    assertSameAsMerge(input);
    const got = recorded(input());
    assert.deepEqual(got.span.entries, [["__proto__", "polluted"], ["ok", 1]]);
    assert.equal(({} as Record<string, unknown>).ok, undefined);
  });

  it("read inherited enumerable keys, null-prototype objects and class instances as the merge does", () => {
    assertSameAsMerge(() => {
      const input = Object.create({ inherited: "yes" });
      input.own = 1;
      return input;
    });
    assertSameAsMerge(() => Object.assign(Object.create(null), { a: 1, b: "x" }));
    class Attrs {
      a = 1;
      b = "two";
      method(): void {}
    }
    assertSameAsMerge(() => new Attrs());
  });

  it("keep what was read before a throwing getter, as the merge does, and never throw", () => {
    assertSameAsMerge(() => ({
      a: 1,
      get boom(): never {
        throw new Error("unreadable");
      },
      c: 3,
    }));
    const revoked = Proxy.revocable({ a: 1 }, {});
    revoked.revoke();
    assertSameAsMerge(() => revoked.proxy);
    assertSameAsMerge(() => new Proxy({ a: 1, b: "x" }, {}));
  });

  it("never export symbol keys", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    tracer.startSpan("s", { attributes: { a: 1, [Symbol("hidden")]: "secret" } }).end();
    const body = new TextDecoder().decode(encodeTracesJson(collector.ended));
    assert.ok(body.includes('"key":"a"'));
    assert.ok(!body.includes("secret"));
    assert.deepEqual(Object.keys(collector.ended[0].attributes), ["a"]);
  });

  it("are a copy: the caller's later changes never reach the span", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const input: Record<string, unknown> = { a: 1, list: [1, 2] };
    const span = tracer.startSpan("s", { attributes: input });
    input.a = 2;
    input.added = true;
    (input.list as number[]).push(3);
    span.setAttribute("later", "x");
    span.end();
    assert.deepEqual(input, { a: 2, list: [1, 2, 3], added: true });
    assert.deepEqual(collector.ended[0].attributes, { a: 1, list: [1, 2], later: "x" });
  });

  it("read the caller's getters and toJSON once, also when a value is undefined or the limit is hit", () => {
    for (const limit of [128, 2]) {
      let getterCalls = 0;
      let toJsonCalls = 0;
      const input = {
        get computed(): string {
          getterCalls++;
          return "value";
        },
        body: {
          toJSON(): unknown {
            toJsonCalls++;
            return { ok: true };
          },
        },
        optional: undefined,
        extra: 1,
      };
      const got = recorded(input, limit);
      assert.equal(getterCalls, 2, `limit ${limit}: once for the span, once for the event`);
      assert.equal(toJsonCalls, 2, `limit ${limit}`);
      assert.deepEqual(
        got.span,
        merged({ computed: "value", body: '{"ok":true}', extra: 1 }, limit),
      );
    }
  });

  it("copyAttributes reports what the count limit dropped, on every path", () => {
    const copy = (input: unknown, countLimit: number, maxLength: number) => {
      const map = copyAttributes(input as Record<string, unknown>, countLimit, maxLength);
      return { map, dropped: copyDropped };
    };
    assert.deepEqual(copy({ a: NaN, b: "abc" }, 128, 2), {
      map: { a: "NaN", b: "ab" },
      dropped: 0,
    });
    assert.deepEqual(copy({ a: 1, b: 2, c: 3 }, 2, Infinity), { map: { a: 1, b: 2 }, dropped: 1 });
    assert.deepEqual(copy({ a: undefined, b: null, c: 1 }, 128, Infinity), {
      map: { c: 1 },
      dropped: 0,
    });
    assert.deepEqual(copy(Object.assign(Object.create(null), { x: 1 }), 0, 9), {
      map: {},
      dropped: 1,
    });
    assert.deepEqual(copy(undefined, 128, Infinity), { map: {}, dropped: 0 });
  });

  it("keep each span's and event's own dropped count when a getter records on another span", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector], limits: { attributeCountLimit: 1 } });
    const other = tracer.startSpan("other");
    const time = new Date(0);
    time.getTime = () => {
      tracer.startSpan("inner", { attributes: { a: 1, b: 2, c: 3, d: 4 } }).end();
      return 1_000;
    };
    const span = tracer.startSpan("outer", { attributes: { a: 1, b: 2 }, startTime: time });
    span.end();
    other.end();
    assert.equal(collector.byName("inner").droppedAttributesCount, 3);
    assert.equal(collector.byName("outer").droppedAttributesCount, 1);
  });
});
