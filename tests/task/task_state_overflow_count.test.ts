// A task whose span has no room left for its state under the attribute count limit writes the
// state on a `<task>.update` span. Those state attributes are not lost, so the task span's
// `droppedAttributesCount` (OTLP's `droppedAttributesCount`) must not count them: it counted the
// relocated state too (16 reported for 8 attributes really dropped).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { taskSpan } from "../../src/task/mod.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

/** The caller's own attributes (`u<i>`) a task's span kept. */
const kept = (attributes: Readonly<Record<string, unknown>>) =>
  Object.keys(attributes).filter((key) => /^u\d+$/.test(key)).length;

describe("a task's state relocated to its update span", () => {
  it("is not counted as dropped: only the caller's attributes past the limit are", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t");
      for (let i = 0; i < 130; i++) t.setAttribute(`u${i}`, i);
      t.logInput("important", "data");
      t.logMetric("acc", 0.9);
      t.logParam("lr", 0.1);
      t.end();
      const lines = await env.runLines(t.runId);
      const update = byName(lines, "t.update");
      assert.deepEqual(jsonAttr(update, "dreadnode.params"), { lr: 0.1 });
      assert.deepEqual(Object.keys(jsonAttr(update, "dreadnode.metrics")), ["acc"]);
      const lost = 130 - kept(t.span.attributes);
      assert.ok(lost > 0);
      assert.equal(t.span.droppedAttributesCount, lost, "the 8 state attributes are not lost");
      assert.ok(env.codes().includes("task_state_overflow"));
    });
  });

  it("is not counted when part of the state fits on the task's span", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t");
      // Fill the span to 4 slots below the limit: the state needs 7.
      const free = 128 - Object.keys(t.span.attributes).length - 4;
      for (let i = 0; i < free; i++) t.setAttribute(`u${i}`, i);
      t.logParam("lr", 0.1);
      t.end();
      assert.equal(kept(t.span.attributes), free);
      assert.equal(t.span.droppedAttributesCount, 0, "nothing was lost");
      const update = byName(await env.runLines(t.runId), "t.update");
      assert.deepEqual(jsonAttr(update, "dreadnode.params"), { lr: 0.1 });
      // A task whose state fits writes it on its own span, and counts nothing.
      const fits = taskSpan("fits");
      for (let i = 0; i < 10; i++) fits.setAttribute(`u${i}`, i);
      fits.logParam("lr", 0.1);
      fits.end();
      assert.equal(fits.span.droppedAttributesCount, 0);
      const lines = await env.runLines(fits.runId);
      assert.deepEqual(jsonAttr(byName(lines, "fits"), "dreadnode.params"), { lr: 0.1 });
      assert.equal(lines.some((line) => line.name === "fits.update"), false);
    });
  });

  it("ends with no more attributes than the limit, its tags included", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t", { tags: ["eval"] });
      for (let i = 0; i < 200; i++) t.setAttribute(`u${i}`, i);
      t.end();
      const line = byName(await env.runLines(t.runId), "t");
      assert.equal(Object.keys(t.span.attributes).length, 128);
      assert.deepEqual(t.span.attributes["dreadnode.tags"], ["eval"]);
      assert.equal(t.span.droppedAttributesCount, 200 - kept(t.span.attributes));
      assert.ok(line !== undefined);
    });
  });
});
