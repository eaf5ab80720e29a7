// task() around generator functions, at the edges of a generator's life: scorers, requests made
// without waiting, early close, a task() around a generator task, a finally block that yields.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getCurrentTask, logMetric, logOutput, run, task, taskSpan } from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

// The workerd run bundles the tests with esbuild, which may rename functions: tasks are named.

const tick = () => new Promise((r) => setTimeout(r, 1));

describe("task() around generator functions: edges", () => {
  it("scorers run with the generator's task current: what they record lands on it", async () => {
    await withTaskEnv(async () => {
      const seen: (string | undefined)[] = [];
      const scorer = {
        name: "checked",
        score: async (_: unknown) => {
          await tick();
          seen.push(getCurrentTask()?.name);
          logMetric("from_scorer", 1);
          taskSpan("judge", {}, () => {});
          return true;
        },
      };
      const syncScorer = {
        name: "checked",
        score: (_: unknown) => {
          seen.push(getCurrentTask()?.name);
          logMetric("from_scorer", 1);
          return true;
        },
      };
      const agen = task(async function* agen() {
        yield 1;
        return 2;
      }, { name: "agen", scorers: [scorer] });
      const sgen = task(function* sgen() {
        yield 1;
        return 2;
      }, { name: "sgen", scorers: [syncScorer] });
      await run("r", {}, async (r) => {
        for await (const _ of agen()) { /* consume */ }
        for (const _ of sgen()) { /* consume */ }
        assert.deepEqual(seen, ["agen", "sgen"]);
        assert.deepEqual(Object.keys(r.metrics), [], "nothing lands on the run");
        const [a, s] = r.tasks;
        assert.deepEqual(Object.keys(a.metrics).sort(), ["checked", "from_scorer"]);
        assert.deepEqual(Object.keys(s.metrics).sort(), ["checked", "from_scorer"]);
        assert.deepEqual(a.tasks.map((t) => t.name), ["judge"]);
        assert.equal(r.tasks.length, 2);
      });
    });
  });

  it("async steps requested without waiting settle in order, the last after the task ended", async () => {
    await withTaskEnv(async (env) => {
      const each = task(async function* each() {
        yield 1;
        await tick();
        return 5;
      }, {
        name: "each",
        // Named explicitly: the workerd run bundles every test file, and esbuild renames a function
        // whose name another file also uses at top level (`slow` became `slow2`).
        scorers: [{
          name: "slow",
          async score(out: number) {
            await new Promise((r) => setTimeout(r, 50));
            return out === 5;
          },
        }],
      });
      const runId = await run("r", {}, async (r) => {
        const gen = each();
        const order: number[] = [];
        const steps = [gen.next(), gen.next(), gen.next()];
        steps.forEach((p, i) => void p.then(() => order.push(i)));
        assert.deepEqual(await steps[2], { done: true, value: undefined });
        assert.deepEqual(order, [0, 1, 2], "the requests settled in order");
        assert.equal(r.tasks[0].active, false, "the task ended before the last request settled");
        assert.deepEqual(r.tasks[0].metrics.slow?.values, [1]);
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name).sort(), ["each", "r"]);
    });
  });

  it("a failing async generator with queued requests: all settle, in order", async () => {
    await withTaskEnv(async () => {
      const boom = new Error("boom");
      const bad = task(async function* bad() {
        yield 1;
        await tick();
        throw boom;
      }, { name: "bad" });
      await run("r", {}, async (r) => {
        const gen = bad();
        const order: string[] = [];
        await Promise.all([gen.next(), gen.next(), gen.next()].map((p, i) =>
          p.then(
            (v) => void order.push(`${i}:${v.done}`),
            (e) => void order.push(`${i}:${e === boom ? "boom" : e}`),
          )
        ));
        assert.deepEqual(order, ["0:false", "1:boom", "2:true"]);
        assert.equal(r.tasks[0].active, false);
        assert.equal(r.tasks[0].failed, true);
      });
    });
  });

  it("a for…of break records no output and runs no scorers", async () => {
    await withTaskEnv(async () => {
      const isThree = function is_three(out: number) {
        return out === 3;
      };
      const scored = task(function* scored() {
        yield 1;
        yield 2;
        return 3;
      }, { name: "scored", scorers: [isThree] });
      const ascored = task(async function* ascored() {
        yield 1;
        yield 2;
        return 3;
      }, { name: "ascored", scorers: [isThree] });
      await run("r", {}, async (r) => {
        for (const v of scored()) if (v === 1) break;
        for await (const v of ascored()) if (v === 1) break;
        assert.equal(r.tasks.length, 2);
        for (const t of r.tasks) {
          assert.equal(t.active, false, t.name);
          assert.equal(t.failed, false, t.name);
          assert.deepEqual(t.outputs, {}, t.name);
          assert.deepEqual(t.metrics, {}, t.name);
        }
      });
    });
  });

  it("a task() around a generator task covers its generator: the outer is the inner's parent", async () => {
    await withTaskEnv(async (env) => {
      const inner = task(function* inner() {
        yield 1;
        return 2;
      }, { name: "inner" });
      const outer = task(inner, { name: "outer" });
      const ainner = task(async function* ainner() {
        await tick();
        yield 1;
        return 2;
      }, { name: "ainner" });
      const aouter = task(ainner, { name: "aouter" });
      await run("r", {}, async (r) => {
        const gen = outer();
        assert.equal(r.tasks.length, 0, "nothing starts before the first next()");
        assert.deepEqual([...gen], [1]);
        const seen: number[] = [];
        for await (const v of aouter()) seen.push(v);
        assert.deepEqual(seen, [1]);
        assert.deepEqual(r.tasks.map((t) => [t.name, t.tasks.map((c) => c.name)]), [
          ["outer", ["inner"]],
          ["aouter", ["ainner"]],
        ]);
        for (const t of r.tasks) {
          assert.equal(t.active, false, t.name);
          assert.deepEqual(t.outputs, { output: 2 }, t.name);
          assert.equal(t.tasks[0].active, false, t.tasks[0].name);
        }
      });
      assert.ok(!env.codes().includes("task_generator_result"));
    });
  });

  it("a generator whose finally yields again: closing it ends the task, whose span is exported", async () => {
    await withTaskEnv(async (env) => {
      const cleanup = task(function* cleanup() {
        try {
          yield 1;
        } finally {
          yield "cleanup";
        }
      }, { name: "cleanup" });
      const acleanup = task(async function* acleanup() {
        try {
          yield 1;
        } finally {
          yield "cleanup";
        }
      }, { name: "acleanup" });
      const runId = await run("r", {}, async (r) => {
        for (const _ of cleanup()) break;
        const gen = acleanup();
        await gen.next();
        assert.deepEqual(await gen.return(undefined), { done: false, value: "cleanup" });
        assert.deepEqual(await gen.next(), { done: true, value: undefined }, "it still runs");
        for (const t of r.tasks) {
          assert.equal(t.active, false, t.name);
          assert.equal(t.failed, false, t.name);
        }
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name).sort(), ["acleanup", "cleanup", "r"]);
    });
  });

  it("requests made without waiting each run with the task current (Deno's own queue lost it)", async () => {
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    await withTaskEnv(async (env) => {
      const pages = task(async function* pages() {
        try {
          for (let i = 0; i < 3; i++) {
            await tick();
            taskSpan(`child${i}`, {}, () => {});
            yield getCurrentTask()?.name;
          }
        } finally {
          logOutput("cleanup", getCurrentTask()?.name ?? "no task");
        }
      }, { name: "pages" });
      await run("r", {}, async (r) => {
        const it = pages();
        const steps = await Promise.all([it.next(), it.next(), it.return(undefined)]);
        assert.deepEqual(steps.map((s) => s.value), ["pages", "pages", undefined]);
        const t = r.tasks.find((x) => x.name === "pages")!;
        assert.deepEqual(t.tasks.map((c) => c.name), ["child0", "child1"]);
        assert.deepEqual(Object.keys(t.outputs), ["cleanup"]);
      });
      assert.deepEqual(env.codes(), []);
    });
  });

  it("a queued request that rejects while the task is still ending reaches the consumer, not the host", async () => {
    // Its promise had no handler while an earlier step ran a slow scorer: Deno, Bun and Node
    // with --unhandled-rejections=strict failed on it although the consumer caught it.
    await withTaskEnv(async () => {
      const slow = {
        name: "slow",
        score: () => new Promise<boolean>((r) => setTimeout(r, 50, true)),
      };
      const stream = task(async function* stream() {
        yield 1;
        return 2;
      }, { name: "stream", scorers: [slow] });
      await run("r", {}, async () => {
        const it = stream();
        const a = it.next();
        const b = it.next(); // ends the task; its scorer takes 50 ms
        const c = it.throw(new Error("consumer abort")); // queued behind it
        assert.deepEqual(await a, { value: 1, done: false });
        assert.deepEqual(await b, { value: 2, done: true });
        await assert.rejects(c, /consumer abort/);
      });
    });
  });
});
