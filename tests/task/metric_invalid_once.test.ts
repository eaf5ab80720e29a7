import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_INVALID_METRIC_NAMES } from "../../src/task/_metric_invalid.ts";
import { logMetric, MetricSeries, run, taskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

const invalid = (codes: string[]) => codes.filter((c) => c === "metric_invalid").length;

describe("invalid metric points", () => {
  it("reports a metric's invalid points once and counts every one", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("train");
      for (let step = 0; step < 1000; step++) t.logMetric("loss", NaN, { step });
      assert.equal(invalid(env.codes()), 1, "one line, not one per step");
      t.logMetric("acc", Infinity);
      assert.equal(invalid(env.codes()), 2, "another metric name is reported on its own");
      t.logMetric("total", 1.7e308, { aggregation: "sum" });
      t.logMetric("total", 1.7e308, { aggregation: "sum" }); // the running sum would overflow
      t.logMetric("total", 1.7e308, { aggregation: "sum" });
      assert.equal(invalid(env.codes()), 3);
      assert.equal(t.droppedCounts.metricInvalid, 1000 + 1 + 2);
      assert.equal(t.droppedCounts.metricPoints, 0, "rejections are not cap drops");
      assert.deepEqual(t.metrics.total.values, [1.7e308]);
      t.end();
    });
  });

  it("reports once per stored name: cleaned and prefixed, as the series is kept", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("named");
      t.logMetric("loss", NaN, { prefix: "train" });
      t.logMetric("loss", NaN, { prefix: "eval" });
      assert.equal(invalid(env.codes()), 2, "train.loss and eval.loss are two metrics");
      t.logMetric("My Acc", NaN);
      t.logMetric("my_acc", 1e308, { aggregation: "sum" });
      t.logMetric("My Acc", 1e308, { aggregation: "sum" }); // overflows the stored my_acc
      assert.equal(invalid(env.codes()), 3, "My Acc is stored as my_acc: one report");
      assert.equal(t.droppedCounts.metricInvalid, 4);
      t.end();
    });
  });

  it("warns once per name that cleans to nothing: such names share one series", async () => {
    // A user with Japanese metric names got one merged series and no word (dreadnode's
    // clean_str keeps only a-z 0-9 / @ .; the stored name is kept for parity).
    await withTaskEnv((env) => {
      const t = taskSpan("ja");
      t.logMetric("正解率", 0.9);
      t.logMetric("正解率", 0.8);
      t.logMetric("損失", 0.1);
      t.logMetric("正解率", 0.7, { prefix: "eval" });
      t.logMetric("accuracy", 1);
      const empty = env.codes().filter((c) => c === "metric_name_empty");
      assert.equal(empty.length, 2, "one warning per name, none for a Latin name");
      assert.deepEqual(Object.keys(t.metrics).sort(), ["", "accuracy", "eval."]);
      t.end();
    });
  });

  it("counts the invalid points logged through the module helpers", async () => {
    await withTaskEnv((env) => {
      const counts = run("r", {}, (r) => {
        for (let step = 0; step < 500; step++) logMetric("loss", NaN, { step });
        logMetric("loss", 0.5, { step: 500 });
        return r.droppedCounts;
      });
      assert.equal(counts.metricInvalid, 500);
      assert.equal(invalid(env.codes()), 1);
    });
  });

  it("counts the points a standalone series rejects", async () => {
    await withTaskEnv((env) => {
      const series = new MetricSeries();
      for (let i = 0; i < 10; i++) {
        series.add({ value: NaN, step: i, timestamp: 0, attributes: {} }, undefined, "s");
      }
      series.add({ value: 1, step: 10, timestamp: 0, attributes: {} }, undefined, "s");
      assert.equal(series.rejected, 10);
      assert.equal(series.count, 1);
      assert.equal(invalid(env.codes()), 1);
    });
  });

  it("reports invalid points of many names one name at a time only up to a bound", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("sweep");
      const names = MAX_INVALID_METRIC_NAMES + 50;
      for (let i = 0; i < names; i++) {
        for (let step = 0; step < 3; step++) t.logMetric(`loss_${i}`, NaN, { step });
      }
      // Names reported earlier in this process count toward the bound too.
      assert.ok(invalid(env.codes()) <= MAX_INVALID_METRIC_NAMES + 1, `${invalid(env.codes())}`);
      const shared = env.diagnostics.filter((d) => d.message.includes("metric names are counted"));
      assert.equal(shared.length, 1, "the names past the bound share one report");
      assert.equal(t.droppedCounts.metricInvalid, names * 3);
      t.end();
    });
  });
});
