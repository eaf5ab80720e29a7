// dreadnode API members that tracelet once lacked: MetricSeries min/max/sum/value/valuesAtSteps,
// TaskSpan.raiseIfFailed / fromContext, the `metrics` task option and the
// getCurrentTaskSpan / getCurrentRunSpan aliases.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  getCurrentRun,
  getCurrentRunSpan,
  getCurrentTask,
  getCurrentTaskSpan,
  getTaskContext,
  Metric,
  MetricSeries,
  type MetricSeriesJson,
  run,
  task,
  type TaskContext,
  TaskSpan,
  taskSpan,
} from "../../src/task/mod.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

function seriesOf(points: [number, number][], mode?: "sum" | "max"): MetricSeries {
  const s = new MetricSeries();
  for (const [value, step] of points) s.add(new Metric(value, { step }), mode, "m");
  return s;
}

describe("MetricSeries read-time members (dreadnode §3.1)", () => {
  it("min, max, sum and value (= last) of a series; undefined / 0 when empty", () => {
    const s = seriesOf([[3, 0], [-1, 1], [7, 2], [2, 3]]);
    assert.equal(s.min, -1);
    assert.equal(s.max, 7);
    assert.equal(s.sum, 11);
    assert.equal(s.value, 2);
    assert.equal(s.value, s.last);
    const empty = new MetricSeries();
    assert.equal(empty.min, undefined);
    assert.equal(empty.max, undefined);
    assert.equal(empty.sum, 0);
    assert.equal(empty.value, undefined);
  });

  it("min/max/sum read the raw values, value the stored one, under a log-time aggregation", () => {
    const s = seriesOf([[1, 0], [5, 1], [2, 2]], "sum");
    assert.deepEqual(s.values, [1, 6, 8]); // running sums
    assert.equal(s.sum, 8);
    assert.equal(s.min, 1);
    assert.equal(s.max, 5);
    assert.equal(s.value, 8);
  });

  it("valuesAtSteps gives the first value at each step, undefined where missing", () => {
    const s = seriesOf([[0.5, 1], [0.6, 2], [0.7, 2], [0.9, 5]]);
    assert.deepEqual(s.valuesAtSteps([2, 1, 3, 5]), [0.6, 0.5, undefined, 0.9]);
    assert.deepEqual(s.valuesAtSteps([]), []);
    assert.deepEqual(s.valuesAtSteps(null as unknown as number[]), []);
  });
});

describe("TaskSpan.raiseIfFailed", () => {
  it("rethrows the error a task body or task() call threw, the same object", async () => {
    const boom = new RangeError("boom");
    let failed: TaskSpan | undefined;
    let fine: TaskSpan | undefined;
    await withTaskEnv(async () => {
      await run("r", {}, async (r) => {
        const f = task(function explode() {
          throw boom;
        });
        assert.throws(() => f(), RangeError);
        await taskSpan("ok", {}, async () => {});
        [failed, fine] = r.tasks;
      });
    });
    assert.equal(failed!.failed, true);
    assert.throws(() => failed!.raiseIfFailed(), (e: unknown) => e === boom);
    assert.doesNotThrow(() => fine!.raiseIfFailed());
  });

  it("rethrows a thrown null or undefined as it was thrown", async () => {
    await withTaskEnv(() => {
      run("r", {}, (r) => {
        for (const thrown of [null, undefined]) {
          const f = task(() => {
            throw thrown;
          }, { name: "throws" });
          assert.throws(() => f(), (e: unknown) => e === thrown);
        }
        const [nullTask, undefinedTask] = r.tasks;
        assert.equal(nullTask.failed, true);
        assert.throws(() => nullTask.raiseIfFailed(), (e: unknown) => e === null);
        assert.throws(() => undefinedTask.raiseIfFailed(), (e: unknown) => e === undefined);
      });
    });
  });

  it("throws an exception recorded with recordException; a bare ERROR status does not throw", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("t");
      t.recordException("plain string");
      assert.throws(() => t.raiseIfFailed(), (e: unknown) => e === "plain string");
      t.end();
      const s = taskSpan("s");
      s.setStatus({ code: "ERROR", message: "marked" });
      assert.equal(s.failed, true);
      assert.doesNotThrow(() => s.raiseIfFailed());
      s.end();
    });
  });
});

describe("TaskSpan.fromContext", () => {
  it("continues a received task like continueTask(context), not current", async () => {
    let ctx: TaskContext | undefined;
    await withTaskEnv(() =>
      run("origin", { project: "dist" }, () => void (ctx = getTaskContext()))
    );
    await withTaskEnv(async (env) => {
      const fragment = TaskSpan.fromContext(ctx!);
      assert.ok(fragment instanceof TaskSpan);
      assert.equal(getCurrentTask(), undefined);
      assert.equal(fragment.taskId, ctx!.task_id);
      assert.equal(fragment.project, "dist");
      assert.equal(fragment.type, "task_fragment");
      assert.equal(fragment.name, `task.${ctx!.task_id}.fragment`);
      assert.equal(fragment.parentSpanId, ctx!.trace_context.traceparent!.slice(36, 52));
      fragment.logMetric("remote", 1);
      fragment.end();
      const line = byName(await env.runLines(ctx!.task_id, "dist"), fragment.name);
      assert.ok(jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics").remote);
    });
  });
});

describe("metrics task option (dreadnode TaskSpan(metrics=…))", () => {
  it("logs the given metrics when the task starts, as a record or entries", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("m", { metrics: { accuracy: 0.9, passed: true } });
      assert.deepEqual(Object.keys(t.metrics).sort(), ["accuracy", "passed"]);
      assert.equal(t.metrics.accuracy.value, 0.9);
      assert.equal(t.metrics.passed.value, 1);
      t.end();
      const r = run("r", { metrics: [{ name: "loss", value: 0.5, step: 3 }] });
      assert.deepEqual(r.metrics.loss.valuesAtSteps([3]), [0.5]);
      r.end();
      const [line] = await env.runLines(t.runId);
      assert.deepEqual(
        jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics").accuracy.values,
        [0.9],
      );
      const bad = taskSpan("bad", { metrics: { nan: NaN, ok: 2 } });
      assert.deepEqual(Object.keys(bad.metrics), ["ok"]);
      bad.end();
      assert.ok(env.codes().includes("metric_invalid"));
    });
  });
});

describe("getCurrentTaskSpan / getCurrentRunSpan (dreadnode names)", () => {
  it("both return the innermost current task, as dreadnode's do; getCurrentRun is the root", async () => {
    await withTaskEnv(() => {
      assert.equal(getCurrentTaskSpan(), undefined);
      assert.equal(getCurrentRunSpan(), undefined);
      run("root", {}, (root) => {
        taskSpan("child", {}, (child) => {
          assert.equal(getCurrentTaskSpan(), child);
          assert.equal(getCurrentRunSpan(), child);
          assert.equal(getCurrentRun(), root);
        });
      });
    });
  });
});
