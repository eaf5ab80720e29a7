// A series' `count` is dreadnode's count(): every value logged to it, as `sum`, `mean`,
// `aggregate("count")` and `toMetric` count them, also past the 10,000 points a series stores.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_POINTS_PER_SERIES } from "../../src/task/metrics.ts";
import { MetricSeries, taskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("task: metric series count", () => {
  it("counts every point logged past the stored ones, so sum / count is the mean", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("train");
      const logged = MAX_POINTS_PER_SERIES + 2500;
      for (let i = 0; i < logged; i++) t.logMetric("loss", i % 2 === 0 ? 1 : 3, { step: i });
      const loss = t.metrics.loss;
      assert.equal(loss.count, logged);
      assert.equal(loss.points.length, MAX_POINTS_PER_SERIES, "the stored points");
      assert.equal(loss.count, loss.aggregate("count"));
      assert.equal(loss.count, loss.toMetric("count")!.value);
      assert.equal(loss.sum / loss.count, loss.mean);
      assert.equal(loss.mean, 2);
      t.end();
    });
  });

  it("does not count rejected points", async () => {
    await withTaskEnv(() => {
      const series = new MetricSeries();
      series.add({ value: 1, step: 0, timestamp: 0, attributes: {} }, undefined, "s");
      series.add({ value: NaN, step: 1, timestamp: 0, attributes: {} }, undefined, "s");
      assert.equal(series.count, 1);
      assert.equal(new MetricSeries().count, 0);
    });
  });
});
