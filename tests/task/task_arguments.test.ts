// deno-lint-ignore-file no-unused-vars -- some functions only exist to have their parameters read
// How task() binds call arguments to parameters: a rest parameter gathers its arguments into one
// array input, as dreadnode binds `*args` to one tuple.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { run, task } from "../../src/task/mod.ts";
import { parameterList } from "../../src/task/parameter_names.ts";
import { withTaskEnv } from "../_support/task_env.ts";
import { isWorkerd } from "../_support/runtime.ts";

// The workerd run bundles the tests with esbuild, which may rename parameters: the tests that
// read parameter names from the source run unbundled only.
const unbundled = { skip: isWorkerd };

describe("task() arguments", () => {
  it("logs the arguments a rest parameter gathers as one array input", unbundled, async () => {
    await withTaskEnv(() => {
      const sum = task(function sum(label: string, ...nums: number[]) {
        return nums.reduce((a, b) => a + b, 0);
      });
      run("r", {}, (r) => {
        assert.equal(sum("total", 1, 2, 3), 6);
        sum("none");
        const [full, empty] = r.tasks;
        assert.deepEqual(full.inputs, { label: "total", nums: [1, 2, 3] });
        assert.deepEqual(full.arguments?.names, ["label", "nums", "nums", "nums"]);
        assert.deepEqual(full.arguments?.args, ["total", 1, 2, 3]);
        assert.deepEqual(empty.inputs, { label: "none", nums: [] }, "an empty rest is logged");
      });
    });
  });

  it("reads `...name` in argNames as the rest parameter", async () => {
    await withTaskEnv(() => {
      const join = task((sep: string, ...parts: string[]) => parts.join(sep), {
        name: "join",
        argNames: ["sep", "...parts"],
      });
      const only = task((sep: string, ...parts: string[]) => parts.join(sep), {
        name: "only",
        argNames: ["sep", "...parts"],
        logInputs: ["parts"],
      });
      run("r", {}, (r) => {
        assert.equal(join("-", "a", "b"), "a-b");
        only("-", "c");
        assert.deepEqual(r.tasks[0].inputs, { sep: "-", parts: ["a", "b"] });
        assert.deepEqual(r.tasks[1].inputs, { parts: ["c"] });
      });
    });
  });

  it("parameterList gives the rest position", unbundled, () => {
    assert.deepEqual(parameterList(function f(a: unknown, ...rest: unknown[]) {}), {
      names: ["a", "rest"],
      rest: 1,
    });
    assert.deepEqual(parameterList((...[x, y]: number[]) => x + y), { names: ["arg0"], rest: 0 });
    assert.deepEqual(parameterList((a: unknown, b = "...") => {}), { names: ["a", "b"], rest: -1 });
    assert.deepEqual(parameterList(() => {}), { names: [], rest: -1 });
  });
});
