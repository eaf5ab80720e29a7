// The dreadnode tracing guide's examples (seed 001), in TypeScript, asserting the JSONL they produce.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Span, type SpanType } from "../../mod.ts";
import {
  bindSessionId,
  continueTask,
  getCurrentRun,
  getCurrentTask,
  getTaskContext,
  linkObjects,
  logArtifact,
  logInput,
  logInputs,
  logMetric,
  logMetrics,
  logOutput,
  logOutputs,
  logParam,
  logParams,
  logSample,
  logSamples,
  type MetricSeriesJson,
  type ObjectRef,
  pushUpdate,
  run,
  span,
  tag,
  task,
  taskAndRun,
  TaskSpan,
  taskSpan,
} from "../../src/task/mod.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

type Metrics = Record<string, MetricSeriesJson>;

function objectValues(
  line: Parameters<typeof jsonAttr>[0],
  key: "dreadnode.inputs" | "dreadnode.outputs",
) {
  const objects = jsonAttr<Record<string, { value: unknown }>>(line, "dreadnode.objects");
  return Object.fromEntries(
    jsonAttr<ObjectRef[]>(line, key).map((r) => [r.name, objects[r.hash].value]),
  );
}

describe("seed examples", () => {
  it("Quick start", async () => {
    await withTaskEnv(async (env) => {
      const runId = taskSpan("data-prep", { type: "task", tags: ["etl"] }, (s) => {
        s.logInput("rows", 250);
        s.logMetric("latency_ms", 112, { step: 1 });
        s.logOutput("status", "ok");
        return s.runId;
      });
      const [line] = await env.runLines(runId);
      assert.equal(line.name, "data-prep");
      assert.deepEqual(line.attributes["dreadnode.tags"], ["etl"]);
      assert.deepEqual(objectValues(line, "dreadnode.inputs"), { rows: 250 });
      assert.deepEqual(objectValues(line, "dreadnode.outputs"), { status: "ok" });
      assert.deepEqual(jsonAttr<Metrics>(line, "dreadnode.metrics").latency_ms.steps, [1]);
    }, { project: "support-bots" });
  });

  it("TaskSpan vs Span, SpanType values", async () => {
    await withTaskEnv(async (env) => {
      span("cache-warmup", (s) => assert.ok(s instanceof Span && !(s instanceof TaskSpan)));
      taskSpan("model-inference", { type: "task" }, (t) => assert.ok(t instanceof TaskSpan));
      const spanType: SpanType = "evaluation";
      const id = taskSpan("eval:baseline", { type: spanType }, (t) => t.runId);
      assert.equal((await env.runLines(id))[0].attributes["dreadnode.type"], "evaluation");
    });
  });

  it("run()", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("experiment-1", { project: "my-project", tags: ["baseline"] }, (r) => {
        r.logParam("model", "gpt-4o");
        r.logInput("prompt", "Hello");
        r.logOutput("result", "World");
        r.logMetric("score", 0.95);
        return r.runId;
      });
      const [line] = await env.runLines(runId, "my-project");
      assert.equal(line.attributes["dreadnode.project"], "my-project");
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), { model: "gpt-4o" });
      assert.deepEqual(objectValues(line, "dreadnode.inputs"), { prompt: "Hello" });
      assert.deepEqual(objectValues(line, "dreadnode.outputs"), { result: "World" });
      assert.deepEqual(jsonAttr<Metrics>(line, "dreadnode.metrics").score.values, [0.95]);
    });
  });

  it("taskAndRun()", async () => {
    await withTaskEnv(async (env) => {
      const runId = taskAndRun("eval-run", { taskName: "scoring", taskType: "evaluation" }, (t) => {
        logInput("dataset", "test-v2");
        logMetric("accuracy", 0.92);
        return t.runId;
      });
      const [line] = await env.runLines(runId);
      assert.equal(line.name, "scoring");
      assert.equal(line.attributes["dreadnode.type"], "evaluation");
      assert.deepEqual(objectValues(line, "dreadnode.inputs"), { dataset: "test-v2" });
      assert.deepEqual(jsonAttr<Metrics>(line, "dreadnode.metrics").accuracy.values, [0.92]);
    });
  });

  it("task() decorator, with options", async () => {
    await withTaskEnv(async (env) => {
      const classify = task(async function classify(_text: string) {
        return await Promise.resolve("positive");
      });
      function myScorer(out: string) {
        return out === "positive";
      }
      const classifyV2 = task((_text: string) => Promise.resolve("positive"), {
        name: "classifier",
        scorers: [myScorer],
        logInputs: true,
        logOutput: true,
      });
      const runId = await run("decorated", {}, async (r) => {
        assert.equal(await classify("great"), "positive");
        assert.equal(await classifyV2("great"), "positive");
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.deepEqual(objectValues(byName(lines, classify.name), "dreadnode.inputs"), {
        _text: "great",
      });
      assert.equal(classifyV2.name, "classifier");
      const v2 = byName(lines, "classifier");
      assert.deepEqual(objectValues(v2, "dreadnode.outputs"), { output: "positive" });
      assert.deepEqual(jsonAttr<Metrics>(v2, "dreadnode.metrics").myscorer.values, [1]);
    });
  });

  it("Logging: parameters, inputs and outputs, metrics, tags", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("logging", {}, (r) => {
        logParam("model", "gpt-4o");
        logParams({ model: "gpt-4o", temperature: 0.7, max_tokens: 1000 });
        logInput("prompt", "Write a haiku about security");
        logOutput("completion", "Firewalls stand guard...");
        logInputs({ prompt: "Write a haiku", context: "security domain" });
        logOutputs({ completion: "Firewalls stand guard...", tokens_used: 42 });
        logMetric("score", 0.91, { step: 0 });
        logMetric("latency_ms", 112, { aggregation: "avg" });
        logMetrics({ accuracy: 0.95, f1: 0.88 }, { step: 1 });
        tag("baseline", "v2");
        return r.runId;
      });
      const [line] = await env.runLines(runId);
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), {
        model: "gpt-4o",
        temperature: 0.7,
        max_tokens: 1000,
      });
      assert.deepEqual(objectValues(line, "dreadnode.inputs"), {
        prompt: "Write a haiku",
        context: "security domain",
      });
      assert.equal(jsonAttr<ObjectRef[]>(line, "dreadnode.inputs").length, 3, "every call is kept");
      assert.deepEqual(objectValues(line, "dreadnode.outputs"), {
        completion: "Firewalls stand guard...",
        tokens_used: 42,
      });
      const metrics = jsonAttr<Metrics>(line, "dreadnode.metrics");
      assert.deepEqual(Object.keys(metrics), ["score", "latency_ms", "accuracy", "f1"]);
      assert.deepEqual(metrics.f1.steps, [1]);
      assert.deepEqual(line.attributes["dreadnode.tags"], ["baseline", "v2"]);
    });
  });

  it("Samples", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("samples", {}, (r) => {
        logSample("sample-1", "input text", "output text", { metrics: { accuracy: 0.95 } });
        logSamples("eval-set", [["input 1", "output 1"], ["input 2", "output 2", { score: 0.8 }]]);
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name), ["sample-1", "eval-set", "eval-set", "samples"]);
      assert.deepEqual(objectValues(lines[2], "dreadnode.inputs"), { input: "input 2" });
      assert.deepEqual(jsonAttr<Metrics>(lines[2], "dreadnode.metrics").score.values, [0.8]);
    });
  });

  it("Object linking", async () => {
    await withTaskEnv(async (env) => {
      const inputObj = { prompt: "hi" };
      const outputObj = { completion: "hello" };
      const runId = run("link", {}, (r) => {
        linkObjects(outputObj, inputObj, { relation: "generated_from" });
        return r.runId;
      });
      const [line] = await env.runLines(runId);
      const objects = jsonAttr<Record<string, { value: unknown }>>(line, "dreadnode.objects");
      const event = line.events.find((e) => e.name === "dreadnode.object.link")!;
      assert.equal(event.attributes.relation, "generated_from");
      assert.deepEqual(
        objects[event.attributes["dreadnode.object.hash"] as string].value,
        outputObj,
      );
      assert.deepEqual(objects[event.attributes["dreadnode.link.hash"] as string].value, inputObj);
      assert.equal(event.attributes["dreadnode.origin.span_id"], line.span_id);
    });
  });

  it("Flushing", async () => {
    await withTaskEnv(async (env) => {
      await run("flush", {}, async (r) => {
        span("done-step", () => {});
        await pushUpdate();
        const names = (await env.storage.readLines(["projects", "default", r.runId, "spans.jsonl"]))
          .map((l) => JSON.parse(l).name);
        assert.deepEqual(names, ["done-step", "flush.update"]);
      });
    });
  });

  it("Logging artifacts (bytes; files are covered by artifacts.test.ts)", async () => {
    await withTaskEnv(async (env) => {
      const runId = await taskSpan("training", {}, async (t) => {
        await logArtifact(new TextEncoder().encode("weights"), { name: "model.bin" });
        return t.runId;
      });
      const [line] = await env.runLines(runId);
      assert.equal(jsonAttr<{ name: string }[]>(line, "dreadnode.artifacts")[0].name, "model.bin");
    });
  });

  it("Accessing current spans", async () => {
    await withTaskEnv(() => {
      run("top", {}, (top) => {
        taskSpan("inner", {}, (inner) => {
          assert.equal(getCurrentRun(), top);
          assert.equal(getCurrentTask(), inner);
        });
      });
      assert.equal(getCurrentRun(), undefined);
      assert.equal(getCurrentTask(), undefined);
    });
  });

  it("Distributed tracing", async () => {
    await withTaskEnv(async (env) => {
      const context = run("origin", {}, () => getTaskContext())!;
      const runId = continueTask(context, (t) => {
        t.logMetric("remote_score", 0.88);
        return t.runId;
      });
      assert.equal(runId, context.task_id);
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name), ["origin", `task.${context.task_id}.fragment`]);
      assert.equal(lines[1].parent_id, lines[0].span_id);
      assert.deepEqual(jsonAttr<Metrics>(lines[1], "dreadnode.metrics").remote_score.values, [
        0.88,
      ]);
    });
  });

  it("Binding session IDs", async () => {
    await withTaskEnv(async (env) => {
      bindSessionId("session_123", () => {
        taskSpan("chat:turn-1", {}, () => {
          logInput("prompt", "Hi");
          logOutput("response", "Hello!");
        });
      });
      const [line] = await env.lines(["sessions", "session_123", "chat_session_123.jsonl"]);
      assert.equal(line.name, "chat:turn-1");
      assert.deepEqual(objectValues(line, "dreadnode.inputs"), { prompt: "Hi" });
      assert.deepEqual(objectValues(line, "dreadnode.outputs"), { response: "Hello!" });
    });
  });
});
