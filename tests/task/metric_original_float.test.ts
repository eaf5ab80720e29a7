// With a log-time aggregation dreadnode keeps float(value) in attributes["original"], as in the
// value: `112.0`, not `112`. The metric budget counts the float form written.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_METRIC_CHARS_PER_TASK } from "../../src/task/metrics.ts";
import { taskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("task: a log-time aggregation's original value", () => {
  it("is written as a Python float, BigInts included", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t");
      t.logMetric("latency_ms", 112, { aggregation: "avg", attributes: { meta: { original: 5 } } });
      t.logMetric("tokens", 7n, { aggregation: "sum" });
      t.logMetric("big", 2n ** 64n, { aggregation: "max" });
      t.logMetric("calls", 0, { aggregation: "count" });
      t.logMetric("plain", 3, { attributes: { original: 3 } }); // the caller's own attribute
      t.end();
      const [line] = await env.runLines(t.runId);
      const text = (line.attributes["dreadnode.metrics"] as string).replace(
        /"timestamps":\[[^\]]*\],/g,
        "",
      );
      assert.equal(
        text,
        '{"latency_ms":{"values":[112.0],"steps":[0],"attributes":[{"meta":{"original":5},' +
          '"original":112.0,"aggregation":"avg"}]},' +
          '"tokens":{"values":[7.0],"steps":[0],"attributes":[{"original":7.0,"aggregation":"sum"}]},' +
          '"big":{"values":[1.8446744073709552e+19],"steps":[0],' +
          '"attributes":[{"original":1.8446744073709552e+19,"aggregation":"max"}]},' +
          '"calls":{"values":[1],"steps":[0],"attributes":[{"original":0.0,"aggregation":"count"}]},' +
          '"plain":{"values":[3.0],"steps":[0],"attributes":[{"original":3}]}}',
      );
    });
  });

  it("takes the characters of its float form from the task's metric budget", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("budget");
      const attributes = { note: "n".repeat(1000) };
      for (let i = 0; t.droppedCounts.metricPoints === 0; i++) {
        t.logMetric(`m${i % 4}`, i, { step: i, aggregation: "sum", attributes });
      }
      const state = t.stateAttributes()["dreadnode.metrics"] as string;
      assert.ok(state.length <= MAX_METRIC_CHARS_PER_TASK, `${state.length} characters`);
      assert.ok(state.length > MAX_METRIC_CHARS_PER_TASK - 2000, "the budget is used");
      assert.deepEqual(env.codes(), ["metric_budget_full"]);
      t.end();
    });
  });
});
