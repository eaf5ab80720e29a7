// The truncation marker `...[truncated:<original length>]` states the ORIGINAL length, however
// many times a value is redacted: the task layer cuts long strings before they reach a span, and
// the exporter's redaction cuts strings (also inside JSON-string attributes) again. It used to cut
// a 2051-code-point result once more, so the span said `truncated:2051` for a 3000-character
// value. The serializer's string limit for the events layer cuts with the same marker.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { configure, MemoryStorage, RedactionPolicy, serialize, truncateString } from "../mod.ts";
import { getCurrentTask, logInput, logMetric, logParam, run } from "../src/task/mod.ts";
import { serializeTruncatingStrings } from "../src/serialize/serialize.ts";
import type { JsonValue } from "../src/serialize/types.ts";
import { isolated } from "./_support/global_state.ts";

/** Every `[truncated:<n>]` length in a value, looking inside strings that hold JSON too. */
function markerLengths(value: unknown): number[] {
  if (typeof value === "string") {
    if (/^\s*[[{]/.test(value)) {
      try {
        return markerLengths(JSON.parse(value));
      } catch { /* JSON cut short: read the text itself */ }
    }
    return [...value.matchAll(/\.\.\.\[truncated:(\d+)\]/g)].map((m) => Number(m[1]));
  }
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap((item) => markerLengths(item));
}

describe("truncateString cuts once: its output passes unchanged", () => {
  it("keeps the original length however often it is applied", () => {
    for (const n of [2049, 3000, 10_240, 2_000_000]) {
      const once = truncateString("x".repeat(n));
      assert.equal(once, `${"x".repeat(2032)}...[truncated:${n}]`);
      assert.equal(truncateString(once), once, `a ${n}-character string cut twice`);
      assert.equal(truncateString(truncateString(once)), once);
    }
  });

  it("counts code points in the kept prefix and the marker, also when cutting again", () => {
    const emoji = "\u{1F600}".repeat(3000);
    const once = truncateString(emoji);
    assert.equal(once, `${"\u{1F600}".repeat(2032)}...[truncated:3000]`);
    assert.equal(truncateString(once), once);
  });

  it("is idempotent for any limit, small, fractional or a smaller one than the first cut", () => {
    const text = "y".repeat(500);
    for (const limit of [0, 1, 15, 16, 17, 20, 100, 100.5, 499]) {
      const once = truncateString(text, limit);
      assert.match(once, /\.\.\.\[truncated:500\]$/, `limit ${limit}`);
      assert.equal(truncateString(once, limit), once, `limit ${limit}`);
      // Cut first with this limit, then with a larger one (the prefix fits): unchanged.
      assert.equal(truncateString(once, limit + 10), once, `limit ${limit} then ${limit + 10}`);
    }
  });

  it("cut again with a smaller limit, keeps the length the first marker states", () => {
    const wide = truncateString("z".repeat(10_240), 4096);
    assert.match(wide, /^z{4080}\.\.\.\[truncated:10240\]$/);
    assert.equal(truncateString(wide, 2048), truncateString("z".repeat(10_240), 2048));
  });

  it("cuts text that only resembles a marker by its own length", () => {
    const cases = [
      `${"a".repeat(3000)}...[truncated:5]`, // states less than it keeps
      `${"a".repeat(2040)}...[truncated:0300]`, // a leading zero
      `${"a".repeat(2040)}...[truncated:3000] `, // not at the very end
      `${"a".repeat(2040)}...[truncated:3e3]`,
      `${"a".repeat(2040)}...[truncated:99999999999999999]`, // past a safe integer
    ];
    for (const text of cases) {
      const cut = truncateString(text);
      assert.equal(cut, `${"a".repeat(2032)}...[truncated:${[...text].length}]`, text.slice(-30));
    }
  });
});

describe("redaction applied twice keeps the original length", () => {
  it("in values and in JSON-string attributes such as dreadnode.params", () => {
    const policy = new RedactionPolicy();
    const once = policy.redactValue({ par: "d".repeat(3000), list: ["e".repeat(10_240)] });
    assert.deepEqual(policy.redactValue(once), once);
    const attributes = { "dreadnode.params": JSON.stringify(once), plain: (once as never)["par"] };
    const again = policy.redactAttributes(attributes);
    assert.deepEqual(markerLengths(again["dreadnode.params"]), [3000, 10_240]);
    assert.deepEqual(markerLengths(again.plain), [3000]);
  });
});

describe("task state through the configured pipeline (task-layer cut, then the exporter's)", () => {
  it("says truncated:<original length> for params, inputs, objects and metric attributes", () =>
    isolated(async () => {
      const storage = new MemoryStorage();
      const tracing = configure({ storage, project: "p" });
      let runId = "";
      try {
        await run("r", (r) => {
          runId = getCurrentTask()!.runId;
          r.setAttribute("attr", "a".repeat(3000));
          logInput("inp", "b".repeat(3000));
          logInput("inpobj", { text: "c".repeat(10_240) });
          logParam("par", "d".repeat(3000));
          logParam("big", "e".repeat(10_240));
          logMetric("m", 1, { attributes: { note: "f".repeat(3000) } });
        });
        await tracing.forceFlush();
      } finally {
        await tracing.shutdown();
      }
      const lines = await storage.readLines(["projects", "p", runId, "spans.jsonl"]);
      const attributes = lines.map((l) => JSON.parse(l).attributes as Record<string, unknown>);
      const lengths = attributes.flatMap((a) => markerLengths(a));
      assert.ok(lengths.length >= 6, `markers found: ${lengths}`);
      for (const n of lengths) assert.ok(n === 3000 || n === 10_240, `truncated:${n}`);
      const run0 = attributes.find((a) => a["dreadnode.params"] !== undefined)!;
      assert.deepEqual(markerLengths(run0["dreadnode.params"]).sort(), [10_240, 3000]);
      assert.ok(markerLengths(run0["dreadnode.objects"]).includes(10_240));
    }));
});

describe("serializeTruncatingStrings (the events layer's serializer)", () => {
  it("cuts as redaction does and charges the budget with what is kept", () => {
    const { value } = serializeTruncatingStrings(
      { page: "x".repeat(2_000_000), status: 200, summary: "important" },
      { schema: false },
      2048,
    );
    assert.deepEqual(value, {
      page: `${"x".repeat(2032)}...[truncated:2000000]`,
      status: 200,
      summary: "important",
    });
    const docs = Array.from({ length: 400 }, (_, id) => ({ id, text: "y".repeat(3000) }));
    const out = serializeTruncatingStrings(docs, { schema: false }, 2048).value as JsonValue[];
    assert.equal(out.length, 400);
    assert.deepEqual(out[399], { id: 399, text: `${"y".repeat(2032)}...[truncated:3000]` });
  });

  it("states code points, and redaction leaves its output (also a budget cut) unchanged", () => {
    const policy = new RedactionPolicy();
    const emoji = serializeTruncatingStrings("\u{1F600}".repeat(3000), {}, 2048).value;
    assert.equal(emoji, `${"\u{1F600}".repeat(2032)}...[truncated:3000]`);
    const tight = serializeTruncatingStrings(
      { a: "x".repeat(5000), b: 1 },
      { maxBytes: 100 },
      2048,
    );
    assert.equal(tight.truncated, true);
    assert.match((tight.value as { a: string }).a, /^x{10,100}\.\.\.\[truncated:5000\]$/);
    assert.deepEqual(policy.redactValue(tight.value), tight.value);
    const recut = serializeTruncatingStrings({ a: emoji }, { maxBytes: 100 }, 2048).value;
    assert.match((recut as { a: string }).a, /^(\u{1F600})+\.\.\.\[truncated:3000\]$/u);
  });

  it("without a limit is serialize", () => {
    const value = { s: "z".repeat(5000), n: [1, 2] };
    assert.deepEqual(serializeTruncatingStrings(value, {}, Infinity), serialize(value));
    assert.deepEqual(serializeTruncatingStrings(value, {}, Number.NaN), serialize(value));
  });
});

describe("serialize's maxStringLength", () => {
  it("charges the budget with the kept text, so the items after a cut string stay", () => {
    const { value } = serialize(["y".repeat(3000), "z"], { maxStringLength: 10, maxBytes: 100 });
    assert.deepEqual(value, ["yyyyyyyyyy...[truncated:3000]", "z"]);
  });
});
