// A caller's own dreadnode.type and dreadnode.label win over the span's built-in ones, as in
// dreadnode (which sets the caller's attributes after its built-ins at start, and re-sets only
// dreadnode.tags at exit). end() used to write the built-in type and label again, over the
// caller's. A span that becomes described after its start (setTags, addTags) still gets them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../mod.ts";
import { CollectingProcessor } from "./_support/collect.ts";

function setup() {
  const collector = new CollectingProcessor();
  const tracer = new Tracer({ processors: [collector] });
  return { tracer, collector };
}

describe("Span end() and a caller's dreadnode.type / dreadnode.label", () => {
  it("keeps the ones given in the start attributes", () => {
    const { tracer, collector } = setup();
    tracer.startSpan("s", {
      type: "task",
      label: "built_in",
      tags: ["a"],
      attributes: { "dreadnode.type": "agent", "dreadnode.label": "custom" },
    }).end();
    const attrs = collector.byName("s").attributes;
    assert.equal(attrs["dreadnode.type"], "agent");
    assert.equal(attrs["dreadnode.label"], "custom");
    assert.deepEqual(attrs["dreadnode.tags"], ["a"]);
  });

  it("keeps the ones set with setAttribute after the start", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("s", { type: "tool", label: "x" });
    span.setAttribute("dreadnode.type", "generation");
    span.setAttribute("dreadnode.label", "renamed");
    span.end();
    const attrs = collector.byName("s").attributes;
    assert.equal(attrs["dreadnode.type"], "generation");
    assert.equal(attrs["dreadnode.label"], "renamed");
    assert.equal(span.type, "tool", "the span's own type is unchanged");
  });

  it("writes the built-in ones for a span described only after its start", () => {
    const { tracer, collector } = setup();
    tracer.startSpan("plain").setTags(["late"]).end();
    const plain = collector.byName("plain").attributes;
    assert.equal(plain["dreadnode.type"], "span");
    assert.equal(plain["dreadnode.label"], "");
    assert.deepEqual(plain["dreadnode.tags"], ["late"]);

    const own = tracer.startSpan("own", { attributes: { "dreadnode.label": "mine" } });
    own.addTags("late").end();
    const attrs = collector.byName("own").attributes;
    assert.equal(attrs["dreadnode.type"], "span");
    assert.equal(attrs["dreadnode.label"], "mine");
  });

  it("still writes the span's tags at the end, over a caller's dreadnode.tags", () => {
    const { tracer, collector } = setup();
    const span = tracer.startSpan("s", { tags: ["t"], attributes: { "dreadnode.tags": ["x"] } });
    span.addTags("u");
    span.end();
    assert.deepEqual(collector.byName("s").attributes["dreadnode.tags"], ["t", "u"]);
  });
});
