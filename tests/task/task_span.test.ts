import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Span } from "../../mod.ts";
import {
  getCurrentTask,
  INLINE_OBJECT_LIMIT,
  loadObjectValue,
  type ObjectRef,
  run,
  type StoredObject,
  TaskSpan,
  taskSpan,
} from "../../src/task/mod.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

describe("TaskSpan data model", () => {
  it("is a real span reaching the processors, with its state written at end in the wire schema", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("data-prep", { tags: ["ETL", "v2-beta"] });
      assert.ok(t instanceof TaskSpan);
      assert.ok(t.span instanceof Span);
      t.logParam("model", "gpt-4o");
      t.logParams({ temperature: 0.7, max_tokens: 1000 });
      const rows = t.logInput("rows", 250);
      const status = t.logOutput("status", "ok");
      t.logMetric("latency_ms", 112, { step: 1 });
      assert.equal(t.attributes["dreadnode.params"], undefined, "nothing written before end");
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(line.name, "data-prep");
      assert.equal(line.attributes["dreadnode.type"], "task");
      assert.equal(line.attributes["dreadnode.label"], "data_prep");
      assert.deepEqual(line.attributes["dreadnode.tags"], ["etl", "v2_beta"]);
      assert.equal(line.attributes["dreadnode.project"], "default");
      assert.equal(line.attributes["dreadnode.run.id"], t.taskId);
      assert.equal(line.attributes["dreadnode.task.id"], t.taskId);
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), {
        model: "gpt-4o",
        temperature: 0.7,
        max_tokens: 1000,
      });
      // Python-parity hashes: sha1("250")[:16] and sha1("<data>:<schema zero>")[:16].
      assert.equal(rows, "687e5cfeadd1f200");
      assert.equal(status, "e9dc60ce701b2d21");
      assert.deepEqual(jsonAttr(line, "dreadnode.inputs"), [{
        name: "rows",
        label: "rows",
        hash: rows,
        attributes: {},
      }]);
      assert.deepEqual(jsonAttr<ObjectRef[]>(line, "dreadnode.outputs")[0].hash, status);
      assert.deepEqual(jsonAttr(line, "dreadnode.objects"), {
        [rows]: { hash: rows, schema_hash: "0000000000000000", value: 250, type: "val" },
        [status]: { hash: status, schema_hash: "0000000000000000", value: "ok", type: "val" },
      });
      assert.deepEqual(jsonAttr(line, "dreadnode.object_schemas"), { "0000000000000000": {} });
      const metrics = jsonAttr<
        Record<string, { values: number[]; steps: number[]; timestamps: string[] }>
      >(line, "dreadnode.metrics");
      assert.deepEqual(metrics.latency_ms.values, [112]);
      assert.deepEqual(metrics.latency_ms.steps, [1]);
      assert.match(metrics.latency_ms.timestamps[0], /^\d{4}-\d\d-\d\dT.*\+00:00$/);
      assert.deepEqual(jsonAttr(line, "dreadnode.artifacts"), []);
      assert.deepEqual(line.attributes["dreadnode.large_attributes"], [
        "dreadnode.objects",
        "dreadnode.object_schemas",
      ]);
    });
  });

  it("omits dreadnode.large_attributes when there are no objects", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("empty");
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(line.attributes["dreadnode.large_attributes"], undefined);
      assert.deepEqual(jsonAttr(line, "dreadnode.objects"), {});
    });
  });

  it("keeps inputs and outputs maps (later names win; falsy values are kept)", async () => {
    await withTaskEnv(() => {
      const t = taskSpan("io");
      t.logInput("n", 0);
      t.logInput("flag", false);
      t.logInput("n", 5);
      t.logOutput("empty", "");
      assert.deepEqual(t.inputs, { n: 5, flag: false });
      assert.deepEqual(t.outputs, { empty: "" });
      t.end();
    });
  });

  it("deduplicates objects by content hash; getObject returns the record and live value", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("objects");
      const value = { a: 1, list: [1, 2] };
      const h1 = t.logObject(value);
      const h2 = t.logObject({ a: 1, list: [1, 2] });
      assert.equal(h1, h2);
      assert.match(h1, /^[0-9a-f]{16}$/);
      const obj = t.getObject(h1);
      assert.equal(obj?.value, value);
      assert.equal(obj?.record.type, "val");
      assert.equal(t.getObject("0000000000000000"), undefined);
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(Object.keys(jsonAttr(line, "dreadnode.objects")).length, 1);
    });
  });

  it("stores objects larger than 10 KiB in the blob store and references them by URI", async () => {
    await withTaskEnv(async (env) => {
      const big = "x".repeat(INLINE_OBJECT_LIMIT + 1);
      const t = taskSpan("big");
      const hash = t.logOutput("doc", big);
      await t.settled();
      t.end();
      const [line] = await env.runLines(t.runId);
      const record = jsonAttr<Record<string, StoredObject>>(line, "dreadnode.objects")[hash];
      assert.equal(record.type, "uri");
      assert.ok(record.type === "uri" && record.uri.startsWith("storage:objects/"));
      assert.ok(record.type === "uri" && record.size === INLINE_OBJECT_LIMIT + 1);
      assert.equal(await loadObjectValue(env.storage, record), big);
      const small = "y".repeat(INLINE_OBJECT_LIMIT);
      const t2 = taskSpan("small");
      const h2 = t2.logOutput("doc", small);
      assert.equal(t2.getObject(h2)?.record.type, "val");
      t2.end();
    });
  });

  it("redacts secrets under sensitive names and keys before hashing or storing", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("secrets");
      t.logParam("api_key", "sk-live-123");
      t.logInput("request", { headers: { Authorization: "Bearer abc" }, q: "hi" });
      t.logInput("password", "hunter2");
      t.end();
      const [line] = await env.runLines(t.runId);
      const text = JSON.stringify(line);
      assert.ok(!text.includes("sk-live-123"));
      assert.ok(!text.includes("Bearer abc"));
      assert.ok(!text.includes("hunter2"));
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), { api_key: "***REDACTED***" });
      assert.ok(text.includes("***REDACTED***"));
    });
  });

  it("tracks children, parents, the run id and nearest agent/evaluation/study ids", async () => {
    await withTaskEnv(async (env) => {
      await run("root", {}, (root) => {
        assert.match(root.taskId, /^[0-9a-f]{32}$/);
        assert.equal(root.runId, root.taskId);
        assert.equal(root.rootId, root.taskId);
        assert.equal(root.parentTaskId, "");
        taskSpan("agent-1", { type: "agent" }, (agent) => {
          assert.equal(agent.parentTask, root);
          assert.equal(agent.parentTaskId, root.taskId);
          assert.equal(agent.runId, root.runId);
          assert.equal(agent.agentId, agent.taskId);
          taskSpan("tool-1", { type: "tool" }, (tool) => {
            assert.equal(tool.agentId, agent.taskId);
            assert.equal(tool.evalId, undefined);
            assert.equal(tool.studyId, undefined);
            assert.equal(getCurrentTask(), tool);
          });
        });
        taskSpan("eval", { type: "evaluation" }, (ev) => assert.equal(ev.evalId, ev.taskId));
        assert.deepEqual(root.tasks.map((t) => t.name), ["agent-1", "eval"]);
        assert.deepEqual(root.allTasks.map((t) => t.name), ["agent-1", "tool-1", "eval"]);
      });
      assert.equal(getCurrentTask(), undefined, "nothing is current after the callback");
      assert.deepEqual(env.codes(), []);
    });
  });

  it("writes child lines to the run's file with parent ids and task parent ids", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        taskSpan("child", {}, () => {});
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name), ["child", "r"], "children end first");
      const child = byName(lines, "child");
      const root = byName(lines, "r");
      assert.equal(child.parent_id, root.span_id);
      assert.equal(child.trace_id, root.trace_id);
      assert.equal(child.attributes["dreadnode.task.parent_id"], runId);
      assert.equal(child.attributes["dreadnode.run.id"], runId);
    });
  });

  it("records an exception, marks the task failed and rethrows", async () => {
    await withTaskEnv(async (env) => {
      let task: TaskSpan | undefined;
      await assert.rejects(
        run("boom", {}, async (t) => {
          task = t;
          t.logInput("x", 1);
          await Promise.resolve();
          throw new TypeError("bad input");
        }),
        TypeError,
      );
      assert.equal(task?.failed, true);
      assert.equal(task?.active, false);
      const [line] = await env.runLines(task!.runId);
      assert.equal(line.status, "ERROR");
      assert.equal(line.events[0].name, "exception");
      assert.equal(line.events[0].attributes["exception.type"], "TypeError");
      assert.equal(
        jsonAttr<ObjectRef[]>(line, "dreadnode.inputs").length,
        1,
        "state still written",
      );
    });
  });

  it("ignores logging after end with a diagnostic instead of throwing", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("done");
      t.end();
      t.end();
      assert.equal(t.logInput("late", 1), "");
      t.logParam("late", 1);
      assert.equal(t.logMetric("late", 1), undefined);
      assert.deepEqual(t.params, {});
      assert.ok(env.codes().includes("task_ended"));
    });
  });

  it("supports `using` for a task that is not made current", async () => {
    await withTaskEnv(async (env) => {
      let runId = "";
      {
        using t = run("scoped");
        runId = t.runId;
        assert.equal(getCurrentTask(), undefined);
        t.inContext(() => assert.equal(getCurrentTask(), t));
        using child = taskSpan("child", { parent: t });
        assert.equal(child.parentTask, t);
      }
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name).sort(), ["child", "scoped"]);
    });
  });

  it("links objects with a dreadnode.object.link event naming the origin span", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("link");
      const a = t.logInput("in", "question");
      const b = t.logOutput("out", "answer");
      t.linkObjects(b, a, { relation: "generated_from" });
      t.end();
      const [line] = await env.runLines(t.runId);
      const event = line.events.find((e) => e.name === "dreadnode.object.link");
      assert.deepEqual(event?.attributes, {
        relation: "generated_from",
        "dreadnode.object.hash": b,
        "dreadnode.link.hash": a,
        "dreadnode.origin.span_id": t.spanId,
      });
    });
  });
});
