// Numbers inside a task's JSON-encoded state attributes are written in Python's forms, as the
// JSONL line around them writes its own: a step or param past 2^53 with all its digits (JavaScript
// wrote 2^60 as `1152921504606847000`, which Python's json.loads reads as another int), and metric
// values as the floats they are in dreadnode (2^64 as `1.8446744073709552e+19`, 3 as `3.0`, not
// `18446744073709552000` and `3`; a `count` aggregate is an int there, and here).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { taskSpan } from "../../src/task/mod.ts";
import { MAX_METRIC_CHARS_PER_TASK } from "../../src/task/metrics.ts";
import { jsonWithPythonNumbers, pythonFloatJson } from "../../src/serialize/python_json.ts";
import { jsonAttr, withTaskEnv } from "../_support/task_env.ts";

const step = (n: bigint) => n as unknown as number;

describe("numbers in a task's state attributes", () => {
  it("write steps as Python ints and metric values as Python floats", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t");
      t.logMetric("m", 2 ** 64, { step: step(2n ** 60n) });
      t.logMetric("m", 3, { step: 4 });
      t.logMetric("m", 0.5, { step: step(2n ** 53n + 2n) });
      t.logMetric("m", 1e-5);
      t.logMetric("m", 1e21);
      t.end();
      const [line] = await env.runLines(t.runId);
      const text = line.attributes["dreadnode.metrics"] as string;
      assert.match(
        text,
        /^\{"m":\{"values":\[1\.8446744073709552e\+19,3\.0,0\.5,1e-05,1e\+21\],"steps":\[1152921504606846976,4,9007199254740994,0,0\],/,
      );
      const parsed = jsonAttr<{ m: { values: number[]; steps: number[] } }>(
        line,
        "dreadnode.metrics",
      );
      assert.deepEqual(parsed.m.values, [2 ** 64, 3, 0.5, 1e-5, 1e21]);
      assert.deepEqual(parsed.m.steps, [2 ** 60, 4, 2 ** 53 + 2, 0, 0]);
    });
  });

  it("write a count aggregate as the int dreadnode computes (`len(others) + 1`)", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t");
      t.logMetric("calls", 0.7, { aggregation: "count" });
      t.logMetric("calls", 0.2, { aggregation: "count" });
      t.logMetric("mean", 1, { aggregation: "avg" });
      t.logMetric("mean", 2, { aggregation: "avg" });
      t.end();
      const [line] = await env.runLines(t.runId);
      const text = line.attributes["dreadnode.metrics"] as string;
      assert.match(text, /"calls":\{"values":\[1,2\],/);
      assert.match(text, /"mean":\{"values":\[1\.0,1\.5\],/);
    });
  });

  it("write integers past 2^53 in params, objects and point attributes with all their digits", async () => {
    await withTaskEnv(async (env) => {
      const t = taskSpan("t");
      t.logParam("seed", 2 ** 60);
      t.logParam("nested", { big: [-(2 ** 63), 1e21], tiny: 1.5e-7, name: "é" });
      t.logInput("x", { id: 2 ** 60 });
      t.logMetric("agg", 2 ** 64, { aggregation: "max", attributes: { id: 2 ** 60 } });
      t.end();
      const [line] = await env.runLines(t.runId);
      assert.equal(
        line.attributes["dreadnode.params"],
        '{"seed":1152921504606846976,"nested":{"big":[-9223372036854775808,' +
          '1000000000000000000000],"tiny":1.5e-07,"name":"é"}}',
      );
      assert.match(line.attributes["dreadnode.objects"] as string, /"id":1152921504606846976\b/);
      // Where every number prints alike, the text is JSON.stringify's (non-ASCII as it is).
      const plain = taskSpan("plain");
      plain.logParam("p", { a: [1, 0.25, -3, 9007199254740991], s: "héllo", n: null });
      plain.end();
      const [plainLine] = await env.runLines(plain.runId);
      assert.equal(
        plainLine.attributes["dreadnode.params"],
        JSON.stringify({ p: { a: [1, 0.25, -3, 9007199254740991], s: "héllo", n: null } }),
      );
      assert.match(
        line.attributes["dreadnode.metrics"] as string,
        /"attributes":\[\{"id":1152921504606846976,"original":1\.8446744073709552e\+19,"aggregation":"max"\}\]/,
      );
    });
  });

  it("keep a task's metrics within their budget, counted in the written forms", async () => {
    await withTaskEnv((env) => {
      const t = taskSpan("t");
      // 1e300 prints as 1e+300 in JavaScript but as 301 digits in Python's int form: the budget
      // counts what is written.
      for (let i = 0; i < 20_000; i++) {
        t.logMetric(`m${i % 4}`, i, { step: i, attributes: { big: 1e300 } });
      }
      const state = t.stateAttributes()["dreadnode.metrics"] as string;
      assert.ok(state.length <= MAX_METRIC_CHARS_PER_TASK, `${state.length} characters`);
      assert.ok(state.length > MAX_METRIC_CHARS_PER_TASK - 2000, "the budget is used");
      t.end();
      assert.ok(env.codes().includes("metric_budget_full"));
    });
  });
});

describe("the Python number writers", () => {
  it("write floats as Python's repr does", () => {
    const cases: [number, string][] = [
      [0, "0.0"],
      [-0, "-0.0"],
      [3, "3.0"],
      [-2.5, "-2.5"],
      [0.0001, "0.0001"],
      [0.00001, "1e-05"],
      [1.5e-7, "1.5e-07"],
      [1234567890123456, "1234567890123456.0"],
      [1e16, "1e+16"],
      [12345678901234568, "1.2345678901234568e+16"],
      [2 ** 64, "1.8446744073709552e+19"],
      [-1e300, "-1e+300"],
      [5e-324, "5e-324"],
      [Number.MAX_VALUE, "1.7976931348623157e+308"],
      [NaN, "NaN"],
      [-Infinity, "-Infinity"],
    ];
    for (const [n, text] of cases) assert.equal(pythonFloatJson(n), text, String(n));
  });

  it("write JSON with Python's number forms, and throw where JSON.stringify does", () => {
    assert.equal(jsonWithPythonNumbers({ a: 2 ** 60 }), '{"a":1152921504606846976}');
    assert.equal(
      jsonWithPythonNumbers([0.00005, 1e-7, 1e21]),
      "[5e-05,1e-07,1000000000000000000000]",
    );
    assert.equal(
      jsonWithPythonNumbers({ s: "1e+21 0.00001 12345678901234567" }),
      '{"s":"1e+21 0.00001 12345678901234567"}',
    );
    assert.equal(
      jsonWithPythonNumbers({ toJSON: () => ({ n: 2 ** 60 }) }),
      '{"n":1152921504606846976}',
    );
    assert.equal(
      jsonWithPythonNumbers([0.30000000000000004, 1e-4]),
      "[0.30000000000000004,0.0001]",
    );
    assert.throws(() => jsonWithPythonNumbers({ b: 1n }), TypeError);
    assert.throws(() => jsonWithPythonNumbers(undefined), TypeError);
  });
});
