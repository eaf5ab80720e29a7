// A Map is the JavaScript form of the Python dict that dreadnode's log_params, log_metrics and
// log_inputs take: one with string keys is read as the record. Anything else that is not a
// record is reported (invalid_task_input), never read as empty in silence.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  logInputs,
  logMetrics,
  logOutputs,
  logParams,
  Metric,
  run,
  taskSpan,
} from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

describe("task: records given as Maps", () => {
  it("logs the entries of a Map with string keys as params, inputs, outputs and metrics", async () => {
    await withTaskEnv((env) => {
      run("maps", {}, (r) => {
        const stored = logMetrics(new Map([["precision", 0.9], ["recall", 0.8]]), { step: 1 });
        assert.deepEqual(stored.map((m) => [m.value, m.step]), [[0.9, 1], [0.8, 1]]);
        logParams(new Map([["model", "gpt-4o"]]));
        logInputs(new Map([["prompt", "hi"]]));
        logOutputs(new Map([["answer", "hello"]]));
        assert.deepEqual(Object.keys(r.metrics), ["precision", "recall"]);
        assert.deepEqual(r.params, { model: "gpt-4o" });
        assert.deepEqual(r.inputs, { prompt: "hi" });
        assert.deepEqual(r.outputs, { answer: "hello" });
      });
      assert.deepEqual(env.codes(), []);
    });
  });

  it("takes Maps as a task's params, inputs and metrics options", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("options", {
        params: new Map([["lr", 0.1]]),
        inputs: new Map([["x", 1]]),
        metrics: new Map([["acc", 1]]),
      });
      assert.deepEqual([t.params, t.inputs, t.metrics.acc.values], [{ lr: 0.1 }, { x: 1 }, [1]]);
      assert.deepEqual(env.codes(), []);
      t.end();
    });
  });

  it("takes a Map as a metric's attributes", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("attributes");
      const m = new Metric(1, { attributes: new Map([["split", "dev"]]) as never });
      assert.deepEqual(m.attributes, { split: "dev" });
      t.logMetric("acc", m);
      assert.deepEqual(t.metrics.acc.points[0].attributes, { split: "dev" });
      assert.deepEqual(env.codes(), []);
      t.end();
    });
  });

  it("reports the entries of a Map whose key is not a string, logging the others", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("keys");
      t.logParams(new Map<unknown, unknown>([["a", 1], [2, "b"], [{}, 3]]) as never);
      assert.deepEqual(t.params, { a: 1 });
      assert.deepEqual(env.codes(), ["invalid_task_input"]);
      assert.match(
        env.diagnostics[0].message,
        /2 params entries of a Map \(key 2 of type number\)/,
      );
      t.end();
    });
  });

  it("reports a value that is not a record instead of reading it as empty", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("not records");
      t.logParams(new Set(["a"]) as never);
      t.logParams(["a", "b"] as never);
      t.logMetrics(new Date() as never);
      t.logMetric("m", 1, { attributes: new Uint8Array(2) as never });
      assert.deepEqual(t.params, {});
      assert.deepEqual(t.metrics.m.points[0].attributes, {});
      const messages = env.diagnostics.map((d) => `${d.code}: ${d.message}`);
      assert.equal(messages.length, 3, messages.join("\n")); // once per what
      assert.match(messages[0], /^invalid_task_input: Cannot log params: .*got a Set$/);
      assert.match(messages[1], /^invalid_task_input: Cannot log metrics: .*got a Date$/);
      t.end();
    });
  });

  it("says what logMetrics takes when given [name, value] pairs or entries without a name", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("pairs");
      const stored = t.logMetrics(Object.entries({ p: 1 }) as never);
      assert.deepEqual(stored, []);
      t.logMetrics([{ value: 1 }] as never);
      const [pairs] = env.diagnostics.map((d) => d.message);
      assert.match(pairs, /Cannot log a metric entry that is an array \(\[p,1\]\): /);
      assert.match(pairs, /Object\.fromEntries\(pairs\) or new Map\(pairs\)/);
      assert.ok(!env.diagnostics.some((d) => /undefined/.test(d.message)), "no `metric undefined`");
      assert.deepEqual(env.codes(), ["invalid_task_input"], "reported once");
      assert.deepEqual(Object.keys(t.metrics), []);
      t.end();
    });
  });

  it("reads input, output and link attributes as records: a Map's entries, an array reported", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("ref attributes");
      t.logInput("prompt", "hi", { attributes: new Map([["source", "user"]]) as never });
      t.logOutput("answer", "hello", { attributes: ["not", "a", "record"] as never });
      t.linkObjects("h1", "h2", new Map([["relation", "generated_from"]]) as never);
      const state = t.stateAttributes();
      const refs = (key: string) => JSON.parse(state[key] as string)[0].attributes;
      assert.deepEqual(refs("dreadnode.inputs"), { source: "user" });
      assert.deepEqual(refs("dreadnode.outputs"), {});
      assert.deepEqual(env.codes(), ["invalid_task_input"]);
      assert.match(env.diagnostics[0].message, /Cannot log output attributes: .*got an array$/);
      t.end();
      const [line] = await env.runLines(t.runId);
      const link = line.events.find((e) => e.name === "dreadnode.object.link")!;
      assert.equal(link.attributes.relation, "generated_from");
    });
  });
});
