/**
 * Arrays given as attribute values are cut to their first 65,536 elements, at the top level and
 * nested in objects. Copying or JSON-encoding an array costs its length, not its contents: a
 * one-element sparse array of length 2^25 blocked `setAttribute` for 12.6 s and took 1.1 GB.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../mod.ts";
import { toAttributeValue } from "../src/attributes.ts";
import { CollectingProcessor } from "./_support/collect.ts";

describe("array attribute values", () => {
  it("keep their first 65,536 elements, in a span's attributes, events and links", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const numbers = Array.from({ length: 70_000 }, (_, i) => i);
    const span = tracer.startSpan("s", { attributes: { start: numbers } });
    span.setAttribute("set", numbers);
    span.addEvent("e", { event: numbers });
    span.end();
    const rec = collector.byName("s");
    for (
      const value of [rec.attributes.start, rec.attributes.set, rec.events[0].attributes.event]
    ) {
      assert.ok(Array.isArray(value));
      assert.equal(value.length, 65_536);
      assert.equal(value[65_535], 65_535);
    }
  });

  it("cut a sparse array before it is copied: what is kept is its start", () => {
    const sparse: unknown[] = [];
    sparse[2 ** 31] = "far";
    sparse[0] = "near";
    const value = toAttributeValue(sparse);
    assert.equal(typeof value, "string"); // holes make it mixed: JSON
    const parsed = JSON.parse(value as string);
    assert.equal(parsed.length, 65_536);
    assert.equal(parsed[0], "near");
  });

  it("cut arrays nested in objects too", () => {
    const inner: unknown[] = [];
    inner[2 ** 25] = 1;
    const parsed = JSON.parse(toAttributeValue({ list: inner, keep: [1, 2] }) as string);
    assert.equal(parsed.list.length, 65_536);
    assert.deepEqual(parsed.keep, [1, 2]);
  });

  it("leave arrays up to 65,536 elements whole", () => {
    const exact = Array.from({ length: 65_536 }, () => "x");
    assert.equal((toAttributeValue(exact) as string[]).length, 65_536);
  });
});
