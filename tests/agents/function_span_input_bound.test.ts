// A function span's input and output are kept as text: anything but a string as JSON. A 2 MB byte
// buffer as a tool's input took a second of JSON.stringify (an object of two million keys) inside
// functionSpan(), for text the exporters cut to 2,048 characters: it is encoded as attribute
// values are, at most 65,536 values, a typed array as an array.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { functionSpan } from "../../src/agents/mod.ts";

describe("functionSpan input and output", () => {
  it("encode a large byte buffer as a bounded JSON array, not an object of every byte", () => {
    const span = functionSpan("upload", { input: new Uint8Array(2_000_000).fill(7) });
    const input = JSON.parse(span.spanData.input as string) as number[];
    assert.ok(Array.isArray(input));
    assert.ok(input.length <= 65_536 && input.length > 60_000, `${input.length} values`);
    assert.equal(input[0], 7);
  });

  it("keep plain JSON data as JSON.stringify writes it, cycles marked", () => {
    const data = { q: "weather", n: [1, 2.5, true, null], nested: { a: "b" } };
    assert.equal(functionSpan("f", { input: data }).spanData.input, JSON.stringify(data));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    assert.equal(
      functionSpan("f", { output: cyclic }).spanData.output,
      '{"a":1,"self":"<circular reference>"}',
    );
    assert.equal(functionSpan("f", { input: "raw" }).spanData.input, "raw");
  });
});
