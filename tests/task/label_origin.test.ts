import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type ObjectRef,
  type StoredObject,
  studySpan,
  taskSpan,
  trialSpan,
} from "../../src/task/mod.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

describe("dreadnode fallbacks", () => {
  it("an empty label falls back as dreadnode's `label or name` does", async () => {
    await withTaskEnv(async (env) => {
      const task = taskSpan("Data Prep", { label: "" });
      const trial = trialSpan("abcdefghij", { step: 3, taskName: "clf", label: "" });
      const plain = trialSpan("abcdefghij", { step: 4, label: "" });
      const study = studySpan("Search", { label: "" });
      task.logInput("Prompt Text", "hi", { label: "" });
      task.logOutput("answer", "yo", { label: "" });
      for (const t of [task, trial, plain, study]) t.end();
      assert.deepEqual(
        [task, trial, plain, study].map((t) => t.label),
        ["data_prep", "clf_3", "trial_4", "search"],
      );
      const [line] = await env.runLines(task.runId);
      assert.equal(line.attributes["dreadnode.label"], "data_prep");
      const refs = [
        ...jsonAttr<ObjectRef[]>(line, "dreadnode.inputs"),
        ...jsonAttr<ObjectRef[]>(line, "dreadnode.outputs"),
      ];
      assert.deepEqual(refs.map((r) => r.label), ["prompt_text", "answer"]);
    });
  });

  it("a trial's name keeps whole characters of its id (Python's id[:8])", async () => {
    await withTaskEnv(() => {
      const id = "abcdefg\u{1F600}xyz";
      const trial = trialSpan(id, { step: 0 });
      trial.end();
      assert.equal(trial.name, "trial:abcdefg\u{1F600}");
      const ascii = trialSpan("0123456789", { step: 0 });
      ascii.end();
      assert.equal(ascii.name, "trial:01234567");
    });
  });

  it("a metric origin of null stores no object and no origin hash, as dreadnode skips None", async () => {
    await withTaskEnv(async (env) => {
      const t = await taskSpan("t", async (t) => {
        await Promise.resolve();
        t.logMetric("score", 1, { origin: null });
        t.logMetric("score", 2, { origin: "out" });
        return t;
      });
      const [line] = await env.runLines(t.runId);
      const metrics = jsonAttr<Record<string, { attributes: Record<string, unknown>[] }>>(
        line,
        "dreadnode.metrics",
      );
      const [first, second] = metrics.score.attributes;
      assert.equal(first["dreadnode.origin.hash"], undefined);
      assert.equal(typeof second["dreadnode.origin.hash"], "string");
      const objects = jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects");
      assert.deepEqual(Object.keys(objects), [second["dreadnode.origin.hash"]]);
    });
  });
});
