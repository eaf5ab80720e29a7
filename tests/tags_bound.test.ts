/**
 * A span keeps at most 256 tags: tags were unbounded and their de-duplication was quadratic (60,000
 * tags in one `tags` option blocked the event loop for 5 s; `tag()` called 20,000 times, 10.5 s).
 * Tags past the bound are dropped and reported once (`tags_dropped`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../mod.ts";
import { MAX_TAGS } from "../src/clean.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { captureDiagnostics, CollectingProcessor } from "./_support/collect.ts";

const many = (n: number, prefix = "t") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("span tags", () => {
  it("keep the first 256 distinct tags of the option and of later additions, reported once", async () => {
    resetReportedOnce();
    const collector = new CollectingProcessor();
    const tracer = new Tracer({ processors: [collector] });
    const { result: span, diagnostics } = await captureDiagnostics(() => {
      const span = tracer.startSpan("s", { tags: many(300) });
      assert.equal(span.tags.length, MAX_TAGS);
      span.addTags(["t0", "new"]); // a duplicate is not a new tag; a new one is past the bound
      for (const tag of many(1000, "x")) span.addTags(tag);
      span.end();
      return span;
    });
    assert.equal(MAX_TAGS, 256);
    assert.deepEqual(span.tags, many(256));
    assert.deepEqual(collector.byName("s").attributes["dreadnode.tags"], many(256), "as exported");
    assert.equal(diagnostics.filter((d) => d.code === "tags_dropped").length, 1);
  });

  it("still de-duplicate and keep the first occurrence below the bound", () => {
    const tracer = new Tracer({ processors: [] });
    const span = tracer.startSpan("s", { tags: ["A", "a", "b", "B", "a"] });
    span.addTags(["c", "b"]);
    assert.deepEqual(span.tags, ["a", "b", "c"]);
    span.setTags(many(400, "y"));
    assert.equal(span.tags.length, 256);
    span.end();
  });
});
