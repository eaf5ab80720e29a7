// The compact JSON that non-primitive attribute values are stored as: cycle-safe, never
// throwing, with readable forms for the JavaScript values JSON.stringify would lose or reject.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toAttributeValue } from "../src/attributes.ts";

describe("attribute values of non-primitive types", () => {
  it("keeps primitives and homogeneous arrays, JSON-encodes everything else", () => {
    assert.equal(toAttributeValue("x"), "x");
    assert.equal(toAttributeValue(NaN), "NaN");
    assert.equal(toAttributeValue(10n), "10");
    assert.equal(toAttributeValue(null), undefined);
    assert.deepEqual(toAttributeValue([1, 2]), [1, 2]);
    assert.equal(toAttributeValue([1, "a"]), '[1,"a"]');
    assert.equal(toAttributeValue([1, NaN]), '[1,"NaN"]');
    assert.equal(toAttributeValue({ a: 1, nested: [1, "x"] }), '{"a":1,"nested":[1,"x"]}');
    assert.equal(toAttributeValue({ a: 1, long: "abcdef" }, 10), '{"a":1,"lo');
  });

  it("writes bigints, non-finite numbers, maps, sets, dates, functions and symbols readably", () => {
    const value = {
      big: 2n ** 70n,
      n: [NaN, -Infinity],
      map: new Map<unknown, unknown>([["k", 1], [2, new Set(["s"])]]),
      when: new Date(0),
      fn: { named() {} }.named, // a method: a bundler renaming colliding functions keeps its name
      anon: [() => 1],
      sym: Symbol("tag"),
      skipped: undefined,
      nil: null,
    };
    assert.equal(
      toAttributeValue(value),
      '{"big":"1180591620717411303424","n":["NaN","-Infinity"],"map":[["k",1],[2,["s"]]],' +
        '"when":"1970-01-01T00:00:00.000Z","fn":"<function named>","anon":["<function anonymous>"],' +
        '"sym":"Symbol(tag)","nil":null}',
    );
    assert.equal(toAttributeValue(() => 1), '"<function anonymous>"');
  });

  it("writes errors as name, message and cause (no stack)", () => {
    const error = new TypeError("bad", { cause: new Error("root") });
    assert.equal(
      toAttributeValue({ error }),
      '{"error":{"name":"TypeError","message":"bad","cause":{"name":"Error","message":"root"}}}',
    );
  });

  it("marks cycles, but not objects that are merely shared", () => {
    const shared = { s: 1 };
    assert.equal(toAttributeValue({ a: shared, b: [shared] }), '{"a":{"s":1},"b":[{"s":1}]}');
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    cyclic.list = [cyclic, { deeper: cyclic }];
    assert.equal(
      toAttributeValue(cyclic),
      '{"n":1,"self":"<circular reference>","list":["<circular reference>",' +
        '{"deeper":"<circular reference>"}]}',
    );
    const map = new Map<string, unknown>();
    map.set("me", map);
    assert.equal(toAttributeValue(map), '{"me":"<circular reference>"}');
  });

  it("honours toJSON and never throws, even for hostile values", () => {
    assert.equal(toAttributeValue({ toJSON: () => ({ via: "toJSON" }) }), '{"via":"toJSON"}');
    const hostile = {
      get bad(): never {
        throw new Error("getter");
      },
    };
    assert.equal(toAttributeValue(hostile), '"<error: getter>"');
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 100_000; i++) deep = (deep[0] = []) as unknown[];
    assert.match(String(toAttributeValue(root)), /^"<error: /);
  });
});

describe("attribute value length limit", () => {
  it("never cuts a character in half: a surrogate pair at the limit is left out whole", () => {
    // Half a pair is not text: OTLP/JSON would send a lone "\ud83d", which the Collector rejects.
    assert.equal(toAttributeValue("abc😀def", 4), "abc");
    assert.equal(toAttributeValue("abc😀def", 5), "abc😀");
    assert.equal(toAttributeValue("abcdef", 4), "abcd");
    assert.deepEqual(toAttributeValue(["😀😀", "ab"], 3), ["😀", "ab"]);
    assert.equal(toAttributeValue({ note: "😀" }, 10), '{"note":"');
  });
});
