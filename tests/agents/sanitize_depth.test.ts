// sanitizeForBackend (what BackendSpanExporter posts to the OpenAI traces endpoint) on deep input:
// it measured the whole subtree again at every level (each subtree once by its parent and once
// more by itself), so a 2 MB tool input nested 60 levels deep took seconds. It now measures each
// value once, and its output is the same as before, byte for byte: the cases below pin it at the
// 100 kB boundary, for multi-byte characters, emoji, lone surrogates and values JSON writes
// otherwise than their keys (Date, boxed primitives) or not at all.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sanitizeForBackend } from "../../src/agents/_sanitize.ts";

const SUFFIX = "... [truncated]";
const LIMIT = 100_000;

/** The `input` the backend gets for a function span whose input is `input`. */
function sanitized(input: unknown, limit = LIMIT): unknown {
  const record = { object: "trace.span", id: "s", span_data: { type: "function", input } };
  const out = sanitizeForBackend(record, limit) as { span_data: { input: unknown } };
  return out.span_data.input;
}

/** UTF-8 bytes of the compact JSON of `value`. */
const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** `leaf` under `depth` objects `{ "a": … }`. */
function nest(leaf: unknown, depth: number): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe("sanitizeForBackend on deep input", () => {
  it("reads a deep value a bounded number of times, whatever its depth", () => {
    for (const depth of [2, 60]) {
      let reads = 0;
      const doc = "x".repeat(300_000);
      const leaf = {
        get doc() {
          reads++;
          return doc;
        },
      };
      const out = sanitized(nest(leaf, depth));
      // Each level's `{"a":` and `}`, then `{"doc":`, the quotes and `}` around the cut text.
      const kept = LIMIT - 6 * depth - 10 - SUFFIX.length;
      assert.deepEqual(out, nest({ doc: "x".repeat(kept) + SUFFIX }, depth));
      assert.equal(jsonBytes(out), LIMIT);
      assert.ok(reads <= 3, `depth ${depth}: the deep value was read ${reads} times`);
    }
  });

  it("keeps a value of exactly the limit and cuts one byte more", () => {
    for (const depth of [0, 1, 63, 64, 70]) {
      const fits = "é".repeat((LIMIT - 6 * depth - 2) / 2);
      assert.deepEqual(sanitized(nest(fits, depth)), nest(fits, depth), `depth ${depth}`);
      const over = nest("a" + fits, depth);
      const out = sanitized(over);
      // What is too large 64 levels deep is left out if not a string (a string is still cut).
      if (depth > 64) assert.deepEqual(out, nest({}, 63));
      else {
        const kept = Math.floor((LIMIT - 6 * depth - 2 - SUFFIX.length - 1) / 2);
        assert.deepEqual(out, nest("a" + "é".repeat(kept) + SUFFIX, depth), `depth ${depth}`);
      }
    }
  });

  it("never cuts an emoji in half, and counts a lone surrogate as its 6-byte escape", () => {
    // `{"text":"` and `"}` around the text.
    const emoji = sanitized({ text: "😀".repeat(30_000) }) as { text: string };
    assert.equal(emoji.text, "😀".repeat(Math.floor((LIMIT - 11 - SUFFIX.length) / 4)) + SUFFIX);
    const lone = sanitized(nest({ text: "\udc00".repeat(20_000) }, 5));
    const kept = Math.floor((LIMIT - 6 * 5 - 11 - SUFFIX.length) / 6); // JSON writes `\udc00`
    assert.deepEqual(lone, nest({ text: "\udc00".repeat(kept) + SUFFIX }, 5));
    // A lone high surrogate is not kept last: it would read as the first half of a pair.
    const high = sanitized(nest({ text: "\ud800".repeat(20_000) }, 5));
    assert.deepEqual(high, nest({ text: "\ud800".repeat(kept - 1) + SUFFIX }, 5));
  });

  it("measures Date, boxed primitives and toJSON as JSON writes them", () => {
    const value = {
      when: new Date(0),
      n: new Number(5),
      s: new String("é"),
      custom: { toJSON: () => "ü" },
      t: "x".repeat(100),
    };
    const exact = jsonBytes(value);
    assert.equal(sanitized(value, exact), value, "fits exactly");
    assert.deepEqual(JSON.parse(JSON.stringify(sanitized(value, exact - 1))), {
      when: "1970-01-01T00:00:00.000Z",
      n: 5,
      s: "é",
      custom: "ü",
      t: "x".repeat(100 - 1 - SUFFIX.length) + SUFFIX,
    });
  });

  it("replaces values without JSON deep inside as before", () => {
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    const value = {
      doc: "x".repeat(300),
      loop,
      n: 10n,
      f: () => 1,
      sym: Symbol("s"),
      list: [undefined, () => 1, 2n],
    };
    assert.equal(
      JSON.stringify(sanitized(value, 200)),
      JSON.stringify({
        n: { truncated: true, original_type: "bigint", preview: "10" },
        sym: { truncated: true, original_type: "symbol", preview: "Symbol(s)" },
        list: [null, null, { truncated: true, preview: "2" }],
      }),
    );
    const deep = sanitized(nest(value, 30), 380);
    assert.equal(jsonBytes(deep), 380);
    assert.equal(
      JSON.stringify(deep),
      JSON.stringify(nest({
        doc: "x".repeat(50 - SUFFIX.length) + SUFFIX,
        n: { truncated: true, preview: "10" },
        sym: { truncated: true, original_type: "symbol" },
        list: [null, null, { truncated: true, preview: "2" }],
      }, 30)),
    );
  });

  it("fits an object with several references back to an ancestor in bounded time", () => {
    // Each reference used to be fitted on its own at each of the 64 levels: 2^64 fits.
    const node: Record<string, unknown> = { name: "node" };
    node.parent = node;
    node.root = node;
    node.self = node;
    const out = sanitized({ node });
    assert.ok(jsonBytes(out) <= LIMIT);
    assert.equal((out as { node: { name: string } }).node.name, "node");
  });
});
