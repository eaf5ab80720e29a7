// The task layer must never crash the program it traces: whatever values its factories, log
// helpers and TaskSpan methods are given, they do not throw, they keep everything logged
// before, and they record what they cannot read as placeholder strings.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  getRedactionPolicy,
  MemoryStorage,
  normalizeKey,
  objectHashes,
  pythonJson,
  pythonStr,
  RedactionPolicy,
  schemaHash,
  serialize,
  serializeToJson,
  setRedactionPolicy,
  sha1Hex,
  TracerError,
  truncateString,
} from "../../mod.ts";
import {
  airtAttributes,
  bindSessionId,
  continueTask,
  extractTraceContext,
  formatTraceparent,
  formatTracestate,
  getTaskContext,
  guessMimeType,
  injectTraceContext,
  isValidTracestateKey,
  isValidTracestateValue,
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
  Metric,
  type MetricSeriesJson,
  type ObjectRef,
  pushUpdate,
  run,
  span,
  studySpan,
  tag,
  task,
  taskAndRun,
  type TaskSpan,
  taskSpan,
  taskSpanToGraph,
  toDot,
  toMermaid,
  trialSpan,
  validateTaskContext,
} from "../../src/task/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { byName, jsonAttr, type TaskEnv, withTaskEnv } from "../_support/task_env.ts";

/** Values that throw when read, converted to a string or inspected, and values of odd types. */
function hostileValues(): Record<string, unknown> {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  return {
    revoked,
    noPrototype: Object.create(null),
    throwingToString: {
      toString: () => {
        throw new Error("toString");
      },
    },
    throwingGetter: {
      get value(): never {
        throw new Error("getter");
      },
    },
    throwingGet: new Proxy({}, {
      get: () => {
        throw new Error("get");
      },
    }),
    throwingKeys: new Proxy({}, {
      ownKeys: () => {
        throw new Error("ownKeys");
      },
    }),
    cyclic,
    huge: "x".repeat(1_000_000),
    protoKey: JSON.parse('{"__proto__": {"polluted": true}, "api_key": "sk-secret"}'),
    number: 42,
    null: null,
    undefined: undefined,
    nan: NaN,
    symbol: Symbol("s"),
    bigint: 10n,
  };
}

/** Diagnostics that mean data was lost inside tracelet. */
const LOSS = ["internal_error", "task_internal", "jsonl_encode_failed"];

function assertNothingLost(env: TaskEnv): void {
  const lost = env.diagnostics.filter((d) => LOSS.includes(d.code));
  assert.deepEqual(lost.map((d) => `${d.code}: ${d.message}`), []);
}

/** Every dreadnode state attribute of a line parses as JSON. */
function assertStateWritten(line: { attributes: Record<string, unknown> }): void {
  for (const key of ["params", "inputs", "outputs", "metrics", "objects", "artifacts"]) {
    const text = line.attributes[`dreadnode.${key}`];
    assert.equal(typeof text, "string", `dreadnode.${key} written`);
    JSON.parse(text as string);
  }
}

describe("task factories given hostile input", () => {
  it("never throw on unreadable or mistyped options or names, and record every task", async () => {
    await withTaskEnv(async (env) => {
      const ran: TaskSpan[] = [];
      const body = (t: TaskSpan) => void ran.push(t);
      const values = Object.values(hostileValues());
      for (const bad of values) {
        const b = bad as never;
        run(b, b, body);
        (run(b, b) as TaskSpan).end();
        taskSpan(b, b, body);
        (taskSpan(b, b) as TaskSpan).end();
        taskAndRun(b, b, body);
        studySpan(b, b, body);
        trialSpan(b, b, body);
        continueTask(b, body);
        span(b, b, (s) => void s.end());
        bindSessionId(b, () => taskSpan("in-session", body));
        run("fields", {
          attributes: b,
          params: b,
          inputs: b,
          tags: b,
          label: b,
          project: b,
          type: b,
          kind: b,
          parent: b,
          namePrefix: b,
        }, body);
        taskAndRun("fields", { taskName: b, taskType: b, attributes: b }, body);
        studySpan("fields", { transforms: b, tags: b, attributes: b, goal: b }, body);
        trialSpan(b, { step: b, taskName: b, tags: b, attributePrefix: b }, body);
        span("fields", { tags: b, attributes: b, label: b, type: b }, (s) => void s.end());
        continueTask(
          { task_id: b, task_name: b, project: b, trace_context: b } as never,
          body,
        );
        continueTask({
          task_id: "t",
          task_name: "t",
          project: "p",
          trace_context: { traceparent: b, tracestate: b },
        }, body);
        run(undefined, { namePrefix: b }, body);
        taskSpan("fields", { taskId: b, label: b, tags: b }, body);
        run("outer", { project: "p" }, () => taskSpan(b, { project: "elsewhere" }, body));
      }
      assert.equal(ran.length, 16 * values.length);
      assert.ok(ran.every((t) => !t.active));
      await env.tracer.forceFlush();
      assertNothingLost(env);
    });
  });

  it("skip an unreadable option and keep the readable ones", async () => {
    await withTaskEnv(async (env) => {
      const options = {
        tags: ["kept"],
        get label(): string {
          throw new Error("label");
        },
        params: { model: "m" },
      };
      const runId = run("r", options, (r) => r.runId);
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(line.attributes["dreadnode.tags"], ["kept"]);
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), { model: "m" });
      assert.ok(env.codes().includes("invalid_task_options"));
    });
  });

  it("ignore a type or kind that is not a string, so the task's line is still written", async () => {
    await withTaskEnv(async (env) => {
      const bad = hostileValues().throwingGetter as never;
      const runId = run("r", { type: bad, kind: bad }, (r) => {
        taskSpan("child", { type: bad }, () => {});
        span("plain", { type: bad }, () => {});
        task(() => 1, { name: "fn", type: bad })();
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.deepEqual(lines.map((l) => l.name).sort(), ["child", "fn", "plain", "r"]);
      assert.equal(byName(lines, "r").attributes["dreadnode.type"], "task");
      assert.equal(byName(lines, "plain").attributes["dreadnode.type"], "span");
      assert.equal(byName(lines, "r").kind, "INTERNAL");
    });
  });

  it("start a task whose parent option is not a task under the current task", async () => {
    await withTaskEnv((env) => {
      const root = taskAndRun("root", { parent: 42 as never }, (t) => t);
      assert.match(root.taskId, /^[0-9a-f]{32}$/, "outside a task it is the run");
      assert.equal(root.runId, root.taskId);
      run("r", {}, (r) => {
        for (const bad of [42, "parent", {}, hostileValues().revoked]) {
          const child = taskSpan("child", { parent: bad as never });
          assert.equal(child.parentTask, r);
          assert.equal(child.runId, r.runId);
          child.end();
        }
      });
      assert.ok(env.codes().includes("invalid_task_options"));
    });
  });

  it("keep every readable entry of params, inputs and attributes given at start", async () => {
    await withTaskEnv(async (env) => {
      const record = (first: unknown) => ({
        first,
        get second(): never {
          throw new Error("second");
        },
        third: 3,
      });
      const runId = run("r", {
        params: record(1),
        inputs: record("in"),
        attributes: record("attr"),
        taskId: Object.create(null),
      } as never, (r) => r.runId);
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), {
        first: 1,
        second: "<error: second>",
        third: 3,
      });
      const inputs = jsonAttr<ObjectRef[]>(line, "dreadnode.inputs");
      assert.deepEqual(inputs.map((i) => i.name), ["first", "second", "third"]);
      assert.equal(line.attributes.first, "attr");
      assert.equal(line.attributes.second, "<error: second>");
      assert.equal(line.attributes.third, 3);
    });
  });
});

describe("log helpers and TaskSpan methods given hostile input", () => {
  it("never throw, and keep what was logged before", async () => {
    // A run logging the huge string dozens of times writes a line larger than the default cap.
    const storage = new MemoryStorage({ maxLineBytes: 1 << 30 });
    await withTaskEnv(async (env) => {
      for (const [label, bad] of Object.entries(hostileValues())) {
        const b = bad as never;
        const runId = await run("r", {}, async (r) => {
          logParam("before", 1);
          logMetric("before", 1);
          logParam(b, b);
          logParams(b);
          logParams({ key: b });
          logInput(b, b, b);
          logInput("input", 1, { label: b, attributes: b });
          logInputs(b);
          logOutput(b, b, b);
          logOutputs(b);
          logMetric(b, b, b);
          logMetric("metric", 1, b);
          logMetric("metric", 1, {
            step: b,
            timestamp: b,
            aggregation: b,
            prefix: b,
            origin: b,
            attributes: b,
          });
          logMetrics(b, b);
          logMetrics([b, { name: b, value: b, step: b }]);
          tag(b);
          linkObjects(b, b, b);
          logSample(b, b, b, b);
          logSamples(b, b);
          logSamples("samples", [b]);
          await logArtifact(b, b);
          await logArtifact(new Uint8Array([1]), { name: b });
          r.logParam(b, b).logParams(b).logMetrics(b, b);
          r.logInput(b, b, b);
          r.logOutput(b, b, b);
          r.logObject(b);
          r.linkObjects(b, b, b);
          r.logMetric(b, b, b);
          r.getObject(b);
          r.getAverageMetricValue(b);
          r.setAttribute(b, b).setAttributes(b).addEvent(b, b, b).addTags(b).setTags(b);
          r.setStatus(b).recordException(b);
          await r.logArtifact(b, b);
          getTaskContext(b);
          taskSpanToGraph(r);
          await pushUpdate();
          return r.runId;
        });
        const line = byName(await env.runLines(runId), "r");
        assertStateWritten(line);
        const params = jsonAttr<Record<string, unknown>>(line, "dreadnode.params");
        assert.equal(params.before, 1, label);
        assert.ok(jsonAttr<Record<string, unknown>>(line, "dreadnode.metrics").before, label);
      }
      assertNothingLost(env);
    }, { storage });
  });

  it("log a name that is not a string under its string form", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        logParam(42 as never, "answer");
        logInput(7 as never, "in");
        logOutput(Symbol("out") as never, "out");
        logMetric(Object.create(null), 1);
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), { 42: "answer" });
      assert.equal(jsonAttr<ObjectRef[]>(line, "dreadnode.inputs")[0].name, "7");
      assert.equal(jsonAttr<ObjectRef[]>(line, "dreadnode.outputs")[0].name, "Symbol(out)");
      assert.deepEqual(Object.keys(jsonAttr(line, "dreadnode.metrics")), ["unprintable"]);
    });
  });

  it("keep the readable entries of a logged record; unreadable values become placeholders", async () => {
    await withTaskEnv(async (env) => {
      const record = {
        a: 1,
        get b(): never {
          throw new Error("b");
        },
        c: 3,
      };
      const runId = run("r", {}, (r) => {
        logParams(record);
        logInputs(record);
        logOutputs(record);
        logMetrics(record);
        r.logParams(hostileValues().revoked as never);
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), { a: 1, b: "<error: b>", c: 3 });
      assert.equal(jsonAttr<ObjectRef[]>(line, "dreadnode.inputs").length, 3);
      assert.equal(jsonAttr<ObjectRef[]>(line, "dreadnode.outputs").length, 3);
      assert.deepEqual(Object.keys(jsonAttr(line, "dreadnode.metrics")), ["a", "c"]);
      assertNothingLost(env);
    });
  });

  it("ignore a string given where a record is expected instead of logging each character", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", { params: "abc" as never }, (r) => {
        logParams("def" as never);
        logInputs("ghi" as never);
        logMetrics("jkl" as never);
        logSamples("s", "mno" as never);
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(jsonAttr(line, "dreadnode.params"), {});
      assert.deepEqual(jsonAttr(line, "dreadnode.inputs"), []);
      assert.deepEqual(jsonAttr(line, "dreadnode.metrics"), {});
      assert.equal((await env.runLines(runId)).length, 1, "no sample tasks");
      assert.ok(env.codes().includes("invalid_task_input"));
    });
  });

  it("store a metric timestamp outside the Date range as now, keeping the task's state", async () => {
    await withTaskEnv(async (env) => {
      const before = Date.now();
      const runId = run("r", {}, (r) => {
        logParam("kept", true);
        logMetric("m", 1, { timestamp: 1e17 });
        logMetric("m", 2, { timestamp: new Date(NaN) });
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.equal(jsonAttr<Record<string, unknown>>(line, "dreadnode.params").kept, true);
      const m = jsonAttr<Record<string, MetricSeriesJson>>(line, "dreadnode.metrics").m;
      assert.deepEqual(m.values, [1, 2]);
      for (const time of m.timestamps) assert.ok(Date.parse(time) >= before - 1000);
      assert.ok(new Metric(1, { timestamp: -1e17 }).timestamp >= before);
      const { revoked } = hostileValues();
      assert.equal(new Metric(1, null as never).step, 0);
      assert.deepEqual(new Metric(1, { attributes: revoked as never }).attributes, {});
    });
  });

  it("reject an unreadable metric value as invalid, and honour an unprintable prefix", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        assert.equal(logMetric("bad", Object.create(null)), undefined);
        assert.equal(logMetric("bad", hostileValues().revoked as never), undefined);
        logMetric("m", 1, { prefix: Object.create(null) });
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(Object.keys(jsonAttr(line, "dreadnode.metrics")), ["<unprintable>.m"]);
      assert.equal(env.codes().filter((c) => c === "metric_invalid").length, 1, "once per name");
      assertNothingLost(env);
    });
  });

  it("log the readable entries of a metric list, skipping entries that are not objects", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        logMetrics([null, { name: "x", value: 1 }, 7] as never, hostileValues().revoked as never);
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.deepEqual(Object.keys(jsonAttr(line, "dreadnode.metrics")), ["x"]);
      assert.ok(env.codes().includes("invalid_task_input"), "entries that are not objects");
      assertNothingLost(env);
    });
  });

  it("record an artifact name that is not a string as its string form", async () => {
    await withTaskEnv(async (env) => {
      const runId = await run("r", {}, async (r) => {
        logParam("kept", true);
        await logArtifact(new Uint8Array([1, 2]), { name: 10n as never });
        await logArtifact(new Uint8Array([3]), { name: hostileValues().cyclic as never });
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.equal(jsonAttr<Record<string, unknown>>(line, "dreadnode.params").kept, true);
      const names = jsonAttr<{ name: string }[]>(line, "dreadnode.artifacts").map((a) => a.name);
      assert.deepEqual(names, ["10", "[object Object]"]);
      const logged = await env.storage.readLines(["projects", "default", runId, "artifacts.jsonl"]);
      assert.equal(logged.length, 2);
    });
  });

  it("log samples whose options or entries cannot be read", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        logSample("one", "in", "out", null as never);
        logSample("two", "in", "out", { metrics: hostileValues().throwingKeys as never });
        logSamples("many", [hostileValues().revoked as never, ["in", "out"]]);
        return r.runId;
      });
      const names = (await env.runLines(runId)).map((l) => l.name).sort();
      assert.deepEqual(names, ["many", "one", "r", "two"]);
      assertNothingLost(env);
    });
  });

  it("set a span attribute under a key that is not a string", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        r.setAttribute(Object.create(null), "a").setAttribute(7 as never, "b");
        r.setAttribute(hostileValues().revoked as never, "c");
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.equal(line.attributes["<unprintable>"], "c");
      assert.equal(line.attributes["7"], "b");
    });
  });
});

describe("task state under the span's attribute count limit", () => {
  it("a task with more attributes than the limit keeps its identity; its state goes to an update span", async () => {
    await withTaskEnv(async (env) => {
      const many = (prefix: string) =>
        Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${prefix}${i}`, i]));
      const runId = run("r", { attributes: many("start") }, (r) => {
        logParam("model", "m");
        logMetric("score", 1);
        r.setAttributes(many("later"));
        return r.runId;
      });
      const lines = await env.runLines(runId);
      const task = byName(lines, "r");
      assert.equal(task.attributes["dreadnode.run.id"], runId);
      assert.equal(task.attributes.start0, 0, "the caller's attributes fill the remaining slots");
      const update = byName(lines, "r.update");
      assert.equal(update.attributes["dreadnode.type"], "run_update");
      assert.equal(update.parent_id, task.span_id);
      assert.deepEqual(jsonAttr(update, "dreadnode.params"), { model: "m" });
      assert.deepEqual(Object.keys(jsonAttr(update, "dreadnode.metrics")), ["score"]);
      assert.ok(env.codes().includes("task_state_overflow"));
    });
  });

  it("setAttributes and addEvent given a string set no attribute per character", async () => {
    await withTaskEnv(async (env) => {
      const runId = run("r", {}, (r) => {
        r.setAttributes("abc" as never).addEvent("e", "xyz" as never);
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "r");
      assert.equal(line.attributes["0"], undefined);
      assert.deepEqual(line.events[0].attributes, {});
    });
  });
});

describe("task() given hostile input", () => {
  it("throws a clear TypeError when given something that is not a function", () => {
    assert.throws(() => task(42 as never), TypeError);
    assert.throws(() => task(null as never), /task\(\) needs a function/);
  });

  it("ignores options it cannot read; the function still runs and its output is logged", async () => {
    await withTaskEnv(async (env) => {
      const values = hostileValues();
      const runId = run("r", {}, (r) => {
        for (const bad of Object.values(values)) {
          const b = bad as never;
          assert.equal(task((x: number) => x + 1, b)(1), 2);
          const fields = {
            name: b,
            label: b,
            type: b,
            tags: b,
            attributes: b,
            scorers: b,
            logInputs: b,
            logOutput: b,
            argNames: b,
          };
          assert.equal(task((x: number) => x * 2, fields)(2), 4);
        }
        return r.runId;
      });
      const lines = await env.runLines(runId);
      assert.equal(lines.length, 1 + 2 * Object.keys(values).length);
      assertNothingLost(env);
    });
  });

  it("names a task whose function name cannot be read `task`, and any other name a string", async () => {
    assert.equal(task(() => 1, { name: 7 as never }).name, "7");
    await withTaskEnv(async (env) => {
      const unnamed = new Proxy((x: number) => x, {
        get: (target, key) => {
          if (key === "name") throw new Error("name");
          return Reflect.get(target, key);
        },
      });
      const runId = run("r", {}, (r) => {
        assert.equal(task(unnamed)(3), 3);
        return r.runId;
      });
      byName(await env.runLines(runId), "task");
    });
  });

  it("runs every scorer, naming one whose name cannot be read by its index", async () => {
    await withTaskEnv(async (env) => {
      const unnamed = new Proxy(() => 1, {
        get: (target, key) => {
          if (key === "name") throw new Error("name");
          return Reflect.get(target, key);
        },
      });
      const runId = run("r", {}, (r) => {
        task(() => "out", {
          name: "fn",
          scorers: [unnamed, function good() {
            return 1;
          }],
        })();
        return r.runId;
      });
      const line = byName(await env.runLines(runId), "fn");
      assert.deepEqual(Object.keys(jsonAttr(line, "dreadnode.metrics")).sort(), [
        "good",
        "scorer_0",
      ]);
    });
  });
});

describe("continuation given hostile input", () => {
  it("continueTask starts a new trace when the context cannot be read", async () => {
    await withTaskEnv((env) => {
      const { revoked, noPrototype } = hostileValues();
      for (const bad of [revoked, { task_id: "t", trace_context: { traceparent: noPrototype } }]) {
        const fragment = continueTask(bad as never, (t) => t);
        assert.equal(fragment.parentSpanId, undefined);
        assert.equal(fragment.type, "task_fragment");
      }
      assert.ok(env.codes().includes("invalid_trace_context"));
    });
  });

  it("getTaskContext returns undefined for something that is not a task", async () => {
    await withTaskEnv(() => {
      for (const bad of [42, {}, null, hostileValues().revoked]) {
        assert.equal(getTaskContext(bad as never), undefined);
      }
    });
  });

  it("validateTaskContext rejects an unreadable context with a TracerError", () => {
    const { revoked, throwingGet } = hostileValues();
    for (const bad of [revoked, throwingGet, { task_id: "t", trace_context: revoked }]) {
      assert.throws(() => validateTaskContext(bad), TracerError);
    }
  });

  it("trace context helpers read unreadable or mistyped carriers as invalid", () => {
    const { revoked, noPrototype } = hostileValues();
    for (const bad of [revoked, null, undefined, 42, noPrototype]) {
      assert.equal(extractTraceContext(bad).context, undefined);
      assert.equal(injectTraceContext(bad as never), undefined);
      assert.equal(formatTraceparent(bad as never), undefined);
      assert.equal(formatTracestate(bad as never), "");
      assert.equal(isValidTracestateKey(bad as never), false);
      assert.equal(isValidTracestateValue(bad as never), false);
    }
    const members = [{ key: noPrototype, value: "x" }, revoked, null, { key: "a", value: "1" }];
    assert.equal(formatTracestate(members as never), "a=1");
  });
});

describe("attribute and name helpers given hostile input", () => {
  it("airtAttributes keeps the readable fields; guessMimeType reads any name", async () => {
    const { revoked, noPrototype } = hostileValues();
    const { diagnostics } = await captureDiagnostics(() => airtAttributes(revoked as never));
    assert.ok(diagnostics.some((d) => d.code === "invalid_task_options"));
    const fields = {
      goal: "g",
      get category(): never {
        throw new Error("category");
      },
      transforms: revoked,
    };
    const { result } = await captureDiagnostics(() => airtAttributes(fields));
    assert.deepEqual(Object.keys(result), ["airt.goal", "airt.transforms"]);
    assert.equal(airtAttributes({ goal: "g" }, noPrototype as never)["<unprintable>goal"], "g");
    assert.equal(guessMimeType(noPrototype as never), null);
    assert.equal(guessMimeType(revoked as never), null);
  });
});

describe("graph helpers given hostile input", () => {
  it("render what can be read and never throw", async () => {
    await withTaskEnv(() => {
      const graph = run("r", {}, (r) => {
        taskSpan("child", {}, () => {});
        return taskSpanToGraph(r);
      });
      const { revoked, noPrototype } = hostileValues();
      const odd = { ...graph, nodes: [...graph.nodes, { id: noPrototype, name: revoked }] };
      assert.match(toDot(odd as never), /<unprintable>/);
      assert.match(toMermaid(odd as never), /#60;unprintable#62;/);
      for (const bad of Object.values(hostileValues())) {
        const g = taskSpanToGraph(bad as never);
        assert.ok(Array.isArray(g.nodes) && Array.isArray(g.edges));
        assert.equal(typeof toDot(bad as never, bad as never), "string");
        assert.equal(typeof toMermaid(bad as never), "string");
      }
      const child = { spanId: "c", name: revoked, tasks: revoked };
      const root = { spanId: "r", name: "root", tasks: [child, noPrototype] };
      assert.deepEqual(taskSpanToGraph(root as never).edges, [{ from: "r", to: "c" }]);
    });
  });
});

describe("serialize given hostile input", () => {
  it("records a function whose name cannot be read without losing its siblings", () => {
    const unnamed = new Proxy(function named() {}, {
      get: () => {
        throw new Error("name");
      },
    });
    assert.deepEqual(serialize({ a: 1, f: unnamed }).value, { a: 1, f: "<function anonymous>" });
  });

  it("records an array item that cannot be read as a placeholder and keeps the others", () => {
    const items = [1, 2, 3];
    Object.defineProperty(items, 1, {
      get: () => {
        throw new Error("item");
      },
    });
    assert.deepEqual(serialize({ items }).value, { items: [1, "<error: item>", 3] });
  });

  it("uses the default limits for options that are not numbers, or cannot be read", () => {
    const { revoked } = hostileValues();
    assert.equal(serialize("abc", { maxStringLength: null } as never).value, "abc");
    assert.equal(serialize("abc", { maxBytes: "1" } as never).value, "abc");
    assert.deepEqual(serialize([[1]], { maxDepth: NaN }).value, [[1]]);
    assert.equal(serialize("abc", revoked as never).value, "abc");
    assert.equal(serializeToJson({ a: "b" }, revoked as never), '{"a":"b"}');
  });

  it("never throws, whatever the value", () => {
    for (const bad of Object.values(hostileValues())) {
      assert.notEqual(serialize(bad).value, undefined);
      assert.equal(typeof serializeToJson(bad), "string");
      assert.equal(objectHashes(bad).objectHash.length, 16);
      assert.equal(typeof pythonJson(bad as never), "string");
      assert.equal(typeof pythonStr(bad as never), "string");
      assert.equal(sha1Hex(bad as never).length, 40);
      assert.equal(schemaHash(bad as never).length, 16);
    }
  });

  it("hashes a value that is not bytes or a string as its string form", () => {
    assert.equal(sha1Hex(42 as never), sha1Hex("42"));
    assert.equal(sha1Hex(new Uint16Array([0x6261]) as never), sha1Hex("ab"));
    assert.equal(pythonStr(Object.create(null)), "<unprintable>");
  });
});

describe("the redaction policy given hostile input", () => {
  it("treats a key that is not a string by its string form", () => {
    const policy = new RedactionPolicy();
    assert.equal(policy.isSensitiveKey(Object.create(null)), false);
    assert.equal(policy.isSensitiveKey(42 as never), false);
    assert.equal(normalizeKey(42 as never), "42");
    assert.equal(policy.truncate(42 as never), "42");
    const disabled = new RedactionPolicy({ enabled: false });
    assert.deepEqual(disabled.redactHeaders({ n: 5, s: Symbol("s") } as never), {
      n: "5",
      s: "Symbol(s)",
    });
    const custom = new RedactionPolicy({ matcher: (key) => key === "42" });
    assert.equal(custom.isSensitiveKey(42 as never), true, "the matcher sees the string form");
    assert.equal(truncateString(Object.create(null), 4), "...[truncated:13]");
  });

  it("redacts a cyclic value, writing the cycle as a marker", () => {
    const policy = new RedactionPolicy();
    const loop: Record<string, unknown> = { api_key: "sk", text: "t" };
    loop.a = loop;
    loop.b = loop;
    assert.deepEqual(policy.redactValue(loop as never), {
      api_key: "***REDACTED***",
      text: "t",
      a: "<circular reference>",
      b: "<circular reference>",
    });
  });

  it("stops walking a value whose shared references would take exponential time", () => {
    let shared: Record<string, unknown> = { token: "secret" };
    for (let i = 0; i < 40; i++) shared = { left: shared, right: shared };
    let node = new RedactionPolicy().redactValue(shared as never);
    while (typeof node === "object" && node !== null && !Array.isArray(node)) {
      node = node.left ?? node.token;
    }
    assert.equal(node, "***REDACTED***");
  });

  it("redacts an object it cannot read as an error placeholder, keeping its siblings", () => {
    const policy = new RedactionPolicy();
    const { revoked } = hostileValues();
    assert.match(policy.redactValue(revoked as never) as string, /^<error: /);
    const getter = {
      token: "secret",
      get other(): never {
        throw new Error("other");
      },
    };
    assert.deepEqual(policy.redactValue({ kept: "k", getter } as never), {
      kept: "k",
      getter: "<error: other>",
    });
  });

  it("redacts headers and attributes it cannot fully read", () => {
    const policy = new RedactionPolicy();
    const { revoked, noPrototype } = hostileValues();
    for (const bad of Object.values(hostileValues())) {
      assert.equal(typeof policy.redactHeaders(bad as never), "object");
      assert.equal(typeof policy.redactAttributes(bad as never), "object");
    }
    const headers = { y: revoked, x: noPrototype, Authorization: revoked };
    assert.deepEqual(policy.redactHeaders(headers as never), {
      y: "<unprintable>",
      x: "<unprintable>",
      Authorization: "***REDACTED***",
    });
    assert.deepEqual(policy.redactHeaders([[noPrototype, "v"], null, ["a", "b"]] as never), {
      "<unprintable>": "v",
      a: "b",
    });
    const attributes = {
      "http.url": "u",
      api_key: "sk",
      list: revoked,
      get broken(): never {
        throw new Error("broken");
      },
    };
    assert.deepEqual(policy.redactAttributes(attributes as never), {
      "http.url": "u",
      api_key: "***REDACTED***",
      broken: "<error: broken>",
    });
  });

  it("builds a policy from unreadable or mistyped options, keeping the defaults", async () => {
    const { revoked } = hostileValues();
    const { diagnostics } = await captureDiagnostics(() => {
      for (
        const bad of [null, revoked, 42, { keys: 7, extraKeys: revoked, maxStringLength: "x" }]
      ) {
        const policy = new RedactionPolicy(bad as never);
        assert.ok(policy.isSensitiveKey("api_key"));
        assert.equal(policy.maxStringLength, 2048);
      }
      const custom = new RedactionPolicy({ keys: "session" as never, extraKeys: [42 as never] });
      assert.deepEqual(custom.keys, ["session", "42"]);
      const previous = setRedactionPolicy(revoked as never);
      assert.ok(getRedactionPolicy().isSensitiveKey("token"));
      setRedactionPolicy(previous);
    });
    assert.ok(diagnostics.some((d) => d.code === "invalid_redaction_options"));
  });
});
