// Option keys copied from a Python port (`log_inputs`, `agg`, `mode`, `to_run`), misplaced
// (`logSample(…, { accuracy })`) or positional (`logMetric(name, value, 3)`) used to be ignored
// in silence: a user who turned input logging off with `log_inputs: false` still had the inputs
// logged and no word of it. The task layer's option bags now report each key no option has
// (`unknown_option`, naming the option probably meant) and options that are not an object
// (`invalid_task_options`), while data records read the same way (metric entries, graph items)
// keep their extra keys without a word, and `tag(["a", "b"])` adds two tags.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Diagnostic } from "../../mod.ts";
import {
  continueTask,
  getTaskContext,
  logInput,
  logMetric,
  logMetrics,
  logOutput,
  logSample,
  Metric,
  pushUpdate,
  run,
  span,
  studySpan,
  tag,
  task,
  taskAndRun,
  type TaskContext,
  taskSpan,
  taskSpanToGraph,
  trialSpan,
} from "../../src/task/mod.ts";
import { withTaskEnv } from "../_support/task_env.ts";

/** The `[code, message]` of each diagnostic. */
function told(diagnostics: readonly Diagnostic[]): [string, string][] {
  return diagnostics.map((d) => [d.code, d.message]);
}

describe("task options: keys no option has", () => {
  it("reports task()'s snake_case keys once, with the option meant", async () => {
    await withTaskEnv(async (env) => {
      const options = { name: "grader", log_inputs: false, log_output: false };
      const grade = task((note: string) => `graded ${note.length}`, options as never);
      task((note: string) => note, options as never); // the same keys again: no new report
      assert.deepEqual(told(env.diagnostics), [
        [
          "unknown_option",
          "task() has no option `log_inputs`: it is ignored; did you mean `logInputs`?",
        ],
        [
          "unknown_option",
          "task() has no option `log_output`: it is ignored; did you mean `logOutput`?",
        ],
      ]);
      assert.deepEqual(env.diagnostics[0].cause, { option: "log_inputs", suggestion: "logInputs" });
      // Reported, not acted on: the known options still apply.
      const r = run("r", {});
      await r.inContext(() => grade("note"));
      r.end();
      assert.equal(r.tasks[0].name, "grader");
    });
  });

  it("reports logMetric's agg, mode and to_run, and still reads its known options", async () => {
    await withTaskEnv((env) => {
      run("r", {}, (r) => {
        const options = { step: 3, agg: "avg" };
        logMetric("acc", 0.5, options as never);
        logMetric("acc", 1, options as never); // once per key, not per call
        logMetric("loss", 1, { mode: "sum" } as never);
        logMetric("loss", 1, { to_run: true } as never);
        assert.deepEqual(r.metrics.acc.points.map((p) => p.step), [3, 3]);
      });
      assert.deepEqual(told(env.diagnostics), [
        [
          "unknown_option",
          "logMetric() has no option `agg`: it is ignored; did you mean `aggregation`?",
        ],
        [
          "unknown_option",
          "logMetric() has no option `mode`: it is ignored; did you mean `aggregation`?",
        ],
        [
          "unknown_option",
          "logMetric() has no option `to_run`: it is ignored (its options: step, timestamp, " +
          "aggregation, prefix, origin, attributes)",
        ],
      ]);
    });
  });

  it("tells logSample's metrics given at the top level what its options are", async () => {
    await withTaskEnv((env) => {
      run("r", {}, () => logSample("s", "q", "a", { accuracy: 0.95 } as never));
      assert.deepEqual(told(env.diagnostics), [[
        "unknown_option",
        "logSample() has no option `accuracy`: it is ignored (its options: metrics, step, " +
        "aggregation)",
      ]]);
    });
  });

  it("checks every option bag users write, each under its own name", async () => {
    await withTaskEnv(async (env) => {
      const context = run("origin", {}, () => getTaskContext())!;
      const { task_id: _id, ...rest } = context;
      const cases: [string, () => unknown][] = [
        [
          "taskSpan() has no option `projct`; did you mean `project`",
          () => taskSpan("t", { projct: "p" } as object).end(),
        ],
        [
          "run() has no option `tag`; did you mean `tags`",
          () => run("r", { tag: ["x"] } as object).end(),
        ],
        [
          "taskAndRun() has no option `task_name`; did you mean `taskName`",
          () => taskAndRun("r", { task_name: "x" } as object).end(),
        ],
        [
          "span() has no option `lable`; did you mean `label`",
          () => span("s", { lable: "x" } as object).end(),
        ],
        [
          "studySpan() has no option `attack_name`; did you mean `attackName`",
          () => studySpan("s", { attack_name: "tap" } as never).end(),
        ],
        [
          "trialSpan() has no option `task_name`; did you mean `taskName`",
          () => trialSpan("t1", { step: 1, task_name: "x" } as never).end(),
        ],
        [
          "continueTask() has no option `taskId`; did you mean `task_id`",
          () => continueTask({ ...rest, taskId: context.task_id } as never).end(),
        ],
        [
          "new Metric() has no option `stp`; did you mean `step`",
          () => new Metric(1, { stp: 2 } as never),
        ],
        [
          "logInput() has no option `lable`; did you mean `label`",
          () => run("r", {}, () => logInput("x", 1, { lable: "X" } as never)),
        ],
        [
          "logOutput() has no option `atributes`; did you mean `attributes`",
          () => run("r", {}, () => logOutput("y", 2, { atributes: {} } as never)),
        ],
        [
          "logMetrics() has no option `setp`; did you mean `step`",
          () => run("r", {}, () => logMetrics({ a: 1 }, { setp: 1 } as never)),
        ],
        [
          "logSample() has no option `agg`; did you mean `aggregation`",
          () => run("r", {}, () => logSample("s", 1, 2, { agg: "sum" } as never)),
        ],
      ];
      for (const [, call] of cases) call();
      await run("r", {}, () => pushUpdate({ wait_ms: 10 } as never));
      cases.push(["pushUpdate() has no option `wait_ms`; did you mean `waitMs`", () => {}]);
      const warned = env.diagnostics.filter((d) => d.code === "unknown_option");
      assert.deepEqual(
        warned.map((d) => d.message.replace(": it is ignored", "").replace(/\?$/, "")),
        cases.map(([message]) => message),
      );
      assert.ok(warned.every((d) => d.level === "warn"));
    });
  });

  it("reports a key once per function, and again for another function", async () => {
    await withTaskEnv((env) => {
      run("r", {}, () => {
        logInput("a", 1, { lable: "A" } as never);
        logInput("b", 2, { lable: "B" } as never);
        logOutput("c", 3, { lable: "C" } as never);
      });
      assert.deepEqual(env.diagnostics.map((d) => d.message.split(" ")[0]), [
        "logInput()",
        "logOutput()",
      ]);
    });
  });

  it("reports options given to logObject(), which takes none, and still stores the value", async () => {
    await withTaskEnv((env) => {
      run("r", {}, (r) => {
        const label = { label: "prompt", event_name: "x" };
        const hash = (r.logObject as (v: unknown, o: unknown) => string)({ q: 1 }, label);
        (r.logObject as (v: unknown, o: unknown) => string)({ q: 2 }, label);
        assert.deepEqual(r.getObject(hash)?.value, { q: 1 });
        r.logObject({ q: 3 }); // no options: nothing to say
      });
      assert.deepEqual(env.codes(), ["unknown_option"]);
      assert.match(env.diagnostics[0].message, /^logObject\(\) takes no options .* is ignored/);
    });
  });

  it("leaves the extra keys of data records alone: metric entries and graph items", async () => {
    await withTaskEnv((env) => {
      run("r", {}, (r) => {
        // Entries read from a results file carry their own fields; only the options are checked.
        logMetrics([{ name: "acc", value: 1, step: 2, source: "eval.jsonl" } as never]);
        taskSpanToGraph(r);
        assert.deepEqual(env.diagnostics, []);
        logMetrics([{ name: "acc", value: 1 }], { stepp: 2 } as never);
      });
      assert.deepEqual(env.codes(), ["unknown_option"]);
    });
  });
});

describe("task options: not an object", () => {
  it("reports a step, label or name passed positionally, once per function", async () => {
    await withTaskEnv((env) => {
      run("r", {}, (r) => {
        logMetric("acc", 0.5, 3 as never);
        logMetric("acc", 0.7, 4 as never); // once per function
        logMetrics({ f1: 1 }, 5 as never);
        logInput("q", "v", "My Label" as never);
        task((x: number) => x, "double" as never)(2);
        assert.deepEqual(r.metrics.acc.points.map((p) => p.step), [0, 0]);
      });
      assert.deepEqual(told(env.diagnostics), [
        [
          "invalid_task_options",
          "logMetric() options must be an object, not number 3: they are ignored; did you pass " +
          "step positionally? Use { step: 3 }",
        ],
        [
          "invalid_task_options",
          "logMetrics() options must be an object, not number 5: they are ignored; did you pass " +
          "step positionally? Use { step: 5 }",
        ],
        [
          "invalid_task_options",
          "logInput() options must be an object, not a string: they are ignored; did you pass " +
          'label positionally? Use { label: "…" }',
        ],
        [
          "invalid_task_options",
          "task() options must be an object, not a string: they are ignored; did you pass name " +
          'positionally? Use { name: "…" }',
        ],
      ]);
    });
  });

  it("reports a body given where studySpan's options go, and an array of options", async () => {
    await withTaskEnv((env) => {
      let ran = false;
      const study = studySpan("s", (() => void (ran = true)) as never) as { end(): void };
      study.end();
      run("r", {}, () => logMetric("m", 1, [3] as never));
      assert.equal(ran, false);
      assert.deepEqual(told(env.diagnostics), [
        [
          "invalid_task_options",
          "studySpan() options must be an object, not a function: they are ignored",
        ],
        [
          "invalid_task_options",
          "logMetric() options must be an object, not an array: they are ignored",
        ],
      ]);
    });
  });

  it("keeps undefined and null silent, and known keys of every bag silent", async () => {
    await withTaskEnv(async (env) => {
      const context: TaskContext = run("origin", {}, () => getTaskContext())!;
      await run(
        "r",
        { project: "p", tags: ["a"], params: { lr: 1 }, namePrefix: "x" },
        async () => {
          logMetric("a", 1, undefined);
          logMetric("a", 1, null as never);
          logMetric("a", 1, { step: 1, timestamp: 0, aggregation: "sum", prefix: "p", origin: 1 });
          logInput("i", 1, null as never);
          logOutput("o", 1, { label: "O", attributes: {} });
          logSample("s", 1, 2, { metrics: { m: 1 }, step: 1, aggregation: "max" });
          logMetrics({ b: 1 }, null as never);
          task((x: number) => x, null as never)(1);
          task((x: number) => x, {
            name: "t",
            logInputs: false,
            logOutput: false,
            argNames: ["x"],
          })(1);
          taskSpan("t", null as unknown as object).end();
          span("s", { tags: ["x"], label: "S" }).end();
          studySpan("s", { attackName: "tap", transforms: ["b64"], label: "L" }).end();
          trialSpan("t1", { step: 1, taskName: "x", trialIndex: 0 }).end();
          continueTask(context).end();
          new Metric(1, { step: 1, timestamp: 0, attributes: {} });
          await pushUpdate(null as never);
          await pushUpdate({ waitMs: 10 });
        },
      );
      assert.deepEqual(env.diagnostics, []);
      // And the first unknown key after all that is still heard.
      run("r2", {}, () => logMetric("a", 1, { steps: 1 } as never));
      assert.deepEqual(env.codes(), ["unknown_option"]);
    });
  });

  it("never throws for options whose keys or prototype cannot be read", async () => {
    await withTaskEnv((env) => {
      const keysThrow = new Proxy({ step: 7 }, {
        ownKeys() {
          throw new Error("no keys");
        },
      });
      const protoThrows = new Proxy({ step: 8, stpe: 1 }, {
        getPrototypeOf() {
          throw new Error("no prototype");
        },
      });
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      run("r", {}, (r) => {
        assert.equal(logMetric("a", 1, keysThrow as never)?.step, 7);
        assert.equal(logMetric("b", 1, protoThrows as never)?.step, 8);
        logMetric("c", 1, proxy as never); // reported as unreadable, as before
        assert.deepEqual(Object.keys(r.metrics), ["a", "b", "c"]);
        logMetric("d", 1, "x" as never); // the check still runs after all that
      });
      assert.deepEqual(env.diagnostics.map((d) => d.message.split(":")[0]), [
        "Unreadable logMetric() options ignored",
        "logMetric() options must be an object, not a string",
      ]);
    });
  });
});

describe("tag()", () => {
  it("takes an array as its tags (dreadnode's tag(*tags) ported with a list)", async () => {
    await withTaskEnv((env) => {
      const tags = run("r", {}, (r) => {
        tag(["A", "b"]);
        tag("c", ["d"]);
        return r.tags;
      });
      assert.deepEqual(tags, ["a", "b", "c", "d"]);
      assert.deepEqual(env.diagnostics, []);
    });
  });
});
