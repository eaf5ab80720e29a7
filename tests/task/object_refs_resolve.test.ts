// Past the object store's cap (MAX_OBJECTS_PER_TASK), a new value is hashed but not stored: an
// input or output of it is dropped and a metric point keeps no origin, so every hash a task
// exports names an object in its `dreadnode.objects`. A value stored before is referenced still.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_OBJECTS_PER_TASK } from "../../src/task/objects.ts";
import type { ObjectRef } from "../../src/task/objects.ts";
import { taskSpan } from "../../src/task/mod.ts";
import type { MetricSeriesJson } from "../../src/task/mod.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

const ORIGIN = "dreadnode.origin.hash";

describe("task: references past the object store's cap", () => {
  it("drops an input or output whose value cannot be stored, and counts it", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("full");
      const first = t.logInput("first", { id: "first" });
      for (let i = 1; i < MAX_OBJECTS_PER_TASK; i++) t.logObject(i);
      assert.deepEqual(env.codes(), []);
      assert.equal(t.logInput("late", { id: "late in" }), "");
      assert.equal(t.logOutput("late", { id: "late out" }), "");
      assert.equal(t.logOutput("again", { id: "first" }), first, "a stored value is referenced");
      assert.deepEqual(Object.keys(t.inputs), ["first"]);
      assert.deepEqual(t.outputs, { again: { id: "first" } });
      const counts = t.droppedCounts;
      assert.deepEqual([counts.inputs, counts.outputs, counts.objects], [1, 1, 2]);
      assert.deepEqual(env.codes(), ["task_objects_full"]);
      t.end();
      const [line] = await env.runLines(t.runId);
      const objects = jsonAttr<Record<string, unknown>>(line, "dreadnode.objects");
      assert.equal(Object.keys(objects).length, MAX_OBJECTS_PER_TASK);
      const refs = [
        ...jsonAttr<ObjectRef[]>(line, "dreadnode.inputs"),
        ...jsonAttr<ObjectRef[]>(line, "dreadnode.outputs"),
      ];
      assert.deepEqual(refs.map((r) => r.name), ["first", "again"]);
      for (const ref of refs) assert.ok(ref.hash in objects, `${ref.name} resolves`);
    });
  });

  it("keeps a metric point whose origin cannot be stored, without an origin hash", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("origins");
      const stored = t.logObject({ id: "stored" });
      for (let i = 1; i < MAX_OBJECTS_PER_TASK; i++) t.logObject(i);
      const late = t.logMetric("score", 0.5, { origin: { id: "late" }, attributes: { k: "v" } });
      assert.equal(late?.value, 0.5, "the point is kept");
      assert.deepEqual(late?.attributes, { k: "v" }, "without an origin hash");
      const again = t.logMetric("score", 0.75, { origin: { id: "stored" } });
      assert.equal(again?.attributes[ORIGIN], stored, "a stored origin is referenced");
      assert.equal(t.droppedCounts.objects, 1);
      assert.deepEqual(env.codes(), ["task_objects_full"]);
      t.end();
      const [line] = await env.runLines(t.runId);
      const objects = jsonAttr<Record<string, unknown>>(line, "dreadnode.objects");
      const score = jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics").score;
      assert.deepEqual(score.values, [0.5, 0.75]);
      assert.deepEqual(score.attributes, [{ k: "v" }, { [ORIGIN]: stored }]);
      assert.ok(stored in objects);
    });
  });
});
