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
    const value = toAttributeValue(sparse) as readonly (string | null)[];
    assert.ok(Array.isArray(value)); // holes are null items, which arrays keep
    assert.equal(value.length, 65_536);
    assert.equal(value[0], "near");
    assert.equal(value[65_535], null);
  });

  it("cut arrays nested in objects too; values past the budget are left out", () => {
    const inner: unknown[] = [];
    inner[2 ** 25] = 1;
    const parsed = JSON.parse(toAttributeValue({ first: [1, 2], list: inner, late: 3 }) as string);
    assert.deepEqual(parsed.first, [1, 2]);
    assert.equal(parsed.list.length, 65_536 - 5, "the object, first and its 2, and list itself");
    assert.equal("late" in parsed, false);
  });

  it("leave arrays up to 65,536 elements whole", () => {
    const exact = Array.from({ length: 65_536 }, () => "x");
    assert.equal((toAttributeValue(exact) as string[]).length, 65_536);
  });
});

describe("JSON-encoded attribute values", () => {
  it("write at most 65,536 values: one array shared many times cannot multiply the work", () => {
    const sparse: unknown[] = [];
    sparse[65_535] = 1;
    const shared = new Array(1024).fill(sparse); // 1,024 references, 67 million slots
    const text = toAttributeValue({ shared }) as string;
    assert.ok(text.length < 65_536 * 6, `${text.length} characters`);
    const parsed = JSON.parse(text);
    assert.equal(parsed.shared[0].length, 65_533, "the first copy takes what the budget leaves");
    assert.ok(
      parsed.shared.slice(1).every((copy: unknown[]) => copy === null || copy.length === 0),
    );
  });

  it("stop a value shared down a chain (2^40 paths) after the budget", () => {
    let chain: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 40; i++) chain = { a: chain, b: chain };
    const text = toAttributeValue(chain) as string;
    assert.ok(text.length < 65_536 * 16, `${text.length} characters`);
    assert.ok(text.startsWith('{"a":{"a":'));
  });
});

describe("Maps, Sets and typed arrays as attribute values", () => {
  it("are read only as far as the 65,536-value bound, never whole", () => {
    let read = 0;
    /** A Set that counts the items its iteration hands out. */
    class CountingSet<T> extends Set<T> {
      override *[Symbol.iterator](): SetIterator<T> {
        for (const item of super.values()) {
          read++;
          yield item;
        }
      }
    }
    const set = new CountingSet(Array.from({ length: 200_000 }, (_, i) => i));
    const fromSet = JSON.parse(toAttributeValue(set) as string) as number[];
    // The bound counts every value written, the Set itself too.
    assert.equal(fromSet.length, 65_535);
    assert.ok(read <= 65_537, `read ${read} of 200,000`);
    // A 3 MB byte buffer: an array of its first bytes, not an object of three million keys.
    const bytes = JSON.parse(toAttributeValue(new Uint8Array(3_000_000).fill(7)) as string);
    assert.ok(Array.isArray(bytes));
    assert.equal(bytes.length, 65_535);
    assert.equal(bytes[0], 7);
    const map = new Map(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    const fromMap = JSON.parse(toAttributeValue(map) as string) as Record<string, number>;
    assert.ok(Object.keys(fromMap).length <= 65_536);
    assert.equal(fromMap.k0, 0);
  });
});
