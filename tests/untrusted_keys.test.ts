// Keys that come from outside (parsed JSON, tool arguments, environment variables, headers) are
// data, whatever their name. `__proto__` is the one that plain assignment mishandles: it would call
// the prototype setter, losing the value or swapping the map's prototype (whose enumerable
// properties then appear in every `for…in`, i.e. in every exported attribute list).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  encodeTracesJson,
  parseResourceAttributes,
  RedactionPolicy,
  serialize,
  Tracer,
} from "../mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";

const parsed = (text: string) => JSON.parse(text) as Record<string, unknown>;

function tracer(attributeCountLimit = 128) {
  const collector = new CollectingProcessor();
  return {
    collector,
    tracer: new Tracer({ processors: [collector], limits: { attributeCountLimit } }),
  };
}

describe("untrusted attribute keys", () => {
  it("keeps a __proto__ key as data in span, event and link attributes", () => {
    const { tracer: t, collector } = tracer();
    const linked = t.startSpan("linked");
    linked.end();
    const span = t.startSpan("s", {
      attributes: parsed('{"__proto__": ["a", "b"], "k": 1}'),
      links: [{ context: linked.spanContext(), attributes: parsed('{"__proto__": "l"}') }],
    });
    span.addEvent("e", parsed('{"__proto__": "x"}'));
    span.setAttributes(parsed('{"__proto__": ["c"], "toString": "t"}'));
    span.setAttribute("constructor", "c");
    span.end();
    const record = collector.byName("s");
    assert.equal(Object.getPrototypeOf(record.attributes), Object.prototype);
    assert.deepEqual(Object.keys(record.attributes), ["__proto__", "k", "toString", "constructor"]);
    assert.deepEqual(Object.getOwnPropertyDescriptor(record.attributes, "__proto__")?.value, ["c"]);
    assert.equal(
      Object.getOwnPropertyDescriptor(record.events[0].attributes, "__proto__")?.value,
      "x",
    );
    assert.equal(
      Object.getOwnPropertyDescriptor(record.links[0].attributes, "__proto__")?.value,
      "l",
    );
  });

  it("exports exactly the given keys (nothing inherited from a swapped prototype)", () => {
    const { tracer: t, collector } = tracer();
    t.startSpan("s", { attributes: parsed('{"__proto__": ["a", "b"], "k": 1}') }).end();
    const doc = JSON.parse(new TextDecoder().decode(encodeTracesJson(collector.ended)));
    const keys = doc.resourceSpans[0].scopeSpans[0].spans[0].attributes.map(
      (kv: { key: string }) => kv.key,
    );
    assert.deepEqual(keys, ["__proto__", "k"]);
  });

  it("counts names of Object.prototype members against the attribute limit like any new key", () => {
    const { tracer: t, collector } = tracer(2);
    const span = t.startSpan("s", { attributes: { a: 1, b: 2 } });
    span.setAttribute("toString", "t");
    span.setAttributes({ constructor: "c", hasOwnProperty: "h" });
    span.end();
    const record = collector.byName("s");
    assert.deepEqual(Object.keys(record.attributes), ["a", "b"]);
    assert.equal(record.droppedAttributesCount, 3);
  });
});

describe("untrusted keys elsewhere", () => {
  it("serialize() keeps a __proto__ member of logged data", () => {
    const { value } = serialize(parsed('{"__proto__": {"nested": 1}, "k": 2}'));
    assert.equal(JSON.stringify(value), '{"__proto__":{"nested":1},"k":2}');
  });

  it("OTEL_RESOURCE_ATTRIBUTES and header redaction keep a __proto__ entry", () => {
    const attributes = parseResourceAttributes("__proto__=x,service.name=svc");
    assert.equal(Object.getOwnPropertyDescriptor(attributes, "__proto__")?.value, "x");
    const headers = new RedactionPolicy().redactHeaders([["__proto__", "v"], ["__proto__", "w"]]);
    assert.equal(Object.getOwnPropertyDescriptor(headers, "__proto__")?.value, "v, w");
  });
});
