import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Span } from "../../mod.ts";
import {
  bindSessionId,
  findSpanByType,
  getCurrentRun,
  getCurrentTask,
  linkObjects,
  logInput,
  logInputs,
  logMetric,
  logOutput,
  logOutputs,
  logParam,
  logParams,
  logSample,
  logSamples,
  type ObjectRef,
  pushUpdate,
  run,
  type Sample,
  span,
  tag,
  task,
  taskAndRun,
  type TaskSpan,
  taskSpan,
} from "../../src/task/mod.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("module API", () => {
  it("log helpers outside a task warn once per helper and do nothing", async () => {
    await withTaskEnv((env) => {
      logParam("a", 1);
      logParam("b", 2);
      logParams({ c: 3 });
      assert.equal(logInput("x", 1), undefined);
      logInputs({ y: 2 });
      logOutput("z", 3);
      logOutputs({ w: 4 });
      assert.equal(logMetric("m", 1), undefined);
      logSample("s", 1, 2);
      logSamples("s", [[1, 2]]);
      tag("t");
      linkObjects(1, 2);
      const outside = env.diagnostics.filter((d) => d.code === "outside_task");
      assert.equal(outside.length, 11, "one per helper, not one per call");
      assert.ok(outside.every((d) => d.level === "warn"));
    });
  });

  it("getCurrentRun returns the root run, getCurrentTask the innermost task", async () => {
    await withTaskEnv(async () => {
      assert.equal(getCurrentRun(), undefined);
      await run("root", {}, async (root) => {
        await taskSpan("outer", { type: "agent" }, async (outer) => {
          await tick();
          await taskSpan("inner", {}, async (inner) => {
            await tick();
            assert.equal(getCurrentRun(), root);
            assert.equal(getCurrentTask(), inner);
            assert.equal(findSpanByType("agent"), outer);
            assert.equal(findSpanByType("task"), inner);
            assert.equal(findSpanByType("study"), undefined);
          });
          assert.equal(getCurrentTask(), outer);
        });
      });
    });
  });

  it("plain spans inside a run carry the run id and project and land in the run's file", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", { project: "proj" }, (r) => {
        span("cache-warmup", { tags: ["cache"] }, (s) => {
          assert.ok(s instanceof Span);
          span("nested", () => {});
        });
        return r.runId;
      });
      const lines = await env.runLines(runId, "proj");
      assert.deepEqual(lines.map((l) => l.name), ["nested", "cache-warmup", "r"]);
      const warm = byName(lines, "cache-warmup");
      assert.equal(warm.attributes["dreadnode.type"], "span");
      assert.equal(warm.attributes["dreadnode.run.id"], runId);
      assert.equal(warm.parent_id, byName(lines, "r").span_id);
    });
  });

  it("concurrent runs keep separate run ids, files and children", async () => {
    await withTaskEnv(async (env) => {
      const body = (label: string) => async (r: TaskSpan) => {
        for (let i = 0; i < 3; i++) {
          await tick();
          await taskSpan(`${label}-child-${i}`, {}, async () => {
            await tick();
            logInput("who", label);
            logMetric("i", i);
          });
        }
        return r;
      };
      const [a, b] = await Promise.all([run("a", {}, body("a")), run("b", {}, body("b"))]);
      assert.notEqual(a.runId, b.runId);
      assert.deepEqual(a.tasks.map((t) => t.name), ["a-child-0", "a-child-1", "a-child-2"]);
      assert.deepEqual(b.tasks.map((t) => t.name), ["b-child-0", "b-child-1", "b-child-2"]);
      const aLines = await env.runLines(a.runId);
      const bLines = await env.runLines(b.runId);
      assert.equal(aLines.length, 4);
      assert.equal(bLines.length, 4);
      assert.ok(aLines.every((l) => l.name.startsWith("a")));
      assert.ok(bLines.every((l) => l.name.startsWith("b")));
      for (const [label, lines] of [["a", aLines], ["b", bLines]] as const) {
        for (const l of lines.filter((l) => l.name !== label)) {
          const objects = Object.values(
            jsonAttr<Record<string, { value: unknown }>>(l, "dreadnode.objects"),
          );
          assert.deepEqual(
            objects.map((o) => o.value),
            [label],
            "each child logged its own run's input",
          );
          assert.equal(
            l.attributes["dreadnode.task.parent_id"],
            label === "a" ? a.taskId : b.taskId,
          );
        }
      }
    });
  });

  it("task() wraps sync functions synchronously and async ones as promises", async () => {
    await withTaskEnv(async (env) => {
      const add = task(function add(a: number, b: number) {
        return a + b;
      });
      const classify = task(async (text: string) => {
        await tick();
        return text.includes("good") ? "positive" : "negative";
      }, { name: "classifier", tags: ["nlp"] });
      const runId = await run("fns", {}, async (r) => {
        const sum = add(2, 3);
        assert.equal(sum, 5, "sync result, not a promise");
        const label = await classify("a good day");
        assert.equal(label, "positive");
        const [addTask, classTask] = r.tasks;
        assert.deepEqual(addTask.arguments, { args: [2, 3], names: ["a", "b"] });
        assert.equal(addTask.output, 5);
        assert.deepEqual(addTask.inputs, { a: 2, b: 3 });
        assert.deepEqual(classTask.outputs, { output: "positive" });
        return r.runId;
      });
      const lines = await env.runLines(runId);
      const cls = byName(lines, "classifier");
      assert.deepEqual(cls.attributes["dreadnode.tags"], ["nlp"]);
      const outHash = jsonAttr<ObjectRef[]>(cls, "dreadnode.outputs")[0].hash;
      const inHash = jsonAttr<ObjectRef[]>(cls, "dreadnode.inputs")[0].hash;
      const link = cls.events.find((e) => e.name === "dreadnode.object.link");
      assert.equal(link?.attributes["dreadnode.object.hash"], outHash);
      assert.equal(link?.attributes["dreadnode.link.hash"], inHash);
    });
  });

  it("task() runs scorers, honours logInputs/logOutput and rethrows errors", async () => {
    await withTaskEnv(async () => {
      function isPositive(out: string) {
        return out === "positive";
      }
      const length = { name: "length", score: (out: string) => Promise.resolve(out.length) };
      // A name no other test file declares at top level: bundlers (esbuild in the workerd run)
      // rename parameters that collide, and names are read from the function's source.
      const classify = task(
        (reviewText: string, _secretHint: string) => Promise.resolve(reviewText),
        {
          scorers: [isPositive, length],
          logInputs: ["reviewText"],
          logOutput: false,
        },
      );
      const failing = task((n: number) => {
        if (n > 0) throw new RangeError("too big");
        return n;
      });
      await run("scored", {}, async (r) => {
        await classify("positive", "hint");
        const t = r.tasks[0];
        assert.deepEqual(Object.keys(t.inputs), ["reviewText"]);
        assert.deepEqual(t.outputs, {});
        assert.deepEqual(t.metrics.ispositive.values, [1]);
        assert.deepEqual(t.metrics.length.values, [8]);
        assert.throws(() => failing(1), RangeError);
        assert.equal(r.tasks[1].failed, true);
        assert.equal(failing(0), 0);
      });
    });
  });

  it("task() links each score to the output it scores and marks its own refs auto", async () => {
    await withTaskEnv(async (env) => {
      const echo = task((text: string) => text, {
        name: "echo",
        scorers: [{ name: "len", score: (o) => o.length }],
      });
      const runId = run("linked", {}, (r) => {
        echo("hello");
        return r.runId;
      });
      const lines = await env.runLines(runId);
      const line = lines.find((l) => l.name === "echo")!;
      assert.ok(line, JSON.stringify(lines.map((l) => l.name)));
      const output = jsonAttr<ObjectRef[]>(line, "dreadnode.outputs")[0];
      const input = jsonAttr<ObjectRef[]>(line, "dreadnode.inputs")[0];
      // As dreadnode's decorator: {"auto": true} on the refs it logs, the score's origin the output.
      assert.deepEqual([input.attributes, output.attributes], [{ auto: true }, { auto: true }]);
      const metrics = jsonAttr<Record<string, { attributes: Record<string, unknown>[] }>>(
        line,
        "dreadnode.metrics",
      );
      assert.equal(metrics.len.attributes[0]["dreadnode.origin.hash"], output.hash);
      // With logOutput: false the output stays out of the export, origin included.
      const quiet = task((text: string) => `private ${text}`, {
        name: "quiet",
        logOutput: false,
        scorers: [{ name: "len", score: (o) => o.length }],
      });
      const quietRun = run("quiet", {}, (r) => {
        quiet("x");
        return r.runId;
      });
      const quietLines = JSON.stringify(await env.runLines(quietRun));
      assert.ok(!quietLines.includes("private x"), quietLines);
    });
  });

  it("logSample/logSamples open sample child tasks linking output to input", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("eval", {}, (r) => {
        logSample("sample-1", "input text", "output text", { metrics: { accuracy: 0.95 } });
        logSamples("eval-set", [
          ["input 1", "output 1"],
          ["input 2", "output 2", { score: 0.8 }],
          ["bad"] as unknown as Sample,
        ]);
        return r.runId;
      });
      assert.ok(env.codes().includes("invalid_sample"));
      const lines = await env.runLines(runId);
      const samples = lines.filter((l) => l.attributes["dreadnode.type"] === "sample");
      assert.deepEqual(samples.map((l) => l.name), ["sample-1", "eval-set", "eval-set"]);
      const first = samples[0];
      const input = jsonAttr<ObjectRef[]>(first, "dreadnode.inputs")[0];
      const output = jsonAttr<ObjectRef[]>(first, "dreadnode.outputs")[0];
      assert.equal(input.name, "input");
      assert.equal(output.name, "output");
      const link = first.events.find((e) => e.name === "dreadnode.object.link");
      assert.equal(link?.attributes["dreadnode.object.hash"], output.hash);
      assert.equal(link?.attributes["dreadnode.link.hash"], input.hash);
      const metrics = jsonAttr<
        Record<string, { values: number[]; attributes: Record<string, unknown>[] }>
      >(first, "dreadnode.metrics");
      assert.deepEqual(metrics.accuracy.values, [0.95]);
      assert.equal(metrics.accuracy.attributes[0]["dreadnode.origin.hash"], output.hash);
      assert.deepEqual(jsonAttr<Record<string, unknown>>(samples[2], "dreadnode.metrics").score, {
        values: [0.8],
        steps: [0],
        timestamps:
          jsonAttr<Record<string, { timestamps: string[] }>>(samples[2], "dreadnode.metrics").score
            .timestamps,
        attributes: [{
          "dreadnode.origin.hash": jsonAttr<ObjectRef[]>(samples[2], "dreadnode.outputs")[0].hash,
        }],
      });
    });
  });

  it("pushUpdate writes a run_update snapshot and really flushes", async () => {
    await withTaskEnv(async (env) => {
      await run("long", {}, async (r) => {
        logParam("model", "gpt-4o");
        logMetric("progress", 0.5);
        await pushUpdate();
        const lines = await env.storage.readLines(["projects", "default", r.runId, "spans.jsonl"]);
        assert.equal(lines.length, 1, "the snapshot is on disk while the run is still going");
        const update = JSON.parse(lines[0]);
        assert.equal(update.name, "long.update");
        assert.equal(update.attributes["dreadnode.type"], "run_update");
        assert.equal(update.attributes["dreadnode.task.id"], r.taskId);
        assert.deepEqual(JSON.parse(update.attributes["dreadnode.params"]), { model: "gpt-4o" });
      });
      await pushUpdate(); // outside a task: only flushes, never rejects
    });
  });

  it("bindSessionId stamps spans at start and routes them to the session file", async () => {
    await withTaskEnv(async (env) => {
      const built = taskSpan("built-outside");
      bindSessionId("session_123", () => {
        taskSpan("chat:turn-1", {}, () => {
          logInput("prompt", "Hi");
          logOutput("response", "Hello!");
        });
        bindSessionId("inner", () => span("inner-span", () => {}));
        span("after-inner", () => {});
      });
      built.end();
      const lines = await env.lines(["sessions", "session_123", "chat_session_123.jsonl"]);
      assert.deepEqual(lines.map((l) => l.name), ["chat:turn-1", "after-inner"]);
      assert.equal(lines[0].attributes["dreadnode.session.id"], "session_123");
      const inner = await env.lines(["sessions", "inner", "chat_inner.jsonl"]);
      assert.deepEqual(inner.map((l) => l.name), ["inner-span"]);
      const outside = await env.runLines(built.runId);
      assert.equal(outside[0].attributes["dreadnode.session.id"], undefined);
    });
  });

  it("taskAndRun is a root run outside a task and a child inside one", async () => {
    await withTaskEnv(async (env) => {
      const root = taskAndRun("eval-run", {
        taskName: "scoring",
        taskType: "evaluation",
        inputs: { dataset: "test-v2" },
        params: { k: 1 },
      }, (t) => {
        assert.equal(t.runId, t.taskId);
        assert.match(t.taskId, /^[0-9a-f]{32}$/);
        assert.equal(t.type, "evaluation");
        assert.deepEqual(t.inputs, { dataset: "test-v2" });
        return taskAndRun("nested", (child) => child);
      });
      assert.equal(root.parentTask?.name, "scoring");
      assert.equal(root.runId, root.parentTask?.runId);
      const lines = await env.runLines(root.runId);
      assert.deepEqual(lines.map((l) => l.name), ["nested", "scoring"]);
    });
  });
});
