import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TracerError } from "../../mod.ts";
import {
  continueTask,
  formatTraceparent,
  formatTracestate,
  getTaskContext,
  parseTraceparent,
  parseTracestate,
  run,
  type TaskContext,
  taskSpan,
  validateTaskContext,
} from "../../src/task/mod.ts";
import { byName, withTaskEnv } from "../_support/task_env.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${SPAN}-01`;

describe("W3C traceparent", () => {
  it("parses a valid header and formats it back", () => {
    assert.deepEqual(parseTraceparent(VALID), {
      version: "00",
      traceId: TRACE,
      spanId: SPAN,
      traceFlags: 1,
    });
    assert.equal(formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 1 }), VALID);
    assert.equal(
      formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags: 0 }),
      `00-${TRACE}-${SPAN}-00`,
    );
  });

  it("rejects malformed headers strictly", () => {
    const bad = [
      VALID.toUpperCase(),
      `00-${"0".repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${"0".repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-01-extra`,
      `00-${TRACE}-${SPAN}-1`,
      `00-${TRACE}-${SPAN}-0g`,
      `00_${TRACE}_${SPAN}_01`,
      ` ${VALID}`,
      "",
      undefined,
      42,
    ];
    for (const header of bad) assert.equal(parseTraceparent(header), undefined, String(header));
    assert.equal(formatTraceparent({ traceId: "xyz", spanId: SPAN, traceFlags: 1 }), undefined);
  });

  it("writes only the defined flag bits (sampled, random): W3C says to send the others as zero", () => {
    const format = (traceFlags: number) =>
      formatTraceparent({ traceId: TRACE, spanId: SPAN, traceFlags });
    assert.equal(format(0xff), `00-${TRACE}-${SPAN}-03`);
    assert.equal(format(0x08), `00-${TRACE}-${SPAN}-00`);
    assert.equal(format(0x81), `00-${TRACE}-${SPAN}-01`);
  });

  it("reads future versions as version 00 when the prefix fits", () => {
    assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01-future-data`)?.traceId, TRACE);
    assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01`)?.spanId, SPAN);
    assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-01x`), undefined);
  });
});

describe("W3C tracestate", () => {
  it("parses list members with optional whitespace and empty members", () => {
    assert.deepEqual(
      parseTracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE,,\ttenant@vendor=x "),
      [
        { key: "rojo", value: "00f067aa0ba902b7" },
        { key: "congo", value: "t61rcWkgMzE" },
        { key: "tenant@vendor", value: "x" },
      ],
    );
    assert.deepEqual(parseTracestate(""), []);
  });

  it("parses crafted 200k-character headers in linear time", () => {
    // Runs of spaces once made trimming quadratic (seconds per header). The 1 s bound is
    // generous (linear parsing takes a few ms); it only guards against that.
    const spaces = " ".repeat(200_000);
    const cases: [string, { key: string; value: string }[] | undefined][] = [
      [`k=v${spaces}x`, undefined],
      [`${spaces}k=v${spaces},${"\t".repeat(200_000)}`, [{ key: "k", value: "v" }]],
      [",".repeat(200_000), []],
      [`${"a=1,".repeat(50_000)}`, undefined], // Duplicates and far more than 32 members.
    ];
    for (const [header, expected] of cases) {
      const started = performance.now();
      assert.deepEqual(parseTracestate(header), expected);
      assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
    }
  });

  it("rejects invalid keys, values, duplicates and more than 32 members", () => {
    for (
      const header of [
        "Rojo=1",
        "rojo",
        "=1",
        "rojo=a=b",
        "rojo=a,rojo=b",
        "rojo=",
        "ro jo=1",
        "a@=1",
        "rojo=é",
      ]
    ) {
      assert.equal(parseTracestate(header), undefined, header);
    }
    const members = (n: number) => Array.from({ length: n }, (_, i) => `k${i}=v`).join(",");
    assert.equal(parseTracestate(members(32))?.length, 32);
    assert.equal(parseTracestate(members(33)), undefined);
    assert.equal(
      formatTracestate([{ key: "a", value: "1" }, { key: "Bad", value: "2" }, {
        key: "a",
        value: "3",
      }]),
      "a=1",
    );
  });
});

describe("getTaskContext / continueTask", () => {
  it("continues a task remotely: child of the remote span, real duration, children and artifacts work", async () => {
    let ctx: TaskContext | undefined;
    let originSpan = "";
    let originTrace = "";
    await withTaskEnv(() => {
      run("origin", { project: "dist" }, (r) => {
        ctx = getTaskContext();
        originSpan = r.spanId;
        originTrace = r.traceId;
      });
    });
    assert.ok(ctx);
    assert.deepEqual(Object.keys(ctx!).sort(), [
      "project",
      "task_id",
      "task_name",
      "trace_context",
    ]);
    assert.equal(ctx!.project, "dist");
    assert.equal(ctx!.trace_context.traceparent, `00-${originTrace}-${originSpan}-03`);
    const wire = JSON.parse(JSON.stringify(ctx)) as TaskContext;
    // "Remote process": a fresh environment.
    await withTaskEnv(async (env) => {
      const fragment = await continueTask(wire, async (task) => {
        task.logMetric("remote_score", 0.88);
        await new Promise((r) => setTimeout(r, 5));
        taskSpan("remote-child", {}, () => {});
        assert.ok(await task.logArtifact(new TextEncoder().encode("x"), { name: "remote.txt" }));
        return task;
      });
      assert.equal(fragment.taskId, wire.task_id);
      assert.equal(fragment.runId, wire.task_id);
      assert.ok(fragment.duration > 0, "the fragment started at enter");
      const lines = await env.runLines(wire.task_id, "dist");
      const line = byName(lines, `task.${wire.task_id}.fragment`);
      assert.equal(line.trace_id, originTrace);
      assert.equal(line.parent_id, originSpan);
      assert.equal(line.attributes["dreadnode.type"], "task_fragment");
      assert.equal(byName(lines, "remote-child").parent_id, line.span_id);
      assert.equal(
        (await env.storage.readLines(["projects", "dist", wire.task_id, "artifacts.jsonl"])).length,
        1,
      );
      assert.deepEqual(env.codes(), []);
    });
  });

  it("a malformed traceparent starts a new trace with a diagnostic; a bad tracestate is dropped", async () => {
    await withTaskEnv((env) => {
      const bad: TaskContext = {
        task_id: "t-1",
        task_name: "x",
        project: "p",
        trace_context: { traceparent: "garbage" },
      };
      const fragment = continueTask(bad);
      fragment.end();
      assert.equal(fragment.parentSpanId, undefined);
      assert.ok(env.codes().includes("invalid_trace_context"));
      const odd: TaskContext = {
        task_id: "t-2",
        task_name: "y",
        project: "p",
        trace_context: { traceparent: VALID, tracestate: "Bad Key=1" },
      };
      const kept = continueTask(odd);
      kept.end();
      assert.equal(kept.parentSpanId, SPAN);
      assert.equal(kept.span.traceState, undefined);
      assert.doesNotThrow(() => continueTask(null as unknown as TaskContext).end());
    });
  });

  it("validateTaskContext throws TracerError INVALID_TRACE_CONTEXT for strict callers", () => {
    const good: TaskContext = {
      task_id: "t",
      task_name: "n",
      project: "p",
      trace_context: { traceparent: VALID },
    };
    assert.equal(validateTaskContext(good), good);
    for (
      const bad of [null, {}, { ...good, trace_context: { traceparent: "00-x" } }, {
        ...good,
        task_id: "",
      }, {
        ...good,
        trace_context: { traceparent: VALID, tracestate: "A=1" },
      }]
    ) {
      assert.throws(
        () => validateTaskContext(bad),
        (e: unknown) => e instanceof TracerError && e.code === "INVALID_TRACE_CONTEXT",
      );
    }
  });

  it("getTaskContext outside a task returns undefined with a diagnostic", async () => {
    await withTaskEnv((env) => {
      assert.equal(getTaskContext(), undefined);
      assert.ok(env.codes().includes("outside_task"));
    });
  });
});
