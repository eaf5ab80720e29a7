import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MAX_METRIC_CHARS_PER_TASK } from "../../src/task/metrics.ts";
import { stateAttributes } from "../../src/task/_task_state.ts";
import { ObjectStore } from "../../src/task/objects.ts";
import { logMetrics, MetricSeries, run, taskSpan, toMetricValue } from "../../src/task/mod.ts";
import type { MetricPoint, MetricSeriesJson } from "../../src/task/mod.ts";
import { hostile } from "../_support/hostile.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

type MetricBoundsJson = Record<string, MetricSeriesJson>;

describe("metric bounds", () => {
  it("keeps the rest of a task's state when one state attribute cannot be encoded", async () => {
    await withTaskEnv((env) => {
      const objects = new ObjectStore(undefined);
      objects.log("kept");
      const state = stateAttributes({
        params: { tokens: 5n }, // JSON.stringify throws on a BigInt
        inputs: [],
        outputs: [],
        metrics: new Map(),
        objects,
        artifacts: [],
      });
      assert.equal(state["dreadnode.params"], undefined);
      assert.equal(state["dreadnode.metrics"], "{}");
      assert.equal(Object.keys(JSON.parse(state["dreadnode.objects"] as string)).length, 1);
      assert.deepEqual(state["dreadnode.large_attributes"], [
        "dreadnode.objects",
        "dreadnode.object_schemas",
      ]);
      assert.deepEqual(env.codes(), ["task_state_unencodable"]);
    });
  });

  it("exports params, inputs and metrics of a task whose metrics would be past what a string holds", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("big");
      t.logParam("model", "gpt-4o");
      t.logInput("prompt", "hello");
      // 30,000 points of 20,000 characters each: 600 MB of JSON, inside the per-series and
      // per-name caps, past the longest string V8 builds.
      const note = "n".repeat(2000);
      const attributes = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`a${i}`, note]));
      let logged = 0;
      for (let s = 0; s < 3; s++) {
        for (let i = 0; i < 10_000; i++) {
          t.logMetric(`m${s}`, i, { step: i, attributes });
          logged++;
        }
      }
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), { model: "gpt-4o" });
      assert.equal(jsonAttr<unknown[]>(line, "dreadnode.inputs").length, 1);
      const text = line.attributes["dreadnode.metrics"] as string;
      assert.ok(text.length <= MAX_METRIC_CHARS_PER_TASK, `${text.length} characters`);
      assert.equal((JSON.parse(text) as MetricBoundsJson).m0.values[0], 0, "the first points stay");
      assert.deepEqual(env.codes(), ["metric_budget_full"]);
      const stored = Object.values(t.metrics).reduce((n, series) => n + series.points.length, 0);
      assert.ok(stored > 0 && stored < logged);
      assert.equal(t.droppedCounts.metricPoints, logged - stored);
    });
  });

  it("bounds a task's metrics JSON, counting the points past the budget", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("many");
      let logged = 0;
      for (let s = 0; s < 100; s++) {
        for (let i = 0; i < 2000; i++) {
          t.logMetric(`series_${s}`, i * 0.123456789, { step: i, timestamp: 1_700_000_000_123 });
          logged++;
        }
      }
      const state = t.stateAttributes()["dreadnode.metrics"] as string;
      assert.ok(state.length <= MAX_METRIC_CHARS_PER_TASK, `${state.length} characters`);
      assert.ok(state.length > MAX_METRIC_CHARS_PER_TASK - 1000, "the budget is used");
      const stored = Object.values(t.metrics).reduce((n, series) => n + series.points.length, 0);
      assert.ok(stored > 40_000, `${stored} points stored`);
      assert.equal(t.droppedCounts.metricPoints, logged - stored);
      assert.equal(t.droppedCounts.metricSeries, 0);
      assert.equal(t.metrics.series_0.points.length, 2000, "the earlier points are kept");
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(line.attributes["dreadnode.metrics"], state);
      assert.deepEqual(env.codes(), ["metric_budget_full"]);
    });
  });

  it("counts metric points dropped by a full series or the name cap in droppedCounts", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("bounds");
      for (let i = 0; i < 10_005; i++) t.logMetric("loss", i, { step: i });
      for (let i = 0; i < 10_002; i++) t.logMetric(`m${i}`, 1);
      assert.equal(t.metrics.loss.points.length, 10_000);
      assert.equal(Object.keys(t.metrics).length, 10_000);
      assert.equal(t.droppedCounts.metricPoints, 5);
      assert.equal(t.droppedCounts.metricSeries, 3);
      assert.deepEqual(env.codes(), ["metric_series_full", "metric_series_limit"]);
      t.end();
    });
  });

  it("a series past 10,000 points ends with the newest point and aggregates every point", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("training");
      const losses = Array.from({ length: 12_000 }, (_, i) => 1 / (i + 1));
      for (let i = 0; i < losses.length; i++) {
        t.logMetric("loss", losses[i], { step: i });
        t.logMetric("loss_avg", losses[i], { step: i, aggregation: "avg" });
        t.logMetric("seen", 1, { step: i, aggregation: "count" });
      }
      const loss = t.metrics.loss;
      assert.equal(loss.points.length, 10_000, "the stored points stay bounded");
      assert.equal(loss.last, losses[11_999], "the last value is the newest");
      assert.equal(loss.points.at(-1)!.step, 11_999);
      assert.equal(loss.points.at(-2)!.step, 9_998, "the first points are kept");
      assert.equal(loss.aggregate("count"), 12_000);
      const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
      assert.ok(Math.abs(loss.mean! - mean) < 1e-15, `${loss.mean} vs ${mean}`);
      assert.equal(loss.min, losses[11_999]);
      assert.ok(Math.abs(t.metrics.loss_avg.last! - mean) < 1e-15, "the running avg counts all");
      assert.equal(t.metrics.seen.last, 12_000, "the running count counts all");
      assert.equal(loss.toMetric("count")!.value, 12_000);
      assert.equal(t.droppedCounts.metricPoints, 3 * 2000);
      assert.deepEqual(env.codes(), Array(3).fill("metric_series_full"), "once per series");
      t.end();
      const [line] = await env.runLines(t.runId);
      const json = jsonAttr<MetricBoundsJson>(line, "dreadnode.metrics");
      assert.equal(json.loss.values.length, 10_000);
      assert.equal(json.loss.values.at(-1), losses[11_999]);
      assert.equal(json.loss.steps.at(-1), 11_999);
    });
  });

  it("past the task's metrics budget, a point takes its series' last place where it fits", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("budget");
      const note = "n".repeat(20_000);
      let i = 0;
      for (; t.droppedCounts.metricPoints === 0; i++) {
        t.logMetric("acc", i, { step: i, attributes: { note } });
      }
      for (let k = 0; k < 10; k++, i++) t.logMetric("acc", i, { step: i, attributes: { note } });
      const acc = t.metrics.acc;
      assert.equal(acc.last, i - 1, "the last value is the newest");
      assert.equal(acc.aggregate("count"), i);
      assert.equal(acc.aggregate("sum"), (i * (i - 1)) / 2);
      assert.equal(t.droppedCounts.metricPoints, i - acc.points.length);
      const json = t.stateAttributes()["dreadnode.metrics"] as string;
      assert.ok(json.length <= MAX_METRIC_CHARS_PER_TASK, `${json.length} characters`);
      assert.deepEqual(env.codes(), ["metric_budget_full"]);
      t.end();
    });
  });

  it("stores a metric's origin only for a point stored in its own place", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("origins");
      t.logMetric("total", 1.7e308, { aggregation: "sum" });
      const rejected = t.logMetric("total", 1.7e308, {
        aggregation: "sum",
        origin: { response: "never scored" },
      });
      assert.equal(rejected, undefined);
      for (let i = 0; i < 10_000; i++) t.logMetric("full", i);
      // Past the bound, points take the last one's place without an origin object: each would
      // stay in the object store after its point is replaced, and fill it.
      for (let i = 0; i < 10_001; i++) t.logMetric("full", i, { origin: `newest ${i}` });
      assert.equal(t.metrics.full.last, 10_000);
      assert.equal(t.metrics.full.points.at(-1)!.attributes["dreadnode.origin.hash"], undefined);
      t.logOutput("answer", "still stored");
      const kept = t.logMetric("score", 0.5, {
        origin: "scored",
        attributes: { split: "dev" },
        aggregation: "max",
      });
      t.end();
      const [line] = await env.runLines(t.runId);
      const objects = jsonAttr<Record<string, { value: unknown }>>(line, "dreadnode.objects");
      assert.deepEqual(Object.values(objects).map((o) => o.value), ["still stored", "scored"]);
      const hash = kept?.attributes["dreadnode.origin.hash"] as string;
      assert.match(hash, /^[0-9a-f]{16}$/);
      assert.deepEqual(
        Object.keys(jsonAttr<MetricBoundsJson>(line, "dreadnode.metrics").score.attributes[0]),
        ["split", "dreadnode.origin.hash", "original", "aggregation"],
      );
      assert.deepEqual(Object.keys(objects)[1], hash);
    });
  });

  it("stores no origin for a point past the metrics budget", async () => {
    await withTaskEnv((_env) => {
      const t = taskSpan("budget-origin");
      const attributes = { note: "x".repeat(2000) };
      let i = 0;
      while (t.droppedCounts.metricPoints === 0 && i < 10_000) {
        t.logMetric("m", i++, { attributes });
      }
      assert.ok(t.droppedCounts.metricPoints === 1);
      // A point of the same size takes its series' last place (without its origin); a new series
      // has no place to take.
      const late = t.logMetric("m", 1, { origin: "late", attributes });
      assert.equal(t.metrics.m.last, 1);
      assert.equal(late?.attributes["dreadnode.origin.hash"], undefined);
      assert.equal(t.logMetric("other", 1, { origin: "late too", attributes }), undefined);
      const objects = JSON.parse(t.stateAttributes()["dreadnode.objects"] as string);
      assert.deepEqual(objects, {});
      assert.equal(t.metrics.other, undefined, "no empty series for a dropped first point");
      t.end();
    });
  });

  it("never throws from MetricSeries.add, reading what it can", () => {
    const s = new MetricSeries();
    const bad = hostile();
    const throwing = {
      get value(): number {
        throw new Error("boom");
      },
      step: 0,
      timestamp: 0,
      attributes: {},
    };
    for (const point of [null, undefined, bad.revoked, bad.noPrototype, throwing]) {
      assert.equal(s.add(point as never, undefined, "m"), undefined);
    }
    assert.equal(s.add({ value: "x" } as never, undefined, bad.noPrototype), undefined);
    const plain = s.add({ value: 2, step: "4" } as never, undefined, "m");
    assert.deepEqual(plain?.attributes, {}, "missing attributes are {}");
    assert.equal(plain?.step, 4, "a step of digits is the number it names");
    const summed = s.add({ value: 7n, step: 1, timestamp: 0, attributes: {} } as never, "sum", "m");
    assert.equal(summed?.value, 9);
    assert.deepEqual(s.rawValues, [2, 7]);
    assert.equal(s.add({ value: 1 } as never, "bogus" as never, "m")?.value, 1);
    assert.deepEqual(s.toJSON().attributes[0], {});
  });

  it("takes BigInt values as dreadnode's float(value) does", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("tokens");
      assert.equal(t.logMetric("tokens", 1234n)?.value, 1234);
      assert.equal(t.logMetric("tokens", 2n ** 64n)?.value, 2 ** 64);
      assert.deepEqual(env.codes(), [], "2 ** 64 is exact");
      assert.equal(t.logMetric("tokens", 2n ** 64n + 1n)?.value, 2 ** 64);
      t.logMetric("tokens", 2n ** 64n + 3n);
      assert.equal(env.codes().filter((c) => c === "metric_precision_lost").length, 1);
      assert.equal(t.logMetric("tokens", 10n ** 400n), undefined);
      assert.ok(env.codes().includes("metric_invalid"));
      assert.deepEqual(t.metrics.tokens.values, [1234, 2 ** 64, 2 ** 64, 2 ** 64]);
      assert.equal(toMetricValue(-3n), -3);
      t.end();
    });
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        logMetrics({ prompt_tokens: 12n, completion_tokens: 30n }, { aggregation: "sum" });
        return r.runId;
      });
      const [line] = await env.runLines(runId);
      const json = jsonAttr<MetricBoundsJson>(line, "dreadnode.metrics");
      assert.deepEqual([json.prompt_tokens.values, json.completion_tokens.values], [[12], [30]]);
    });
  });

  it("reads an ISO-8601 timestamp and reports one it cannot read", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("times");
      const iso = t.logMetric("m", 1, { timestamp: "2020-01-02T03:04:05.678Z" as never });
      assert.equal(iso?.timestamp, Date.UTC(2020, 0, 2, 3, 4, 5, 678));
      const python = t.logMetric("m", 1, {
        timestamp: "2026-01-02T03:04:05.123456+00:00" as never,
      });
      assert.equal(python?.timestamp, Date.UTC(2026, 0, 2, 3, 4, 5, 123));
      assert.deepEqual(env.codes(), []);
      const before = Date.now();
      for (const bad of ["yesterday", {}, new Date(Number.NaN), true]) {
        const point = t.logMetric("m", 1, { timestamp: bad as never }) as MetricPoint;
        assert.ok(point.timestamp >= before && point.timestamp <= Date.now() + 1000);
      }
      assert.deepEqual(env.codes(), ["metric_invalid_timestamp"]);
      // Out of range (microseconds by mistake): now, as for span times, and reported once.
      const micros = t.logMetric("m", 1, { timestamp: 1767323045123456 }) as MetricPoint;
      assert.ok(micros.timestamp >= before && micros.timestamp <= Date.now() + 1000);
      t.logMetric("m", 1, { timestamp: 1e20 });
      assert.deepEqual(env.codes(), ["metric_invalid_timestamp", "metric_invalid_timestamp"]);
      assert.equal(env.diagnostics.filter((d) => /microseconds/.test(d.message)).length, 1);
      t.end();
    });
  });
});
