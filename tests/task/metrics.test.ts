import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  logMetric,
  logMetrics,
  Metric,
  MetricSeries,
  type MetricSeriesJson,
  run,
  taskSpan,
  toMetricValue,
} from "../../src/task/mod.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

function series(values: number[], mode?: "min" | "max" | "avg" | "sum" | "count"): number[] {
  const s = new MetricSeries();
  for (const v of values) s.add(new Metric(v), mode, "m");
  return s.values;
}

describe("metrics", () => {
  it("reads a step given as a BigInt or digits, and reports one it cannot read", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("steps");
      t.logMetric("m", 1, { step: 12n as unknown as number });
      t.logMetric("m", 2, { step: " 7 " as unknown as number });
      t.logMetric("m", 3, { step: 4 });
      assert.deepEqual(env.codes(), []);
      t.logMetric("m", 4, { step: NaN });
      t.logMetric("m", 5, { step: "three" as unknown as number });
      assert.deepEqual(t.metrics.m.steps, [12, 7, 4, 0, 0]);
      assert.equal(new Metric(1, { step: 9n as unknown as number }).step, 9);
      assert.deepEqual(env.codes(), ["metric_invalid_step"], "reported once");
      t.end();
    });
  });

  it("keeps value, step, timestamp and attributes of each point", async () => {
    await withTaskEnv(async (env) => {
      const when = new Date("2026-01-02T03:04:05.123Z");
      const t = taskSpan("m");
      const m = t.logMetric("Score", 0.91, {
        step: 5,
        timestamp: when,
        attributes: { split: "dev" },
      });
      assert.equal(m?.value, 0.91);
      assert.equal(m?.step, 5);
      assert.equal(m?.timestamp, when.getTime());
      t.end();
      const [line] = await env.runLines(t.runId);
      const json = jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics");
      assert.deepEqual(json.score, {
        values: [0.91],
        steps: [5],
        timestamps: ["2026-01-02T03:04:05.123000+00:00"],
        attributes: [{ split: "dev" }],
      });
    });
  });

  it("options passed with a Metric value win over its default fields", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("m");
      t.logMetric("loss", new Metric(0.5), {
        step: 7,
        attributes: { split: "dev" },
        timestamp: 1000,
      });
      const own = new Metric(0.25, { step: 3, timestamp: 2000, attributes: { a: 1, split: "x" } });
      t.logMetric("loss", own, { attributes: { split: "test" } });
      const [first, second] = t.metrics.loss.points;
      assert.deepEqual([first.step, first.timestamp, first.attributes], [7, 1000, {
        split: "dev",
      }]);
      assert.deepEqual([second.step, second.timestamp, second.attributes], [
        3,
        2000,
        { a: 1, split: "test" },
      ]);
      t.end();
    });
  });

  it("turns booleans into 1/0 and rejects NaN and ±Infinity with a diagnostic", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("m");
      t.logMetric("passed", true);
      t.logMetric("passed", false);
      assert.equal(t.logMetric("bad", NaN), undefined);
      assert.equal(t.logMetric("bad", Infinity), undefined);
      assert.equal(t.logMetric("bad", -Infinity), undefined);
      assert.equal(t.logMetric("bad", new Metric(NaN)), undefined);
      assert.equal(t.logMetric("bad", "1" as unknown as number), undefined);
      t.end();
      assert.deepEqual(t.metrics.passed.values, [1, 0]);
      assert.equal(t.metrics.bad, undefined);
      // Reported once per metric name; every rejected point is counted.
      assert.equal(env.codes().filter((c) => c === "metric_invalid").length, 1);
      assert.equal(t.droppedCounts.metricInvalid, 5);
      const [line] = await env.runLines(t.runId);
      const text = JSON.stringify(line);
      assert.ok(!text.includes("NaN") && !text.includes("Infinity"));
      assert.equal(toMetricValue(true), 1);
      assert.equal(toMetricValue(Number.NaN), undefined);
    });
  });

  it("applies log-time running aggregates over the raw values", () => {
    assert.deepEqual(series([3, 1, 2]), [3, 1, 2], "direct stores as is");
    assert.deepEqual(series([3, 1, 2], "min"), [3, 1, 1]);
    assert.deepEqual(series([3, 1, 5], "max"), [3, 3, 5]);
    assert.deepEqual(series([2, 4, 6], "avg"), [2, 3, 4]);
    assert.deepEqual(series([7, 7, 7], "count"), [1, 2, 3]);
    // dreadnode added the *largest* prior stored value: its last point would be 1 + 15 = 16.
    assert.deepEqual(series([5, 10, -3, 1], "sum"), [5, 15, 12, 13]);
  });

  it("keeps running avg finite and rejects a point whose running sum would overflow", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("m");
      t.logMetric("avg", 1e308, { aggregation: "avg" });
      t.logMetric("avg", 1e308, { aggregation: "avg" });
      t.logMetric("avg", -1e308, { aggregation: "avg" }); // x - prev overflows
      t.logMetric("sum", 1.7e308, { aggregation: "sum" });
      assert.equal(t.logMetric("sum", 1.7e308, { aggregation: "sum" }), undefined);
      assert.ok(env.codes().includes("metric_invalid"));
      assert.equal(t.logMetric("sum", -1.7e308, { aggregation: "sum" })?.value, 0);
      t.logMetric("direct", 1.7e308);
      t.logMetric("direct", 1.7e308);
      assert.equal(t.getAverageMetricValue("direct"), 1.7e308, "the mean of finite values");
      assert.equal(t.metrics.direct.toMetric("sum"), undefined, "no Infinity metric");
      t.end();
      const [line] = await env.runLines(t.runId);
      const json = jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics");
      assert.deepEqual(json.avg.values.slice(0, 2), [1e308, 1e308]);
      assert.ok(Math.abs(json.avg.values[2] - 1e308 / 3) < 1e294, String(json.avg.values[2]));
      assert.deepEqual(json.sum.values, [1.7e308, 0], "the accepted points stay");
      assert.deepEqual(json.sum.attributes.map((a) => a.original), [1.7e308, -1.7e308]);
      assert.deepEqual(json.direct.values, [1.7e308, 1.7e308]);
    });
  });

  it("a running sum that overflows on the way recovers when the true sum is finite", async () => {
    await withTaskEnv(() => { // Collects the mode-change warnings.
      const s = new MetricSeries();
      s.add(new Metric(1.5e308), undefined, "m");
      s.add(new Metric(1.5e308), undefined, "m"); // The sum is past 1.8e308 here...
      assert.equal(s.sum, Infinity);
      assert.equal(s.toMetric("sum"), undefined);
      s.add(new Metric(-1.5e308), "avg", "m"); // ...and back to 1.5e308 here.
      assert.equal(s.sum, 1.5e308);
      assert.equal(s.mean, 5e307);
      assert.equal(s.toMetric("sum")?.value, 1.5e308);
      assert.equal(s.add(new Metric(1), "sum", "m")?.value, 1.5e308 + 1);
      assert.equal(s.add(new Metric(-1.5e308), "sum", "m")?.value, 0);
      assert.equal(s.add(new Metric(2), "sum", "m")?.value, 2, "plain arithmetic again");
      assert.equal(s.add(new Metric(1.7e308), "sum", "m")?.value, 1.7e308 + 2);
      assert.equal(s.add(new Metric(1.7e308), "sum", "m"), undefined, "the true sum is not finite");
      assert.equal(s.sum, 1.7e308 + 2, "a rejected point leaves the sum as it was");
    });
  });

  it("a metric timestamp outside 1970-2540 means now, as a span time does", async () => {
    await withTaskEnv(async (env) => {
      const before = Date.now();
      const t = taskSpan("m");
      const inRange = Date.UTC(2539, 0, 1);
      t.logMetric("t", 1, { timestamp: Date.UTC(12000, 0, 1) });
      t.logMetric("t", 2, { timestamp: new Date(Date.UTC(12000, 0, 1)) });
      t.logMetric("t", 3, { timestamp: Date.now() * 1000 }); // microseconds by mistake
      t.logMetric("t", 4, { timestamp: Date.UTC(1960, 0, 1) });
      t.logMetric("t", 5, { timestamp: inRange });
      const s = new MetricSeries(); // a plain point added directly
      s.add({ value: 1, step: 0, timestamp: 8e15, attributes: {} }, undefined, "p");
      assert.ok(s.points[0].timestamp >= before);
      const stamps = t.metrics.t.points.map((p) => p.timestamp);
      for (const time of stamps.slice(0, 4)) assert.ok(time >= before && time <= Date.now());
      assert.equal(stamps[4], inRange);
      t.end();
      const [line] = await env.runLines(t.runId);
      const json = jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics");
      for (const time of json.t.timestamps) {
        assert.match(time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);
      }
      assert.equal(json.t.timestamps[4], "2539-01-01T00:00:00+00:00");
    });
  });

  it("keeps the raw value and mode in the point attributes", () => {
    const s = new MetricSeries();
    s.add(new Metric(4, { attributes: { k: "v" } }), "sum", "m");
    s.add(new Metric(6), "sum", "m");
    assert.deepEqual(s.points[1].attributes, { original: 6, aggregation: "sum" });
    assert.deepEqual(s.points[0].attributes, { k: "v", original: 4, aggregation: "sum" });
    assert.deepEqual(s.rawValues, [4, 6]);
  });

  it("aggregates a series at read time", () => {
    const s = new MetricSeries();
    for (const [v, step] of [[1, 0], [4, 1], [7, 2]]) {
      s.add(new Metric(v, { step }), undefined, "m");
    }
    assert.equal(s.aggregate("avg"), 4);
    assert.equal(s.aggregate("sum"), 12);
    assert.equal(s.aggregate("min"), 1);
    assert.equal(s.aggregate("max"), 7);
    assert.equal(s.aggregate("count"), 3);
    assert.equal(s.aggregate("direct"), 7);
    assert.equal(s.first, 1);
    assert.equal(s.last, 7);
    assert.equal(s.atStep(1), 4);
    const m = s.toMetric("max");
    assert.equal(m?.value, 7);
    assert.equal(m?.step, 2);
    assert.deepEqual(m?.attributes, { aggregation: "max", count: 3 });
    const empty = new MetricSeries();
    assert.equal(empty.aggregate("avg"), undefined);
    assert.equal(empty.aggregate("sum"), 0);
    assert.equal(empty.toMetric(), undefined);
  });

  it("getAverageMetricValue is the mean of the raw values, 0 when missing", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("avg");
      t.logMetric("latency_ms", 100, { aggregation: "max" });
      t.logMetric("latency_ms", 200, { aggregation: "max" });
      assert.equal(t.getAverageMetricValue("latency_ms"), 150);
      assert.equal(t.getAverageMetricValue("missing"), 0);
      t.end();
    });
  });

  it("cleans names, applies prefixes and stores an origin object", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("names");
      t.logMetric("Latency MS", 1, { prefix: "Eval" });
      const m = t.logMetric("acc", 0.5, { origin: "the output" });
      assert.deepEqual(Object.keys(t.metrics), ["Eval.latency_ms", "acc"]);
      const hash = m?.attributes["dreadnode.origin.hash"] as string;
      assert.equal(t.getObject(hash)?.value, "the output");
      t.end();
    });
  });

  it("TaskSpan.logMetrics takes the record and list forms, skipping rejected values", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("batch");
      const stored = t.logMetrics({ a: 1, b: NaN, c: true }, { step: 4, prefix: "x" });
      assert.deepEqual(stored.map((m) => m.value), [1, 1]);
      t.logMetrics([{ name: "a", value: 3, aggregation: "sum", prefix: "x" }]);
      assert.deepEqual(Object.keys(t.metrics), ["x.a", "x.c"]);
      assert.deepEqual(t.metrics["x.a"].values, [1, 4]);
      assert.deepEqual(t.metrics["x.a"].steps, [4, 0]);
      t.end();
    });
  });

  it("module logMetric/logMetrics: step reaches the series; record and list forms", async () => {
    await withTaskEnv(() => {
      run("metrics", {}, (r) => {
        logMetric("score", 0.91, { step: 3 });
        logMetric("latency_ms", 112, { aggregation: "avg" });
        logMetrics({ accuracy: 0.95, f1: 0.88 }, { step: 1 });
        logMetrics([{ name: "loss", value: 0.5, step: 7 }, { name: "loss", value: 0.25 }], {
          step: 2,
        });
        assert.deepEqual(r.metrics.score.steps, [3]);
        assert.deepEqual(r.metrics.accuracy.steps, [1]);
        assert.deepEqual(r.metrics.f1.values, [0.88]);
        assert.deepEqual(r.metrics.loss.steps, [7, 2]);
        assert.deepEqual(r.metrics.latency_ms.points[0].attributes, {
          original: 112,
          aggregation: "avg",
        });
      });
    });
  });
});
