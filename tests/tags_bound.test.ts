/**
 * A span keeps at most 256 tags: tags were unbounded and their de-duplication was quadratic (60,000
 * tags in one `tags` option blocked the event loop for 5 s; `tag()` called 20,000 times, 10.5 s).
 * Tags past the bound are dropped and reported once (`tags_dropped`). A list is read only so far:
 * past 4,096 repeated or empty tags too (`new Array(1e8)` took 16 s, an endless iterable of one
 * repeated tag never returned); so are links (an invalid one costs a caught error).
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

  it("stop reading a list of repeated or empty tags, or of links, at a bound", () => {
    const tracer = new Tracer({ processors: [] });
    let read = 0;
    // Ends by itself (a million items) so that a reader without a bound fails rather than hangs.
    function* items<T>(item: T): Generator<T> {
      for (let i = 0; i < 1_000_000; i++, read++) yield item;
    }
    const span = tracer.startSpan("s", { tags: items("same") as never });
    assert.deepEqual(span.tags, ["same"]);
    assert.ok(read <= MAX_TAGS * 16 + 1, `tags read: ${read}`);
    read = 0;
    span.addTags(items("") as never);
    assert.ok(read <= MAX_TAGS * 16 + 1, `empty tags read: ${read}`);
    read = 0;
    const linked = tracer.startSpan("l", { links: items(undefined) as never });
    assert.ok(read <= 4 * tracer.limits.linkCountLimit + 17, `links read: ${read}`);
    assert.equal(linked.links.length, 0);
  });

  it("count the unread rest of a links array as dropped", () => {
    const tracer = new Tracer({ processors: [] });
    const context = { traceId: "1".repeat(32), spanId: "2".repeat(16), traceFlags: 1 };
    const span = tracer.startSpan("s", { links: Array(10_000).fill({ context }) });
    assert.equal(span.links.length, tracer.limits.linkCountLimit);
    assert.equal(span.droppedLinksCount, 10_000 - tracer.limits.linkCountLimit);
  });
});
