// task() around generator functions: the task covers the generator's life, from its first next()
// to its return, its exception or its early close.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getCurrentTask, logOutput, run, task, taskSpan } from "../../src/task/mod.ts";
import { byName, jsonAttr, withTaskEnv } from "../_support/task_env.ts";

// The workerd run bundles the tests with esbuild, which may rename functions: tasks are named.

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("task() around generator functions", () => {
  it("a sync generator's task covers its steps: inputs, output, current task, yielded count", async () => {
    await withTaskEnv(async (env) => {
      const numbers = task(function* numbers(n: number) {
        for (let i = 0; i < n; i++) yield getCurrentTask()?.name;
        taskSpan("inner", {}, () => {});
        logOutput("note", "inside");
        return "finished";
      }, { name: "numbers", argNames: ["n"] });
      const runId = run("r", {}, (r) => {
        const gen = numbers(3);
        assert.equal(Object.prototype.toString.call(gen), "[object Generator]");
        assert.equal(r.tasks.length, 0, "nothing starts before the first next()");
        assert.deepEqual([...gen], ["numbers", "numbers", "numbers"]);
        assert.deepEqual(gen.next(), { done: true, value: undefined });
        const [t] = r.tasks;
        assert.equal(t.active, false);
        assert.deepEqual(t.inputs, { n: 3 });
        assert.deepEqual(t.outputs, { note: "inside", output: "finished" });
        assert.equal(t.tasks[0]?.name, "inner", "child tasks started inside land on it");
        assert.deepEqual(r.outputs, {}, "nothing lands on the run");
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "numbers");
      assert.equal(line.attributes["tracelet.task.yielded"], 3);
      assert.equal(line.status, "UNSET");
    });
  });

  it("an async generator's task lasts until it returns, across awaits", async () => {
    await withTaskEnv(async () => {
      const stream = task(async function* stream(n: number) {
        for (let i = 0; i < n; i++) {
          await tick();
          yield i;
        }
        await tick();
        logOutput("final", getCurrentTask()?.name);
        return n;
      }, {
        name: "stream",
        argNames: ["n"],
        scorers: [{ name: "is_three", score: (out) => out === 3 }],
      });
      await run("r", {}, async (r) => {
        const gen = stream(3);
        assert.equal(typeof gen[Symbol.asyncIterator], "function");
        assert.equal(Object.prototype.toString.call(gen), "[object AsyncGenerator]");
        const seen: number[] = [];
        for await (const v of gen) seen.push(v);
        assert.deepEqual(seen, [0, 1, 2]);
        const [t] = r.tasks;
        assert.equal(t.active, false);
        assert.deepEqual(t.outputs, { final: "stream", output: 3 });
        assert.deepEqual(t.metrics.is_three?.values, [1], "scorers run on the return value");
        assert.equal(t.attributes["tracelet.task.yielded"], 3);
        assert.deepEqual(r.outputs, {});
      });
    });
  });

  it("a generator never consumed records nothing", async () => {
    await withTaskEnv(async (env) => {
      const gen = task(function* gen() {
        yield 1;
      });
      const agen = task(async function* agen() {
        yield 1;
      });
      const runId = run("r", {}, (r) => {
        gen();
        agen();
        const closed = gen();
        assert.deepEqual(closed.return(undefined), { done: true, value: undefined });
        assert.deepEqual(closed.next(), { done: true, value: undefined });
        assert.equal(r.tasks.length, 0);
        return r.runId;
      });
      assert.deepEqual((await env.runLines(runId)).map((l) => l.name), ["r"]);
    });
  });

  it("a for…of break ends the task normally; its finally block runs with the task current", async () => {
    await withTaskEnv(async () => {
      const endless = task(function* endless() {
        try {
          for (let i = 0;; i++) yield i;
        } finally {
          logOutput("closed_in", getCurrentTask()?.name);
        }
      }, { name: "endless" });
      const aendless = task(async function* aendless() {
        try {
          for (let i = 0;; i++) {
            await tick();
            yield i;
          }
        } finally {
          logOutput("closed_in", getCurrentTask()?.name);
        }
      }, { name: "aendless" });
      await run("r", {}, async (r) => {
        for (const v of endless()) if (v === 1) break;
        for await (const v of aendless()) if (v === 2) break;
        const [sync, async] = r.tasks;
        for (const [t, yielded] of [[sync, 2], [async, 3]] as const) {
          assert.equal(t.active, false, t.name);
          assert.equal(t.failed, false, t.name);
          assert.deepEqual(t.outputs, { closed_in: t.name });
          assert.equal(t.attributes["tracelet.task.yielded"], yielded);
        }
      });
    });
  });

  it("an exception is recorded on the task and rethrown unchanged", async () => {
    await withTaskEnv(async () => {
      const boom = new RangeError("boom");
      const bad = task(function* bad() {
        yield 1;
        throw boom;
      });
      const abad = task(async function* abad() {
        yield 1;
        await tick();
        throw boom;
      });
      await run("r", {}, async (r) => {
        assert.throws(() => [...bad()], (e: unknown) => e === boom);
        await assert.rejects(async () => {
          for await (const _ of abad()) { /* consume */ }
        }, (e: unknown) => e === boom);
        for (const t of r.tasks) {
          assert.equal(t.active, false, t.name);
          assert.equal(t.failed, true, t.name);
          assert.throws(() => t.raiseIfFailed(), (e: unknown) => e === boom);
        }
        assert.equal(r.failed, false);
      });
    });
  });

  it("keeps `this`, and ends once when async steps are requested without waiting", async () => {
    await withTaskEnv(async () => {
      const source = {
        items: [1, 2],
        each: task(async function* (this: { items: number[] }) {
          for (const item of this.items) yield item;
          return this.items.length;
        }, { name: "each" }),
      };
      await run("r", {}, async (r) => {
        const gen = source.each();
        const steps = await Promise.all([gen.next(), gen.next(), gen.next(), gen.next()]);
        assert.deepEqual(steps, [
          { done: false, value: 1 },
          { done: false, value: 2 },
          { done: true, value: 2 },
          { done: true, value: undefined },
        ]);
        assert.equal(r.tasks.length, 1);
        const [t] = r.tasks;
        assert.equal(t.active, false);
        assert.deepEqual(t.outputs, { output: 2 });
        assert.equal(t.attributes["tracelet.task.yielded"], 2);
      });
    });
  });

  it("a plain function returning a generator is reported", async () => {
    await withTaskEnv((env) => {
      function* inner() {
        yield 1;
      }
      const wrapped = task(function returnsGenerator() {
        return inner();
      });
      run("r", {}, () => void [...wrapped()]);
      assert.ok(env.codes().includes("task_generator_result"));
    });
  });

  it("the output and inputs of a generator task are on its JSONL line", async () => {
    await withTaskEnv(async (env) => {
      const pairs = task(async function* pairs(label: string) {
        yield label;
        return { label };
      }, { name: "pairs", argNames: ["label"] });
      const runId = await run("r", {}, async (r) => {
        for await (const _ of pairs("x")) { /* consume */ }
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "pairs");
      const outputs = jsonAttr<{ name: string; hash: string }[]>(line, "dreadnode.outputs");
      assert.deepEqual(outputs.map((o) => o.name), ["output"]);
      const objects = jsonAttr<Record<string, { value: unknown }>>(line, "dreadnode.objects");
      assert.deepEqual(objects[outputs[0].hash].value, { label: "x" }, "the return value");
      assert.deepEqual(
        jsonAttr<{ name: string }[]>(line, "dreadnode.inputs").map((i) => i.name),
        ["label"],
      );
    });
  });
});
