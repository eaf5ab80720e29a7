import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serialize, serializeToJson, Tracer } from "../mod.ts";
import type { JsonObject, JsonValue } from "../mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";

function nested(levels: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

function depthOf(value: JsonValue): { depth: number; leaf: JsonValue } {
  let depth = 0;
  let current = value;
  while (typeof current === "object" && current !== null && !Array.isArray(current)) {
    current = (current as JsonObject).next;
    depth++;
  }
  return { depth, leaf: current };
}

describe("serialize: primitives", () => {
  it("passes strings, finite numbers, booleans and null through with the empty schema", () => {
    for (const value of ["text", "", 0, -3, 1.5, true, false, null]) {
      assert.deepEqual(serialize(value), { value, schema: {}, truncated: false });
    }
  });

  it("turns undefined into null", () => {
    assert.deepEqual(serialize(undefined), { value: null, schema: {}, truncated: false });
    assert.deepEqual(serialize([1, undefined]).value, [1, null]);
  });

  it("writes NaN and infinities as strings with a schema that says so", () => {
    assert.deepEqual(serialize([NaN, Infinity, -Infinity]).value, ["NaN", "Infinity", "-Infinity"]);
    assert.deepEqual(serialize(NaN).schema, { type: "string", format: "non-finite-number" });
  });

  it("writes BigInt as a decimal string", () => {
    assert.deepEqual(serialize(12345678901234567890n), {
      value: "12345678901234567890",
      schema: { type: "string", format: "bigint" },
      truncated: false,
    });
  });

  it("writes functions and symbols as descriptive strings", () => {
    function namedFn() {}
    assert.equal(serialize(namedFn).value, "<function namedFn>");
    assert.equal(serialize([() => 1][0]).value, "<function anonymous>");
    assert.equal(serialize(Symbol("desc")).value, "Symbol(desc)");
    assert.equal(serialize(Symbol()).value, "Symbol()");
    assert.deepEqual(serialize(namedFn).schema, { type: "string", title: "function" });
  });
});

describe("serialize: containers", () => {
  it("serializes plain objects; schemas list only non-primitive properties", () => {
    const result = serialize({ a: 1, b: "x", list: [1, 2], skip: undefined, nil: null });
    assert.deepEqual(result.value, { a: 1, b: "x", list: [1, 2], nil: null });
    assert.deepEqual(result.schema, {
      type: "object",
      properties: { list: { type: "array", items: { type: "integer" } } },
    });
    assert.deepEqual(serialize(Object.create(null)).value, {});
  });

  it("derives array item schemas like dreadnode (items / prefixItems)", () => {
    assert.deepEqual(serialize(["a", "b"]).schema, { type: "array", items: { type: "string" } });
    assert.deepEqual(serialize([1.5, 2]).schema, { type: "array" }, "integer and number differ");
    assert.deepEqual(serialize([]).schema, { type: "array" });
    assert.deepEqual(serialize([{ a: [1] }, { a: [2] }, "x"]).schema, {
      type: "array",
      items: { type: "object", properties: { a: { type: "array", items: { type: "integer" } } } },
    });
    assert.deepEqual(serialize([[1], ["x"]]).schema, {
      type: "array",
      prefixItems: [{ type: "array", items: { type: "integer" } }, {
        type: "array",
        items: { type: "string" },
      }],
    });
  });

  it("compares item schemas regardless of key order, as Python compares dicts", () => {
    const items = {
      type: "object",
      properties: {
        a: { type: "array", items: { type: "integer" } },
        b: { type: "array", items: { type: "string" } },
      },
    };
    assert.deepEqual(serialize([{ a: [1], b: ["x"] }, { b: ["y"], a: [2] }]).schema, {
      type: "array",
      items,
    });
    // Nested objects too; arrays stay order-sensitive.
    const schema = serialize([{ p: { a: [1], b: ["x"] } }, { p: { b: ["y"], a: [2] } }]).schema;
    assert.ok("items" in schema && !("prefixItems" in schema));
    assert.ok("prefixItems" in serialize([[[1], ["x"]], [["x"], [1]]]).schema);
  });

  it("serializes Maps with string keys as objects and other Maps as [key, value] pairs", () => {
    assert.deepEqual(serialize(new Map([["a", 1], ["b", 2]])), {
      value: { a: 1, b: 2 },
      schema: { type: "object", title: "Map" },
      truncated: false,
    });
    const pairs = serialize(new Map<unknown, unknown>([[1, "one"], [{ id: 2 }, "two"]]));
    assert.deepEqual(pairs.value, [[1, "one"], [{ id: 2 }, "two"]]);
    assert.equal(pairs.schema.title, "Map");
    assert.equal(pairs.schema.type, "array");
  });

  it("serializes Sets as arrays", () => {
    assert.deepEqual(serialize(new Set(["x", "y"])), {
      value: ["x", "y"],
      schema: { type: "array", title: "Set", items: { type: "string" } },
      truncated: false,
    });
  });

  it("serializes Dates as ISO strings", () => {
    assert.deepEqual(serialize(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678))), {
      value: "2026-01-02T03:04:05.678Z",
      schema: { type: "string", format: "date-time" },
      truncated: false,
    });
    assert.equal(serialize(new Date(NaN)).value, "Invalid Date");
  });

  it("with pythonCompatible, writes Dates and non-finite numbers as dreadnode's Python does", () => {
    const python = { pythonCompatible: true };
    assert.deepEqual(serialize(new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), python), {
      value: "2026-01-02T03:04:05.678000+00:00",
      schema: { type: "string", format: "date-time" },
      truncated: false,
    });
    assert.equal(
      serialize(new Date(Date.UTC(2026, 0, 2)), python).value,
      "2026-01-02T00:00:00+00:00",
    );
    assert.equal(serialize(new Date(NaN), python).value, "Invalid Date");
    const numbers = serialize([NaN, Infinity, -Infinity], python);
    assert.deepEqual(numbers.value, [NaN, Infinity, -Infinity]);
    assert.deepEqual(numbers.schema, { type: "array", items: { type: "number" } });
    assert.deepEqual(serialize({ x: NaN }, python).schema, { type: "object" });
  });

  it("serializes RegExps and boxed primitives by value", () => {
    assert.equal(serialize(/a+b/gi).value, "/a+b/gi");
    assert.equal(serialize(Object("s")).value, "s");
    assert.equal(serialize(Object(4)).value, 4);
  });
});

describe("serialize: class instances and errors", () => {
  it("uses toJSON when a class has one, titled with the class name", () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON() {
        return `$${(this.cents / 100).toFixed(2)}`;
      }
    }
    assert.deepEqual(serialize(new Money(1234)), {
      value: "$12.34",
      schema: { type: "string", title: "Money" },
      truncated: false,
    });
    assert.equal(
      serialize(new URL("https://example.com/a?b=1")).value,
      "https://example.com/a?b=1",
    );
  });

  it("serializes other class instances as their own enumerable properties with a title", () => {
    class Point {
      constructor(readonly x: number, readonly y: number) {}
      get norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    assert.deepEqual(serialize(new Point(3, 4)), {
      value: { x: 3, y: 4 },
      schema: { type: "object", title: "Point" },
      truncated: false,
    });
  });

  it("serializes errors with name, message, stack, own properties and the cause chain", () => {
    const root = new RangeError("root cause");
    const middle = new Error("middle", { cause: root });
    const top = Object.assign(new TypeError("top", { cause: middle }), { code: "E_TOP" });
    const { value, schema } = serialize(top);
    const v = value as JsonObject;
    assert.equal(v.name, "TypeError");
    assert.equal(v.message, "top");
    assert.equal(typeof v.stack, "string");
    assert.equal(v.code, "E_TOP");
    const cause = v.cause as JsonObject;
    assert.equal(cause.message, "middle");
    assert.equal((cause.cause as JsonObject).name, "RangeError");
    assert.equal((cause.cause as JsonObject).message, "root cause");
    assert.equal(schema.title, "TypeError");
    assert.deepEqual(Object.keys(serialize(top, { includeStack: false }).value as JsonObject), [
      "name",
      "message",
      "cause",
      "code",
    ]);
  });

  it("includes the errors of an AggregateError and non-Error causes", () => {
    const aggregate = new AggregateError([new Error("a"), new Error("b")], "both", {
      cause: "why",
    });
    const v = serialize(aggregate, { includeStack: false }).value as JsonObject;
    assert.equal(v.cause, "why");
    assert.deepEqual((v.errors as JsonObject[]).map((e) => e.message), ["a", "b"]);
  });
});

describe("serialize: binary data", () => {
  it("writes typed arrays as base64 titled with their type", () => {
    assert.deepEqual(serialize(new Uint8Array([104, 105, 255])), {
      value: "aGn/",
      schema: { type: "string", contentEncoding: "base64", title: "Uint8Array" },
      truncated: false,
    });
    assert.equal(serialize(new Uint8Array([1])).value, "AQ==");
    assert.equal(serialize(new Uint8Array([1, 2])).value, "AQI=");
    assert.equal(serialize(new Uint8Array()).value, "");
    const floats = serialize(new Float32Array([1]));
    assert.equal(floats.value, "AACAPw==", "raw little-endian bytes of 1.0f");
    assert.equal(floats.schema.title, "Float32Array");
  });

  it("writes only the viewed bytes of subarrays, DataViews and whole ArrayBuffers", () => {
    const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]);
    assert.equal(serialize(bytes.subarray(1, 4)).value, "AQID");
    const view = serialize(new DataView(bytes.buffer, 1, 3));
    assert.equal(view.value, "AQID");
    assert.equal(view.schema.title, "DataView");
    const buffer = serialize(bytes.buffer);
    assert.equal(buffer.value, "AAECAwQF");
    assert.equal(buffer.schema.title, "ArrayBuffer");
  });
});

describe("serialize: hostile input never throws", () => {
  it("marks cycles, but serializes shared (non-cyclic) references in full", () => {
    const a: Record<string, unknown> = { name: "a" };
    const b: Record<string, unknown> = { name: "b", a };
    a.b = b;
    a.self = a;
    assert.deepEqual(serialize(a).value, {
      name: "a",
      b: { name: "b", a: "<circular reference>" },
      self: "<circular reference>",
    });
    const list: unknown[] = [1];
    list.push(list);
    assert.deepEqual(serialize(list).value, [1, "<circular reference>"]);
    const shared = { x: 1 };
    assert.deepEqual(serialize([shared, shared]).value, [{ x: 1 }, { x: 1 }]);
  });

  it("replaces a throwing getter by an error string for that property only", () => {
    const obj = { ok: 1 };
    Object.defineProperty(obj, "bad", {
      enumerable: true,
      get() {
        throw new Error("secret getter failed");
      },
    });
    assert.deepEqual(serialize(obj).value, { ok: 1, bad: "<error: secret getter failed>" });
  });

  it("survives throwing toJSON, hostile proxies and revoked proxies", () => {
    const throwingToJson = {
      toJSON: () => {
        throw new Error("no json");
      },
    };
    assert.equal(serialize(throwingToJson).value, "<error: no json>");
    const proxy = new Proxy({}, {
      ownKeys() {
        throw new Error("no keys");
      },
    });
    assert.deepEqual(serialize({ p: proxy }).value, { p: "<error: no keys>" });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const result = serialize([revoked]);
    assert.equal(typeof (result.value as JsonValue[])[0], "string");
  });

  it("bounds toJSON results that keep producing new objects", () => {
    class Endless {
      toJSON(): unknown {
        return new Endless();
      }
    }
    const result = serialize(new Endless(), { maxDepth: 5 });
    assert.equal(result.value, "<max depth exceeded>");
    assert.equal(result.truncated, true);
  });
});

describe("serialize: limits", () => {
  it("replaces containers deeper than maxDepth (default 32) with a marker", () => {
    const deep = serialize(nested(40));
    const { depth, leaf } = depthOf(deep.value);
    assert.equal(depth, 32);
    assert.equal(leaf, "<max depth exceeded>");
    assert.equal(deep.truncated, true);

    const shallow = serialize({ a: { b: { c: 1 } }, top: 1 }, { maxDepth: 2 });
    assert.deepEqual(shallow.value, { a: { b: "<max depth exceeded>" }, top: 1 });
    assert.equal(serialize(nested(32)).truncated, false);
  });

  it("stops expanding once the maxBytes budget is spent and flags the result", () => {
    const items = Array.from({ length: 1000 }, (_, i) => `item-${i}`);
    const result = serialize(items, { maxBytes: 200 });
    const out = result.value as string[];
    assert.equal(result.truncated, true);
    assert.ok(out.length < 100);
    assert.match(out[out.length - 1], /^<truncated: \d+ more items>$/);
    assert.ok(JSON.stringify(out).length < 400);

    const obj = Object.fromEntries(items.map((k) => [k, k]));
    const cut = serialize(obj, { maxBytes: 200 }).value as JsonObject;
    assert.match(String(cut["<truncated>"]), /^\d+ more properties$/);
  });

  it("cuts a single huge string and huge binary data to fit the budget", () => {
    const big = serialize("x".repeat(5000), { maxBytes: 100 });
    assert.equal(big.truncated, true);
    assert.match(big.value as string, /^x+\.\.\.\[truncated:5000\]$/);
    assert.ok((big.value as string).length < 150);
    const bytes = serialize(new Uint8Array(10_000), { maxBytes: 1000 });
    assert.equal(bytes.truncated, true);
    // Half the room is kept (the fields after a cut array get the other half).
    assert.match(bytes.value as string, /^A{496}\.\.\.\[truncated:10000 bytes\]$/);
  });

  it("applies maxStringLength only when asked", () => {
    const long = "y".repeat(3000);
    assert.equal(serialize(long).value, long);
    assert.equal(serialize(long, { maxStringLength: 10 }).value, "yyyyyyyyyy...[truncated:3000]");
  });

  it("keeps 1 MiB of output by default", () => {
    const chunk = "z".repeat(1000);
    const result = serialize(Array.from({ length: 2000 }, () => chunk));
    assert.equal(result.truncated, true);
    const length = JSON.stringify(result.value).length;
    assert.ok(length > 1_000_000 && length < 1_100_000, String(length));
  });
});

describe("serializeToJson", () => {
  it("gives compact JSON equal to JSON.stringify for plain JSON data", () => {
    const data = { a: 1, nested: [1, "x", { b: null }], t: true, s: "é\n" };
    assert.equal(serializeToJson(data), JSON.stringify(data));
  });

  it("handles values JSON.stringify cannot", () => {
    const cyclic: Record<string, unknown> = { n: 1n, m: new Map([["k", new Set([1])]]) };
    cyclic.me = cyclic;
    assert.equal(serializeToJson(cyclic), '{"n":"1","m":{"k":[1]},"me":"<circular reference>"}');
    assert.equal(serializeToJson(undefined), "null");
  });

  it("agrees with the compact JSON of span attributes on maps, bigints and error causes", () => {
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    tracer.withSpan("s", (span) => {
      span.setAttribute("map", new Map([["a", 2n]]));
      span.setAttribute("err", new Error("bad", { cause: "x" }));
    });
    const attrs = collector.byName("s").attributes;
    assert.equal(attrs.map, '{"a":"2"}');
    assert.equal(attrs.map, serializeToJson(new Map([["a", 2n]])));
    const err = JSON.parse(attrs.err as string);
    assert.equal(err.message, "bad");
    assert.equal(err.cause, "x");
  });
});
