/**
 * A Map given as an attribute value keeps every entry. It is a JSON object when all its keys are
 * strings (the documented form), and `[key, value]` pairs otherwise, as task inputs are: as an
 * object, the keys `1` and `"1"` collided (`{"1":"b"}`, one entry lost) and every object key
 * became `"[object Object]"` (all but the last entry lost).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../mod.ts";
import { toAttributeValue } from "../src/attributes.ts";
import { CollectingProcessor } from "./_support/collect.ts";

describe("Map attribute values", () => {
  it("write a Map with a key that is not a string as [key, value] pairs, losing nothing", () => {
    // All keys strings (the documented form): a JSON object, as before.
    assert.equal(toAttributeValue(new Map([["a", 1], ["b", 2]])), '{"a":1,"b":2}');
    assert.equal(toAttributeValue(new Map()), "{}");
    assert.equal(
      toAttributeValue(new Map<unknown, string>([[1, "int key"], ["1", "string key"]])),
      '[[1,"int key"],["1","string key"]]',
    );
    assert.equal(
      toAttributeValue(new Map<unknown, string>([[{ user: "a" }, "A"], [{ user: "b" }, "B"]])),
      '[[{"user":"a"},"A"],[{"user":"b"},"B"]]',
    );
    assert.equal(
      toAttributeValue({ nested: new Map<unknown, unknown>([[true, 1], [2n, [3]], [null, 4]]) }),
      '{"nested":[[true,1],["2",[3]],[null,4]]}',
    );
  });

  it("are recorded whole on a span", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    tracer.startSpan("s", {
      attributes: { by_id: new Map<unknown, string>([[1, "a"], ["1", "b"]]) as never },
    }).end();
    assert.deepEqual(JSON.parse(collector.byName("s").attributes.by_id as string), [
      [1, "a"],
      ["1", "b"],
    ]);
  });

  it("mark a Map used as its own key as a cycle", () => {
    const map = new Map<unknown, unknown>();
    map.set(map, 1);
    assert.equal(toAttributeValue(map), '[["<circular reference>",1]]');
  });

  it("cut the pairs of a large Map, and a large Set, as arrays are cut", () => {
    const size = 100_000;
    const pairs = toAttributeValue(new Map(Array.from({ length: size }, (_, i) => [i, i])));
    const parsedPairs = JSON.parse(pairs as string) as unknown[];
    assert.equal(parsedPairs.length, 65_535, "the pairs list is cut like any array");
    assert.ok((pairs as string).length < 600_000, "the output stays bounded by the budget");
    assert.deepEqual(parsedPairs[0], [0, 0]);
    const set = JSON.parse(
      toAttributeValue(new Set(Array.from({ length: size }, (_, i) => i))) as string,
    );
    assert.equal(set.length, 65_535, "the array and 65,535 elements");
    assert.equal(set.includes(null), false, "no null placeholders past the budget");
  });
});
