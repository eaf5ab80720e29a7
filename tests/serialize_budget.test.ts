// The serializer's maxBytes budget counts what the JSON text takes, and a byte array past it keeps
// its leading bytes (as a string keeps a prefix), so different buffers hash differently.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectHashes, serialize, serializeToJson } from "../mod.ts";

const utf8 = new TextEncoder();

describe("serialize: byte arrays past the budget", () => {
  it("keep their leading bytes, so two different buffers of one length hash differently", () => {
    // They became `<truncated: Uint8Array of N bytes>`, one hash for all buffers of a length
    // (every checkpoint over ~12 MiB at the default 16 MiB object budget).
    const a = new Uint8Array(3000).fill(1);
    const b = new Uint8Array(3000).fill(2);
    const ha = objectHashes(a, { maxBytes: 1000 });
    const hb = objectHashes(b, { maxBytes: 1000 });
    assert.notEqual(ha.objectHash, hb.objectHash);
    assert.equal(ha.serialized.truncated, true);
    assert.deepEqual(ha.serialized.schema, { type: "string", title: "Uint8Array" });
    const value = ha.serialized.value as string;
    assert.match(value, /^(AQEB)+\.\.\.\[truncated:3000 bytes\]$/);
    assert.ok(value.length >= 400, "about half the room is kept");
    assert.ok(value.length <= 1000 + 30, String(value.length));
    // Within an object, the output stays within about the budget too.
    const nested = serializeToJson({ a, b }, { maxBytes: 1000 });
    assert.ok(nested.length <= 1100, String(nested.length));
  });

  it("leave room for the fields after them, so objects differing only there hash differently", () => {
    // Charging the whole array left no room: every later field became "<truncated>", and
    // `{image, label: "cat"}` and `{image, label: "dog"}` shared one object hash.
    const image = new Uint8Array(3000).fill(7);
    const cat = objectHashes({ image, label: "cat" }, { maxBytes: 1000 });
    const dog = objectHashes({ image, label: "dog" }, { maxBytes: 1000 });
    assert.notEqual(cat.objectHash, dog.objectHash);
    const value = cat.serialized.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(value), ["image", "label"]);
    assert.equal(value.label, "cat");
    assert.match(value.image as string, /^(BwcH)+\.\.\.\[truncated:3000 bytes\]$/);
  });

  it("still write a buffer that fits whole as base64", () => {
    const s = serialize(new Uint8Array([1, 2, 3]), { maxBytes: 6 });
    assert.deepEqual(s, {
      value: "AQID",
      schema: { type: "string", contentEncoding: "base64", title: "Uint8Array" },
      truncated: false,
    });
  });
});

describe("serialize: maxBytes counts the JSON text", () => {
  it("charges non-ASCII characters their escaped length in the hashed (Python) form", () => {
    // A 16 MiB object budget stored 94 MB for 15 Mi "é" (each written as \u00e9).
    const h = objectHashes({ s: "\u00e9".repeat(100_000) }, { maxBytes: 10_000 });
    assert.equal(h.serialized.truncated, true);
    assert.ok(h.bytes !== undefined && h.bytes.length <= 10_100, String(h.bytes?.length));
    const emoji = objectHashes(["\u{1F600}".repeat(50_000)], { maxBytes: 10_000 });
    assert.ok(emoji.bytes!.length <= 10_100, String(emoji.bytes!.length));
    const kept = (emoji.serialized.value as string[])[0];
    assert.match(kept, /^(\u{1F600})+\.\.\.\[truncated:100000\]$/u); // no half of a pair
  });

  it("charges UTF-8 bytes and escapes in the default form", () => {
    const text = serializeToJson(["\u4e2d".repeat(10_000), "\n".repeat(10_000)], {
      maxBytes: 3000,
    });
    assert.ok(utf8.encode(text).length <= 3100, String(utf8.encode(text).length));
    // A short value is untouched.
    assert.equal(serializeToJson({ "\u00e9": '\u00e9\n"' }), '{"\u00e9":"\u00e9\\n\\""}');
  });

  it("charges numbers their printed length", () => {
    const numbers = Array.from({ length: 20_000 }, (_, i) => 1.2345678901234567e-300 * (i + 1));
    const json = serializeToJson(numbers, { maxBytes: 10_000 });
    assert.ok(json.length <= 10_100, String(json.length));
    assert.ok(json.length > 9_000, String(json.length));
  });
});
