import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Tracer } from "../../mod.ts";
import { MAX_REFS_PER_TASK } from "../../src/task/_task_data.ts";
import { artifactsLogPath, run, TaskSpan, taskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("task limits", () => {
  it("caps params, inputs and outputs at 10,000 each, counting and reporting what is dropped", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("long-lived");
      for (let i = 0; i <= MAX_REFS_PER_TASK; i++) {
        t.logOutput("status", "ok", { attributes: { i } });
        t.logInput(`in${i}`, "same");
        t.logParam(`p${i}`, i);
      }
      t.logParam("p0", "updated");
      const state = t.stateAttributes();
      assert.equal(JSON.parse(state["dreadnode.outputs"] as string).length, MAX_REFS_PER_TASK);
      assert.equal(JSON.parse(state["dreadnode.inputs"] as string).length, MAX_REFS_PER_TASK);
      assert.equal(Object.keys(t.params).length, MAX_REFS_PER_TASK);
      assert.equal(t.params.p0, "updated", "a known param name still updates");
      assert.equal(t.inputs[`in${MAX_REFS_PER_TASK}`], undefined);
      assert.deepEqual(t.droppedCounts, {
        params: 1,
        inputs: 1,
        outputs: 1,
        objects: 0,
        artifacts: 0,
        metricPoints: 0,
        metricSeries: 0,
        metricInvalid: 0,
      });
      t.end();
    });
  });

  it("caps artifact records on the span at 10,000, still writing every artifacts.jsonl line", async () => {
    await withTaskEnv(async (env) => {
      const bytes = new TextEncoder().encode("x");
      let task: TaskSpan | undefined;
      await run("r", {}, async (r) => {
        task = r;
        for (let i = 0; i <= MAX_REFS_PER_TASK; i += 1000) {
          const n = Math.min(1000, MAX_REFS_PER_TASK + 1 - i);
          await Promise.all(
            Array.from({ length: n }, (_, j) => r.logArtifact(bytes, { name: `a${i + j}` })),
          );
        }
        assert.equal(r.artifacts.length, MAX_REFS_PER_TASK);
        assert.equal(r.droppedCounts.artifacts, 1);
      });
      const full = env.diagnostics.filter((d) => d.code === "task_refs_full");
      assert.equal(full.length, 1);
      assert.match(full[0].message, /artifacts/);
      const [line] = await env.runLines(task!.runId);
      const exported = JSON.parse(line.attributes["dreadnode.artifacts"] as string) as unknown[];
      assert.equal(exported.length, MAX_REFS_PER_TASK);
      const logged = await env.storage.readLines(artifactsLogPath("default", task!.runId));
      assert.equal(logged.length, MAX_REFS_PER_TASK + 1, "every artifacts.jsonl line is written");
    });
  });

  it("reports state attributes cut by the attribute value length limit", async () => {
    await withTaskEnv((env) => {
      const tracer = new Tracer({ limits: { attributeValueLengthLimit: 256 } });
      const t = new TaskSpan({
        span: tracer.startSpan("limited"),
        taskId: "t1",
        runId: "t1",
        project: "default",
        parent: undefined,
        storage: undefined,
        files: undefined,
      });
      for (let i = 0; i < 20; i++) t.logMetric("loss", 1 / (i + 1), { step: i });
      t.logInput("prompt", "short");
      t.end();
      const cut = env.diagnostics.filter((d) => d.code === "task_state_truncated");
      assert.equal(cut.length, 1);
      assert.match(cut[0].message, /dreadnode\.metrics/);
      assert.doesNotMatch(cut[0].message, /dreadnode\.inputs/);
    });
  });
});
