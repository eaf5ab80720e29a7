// What a run's and a tool's outcome records, as design_research_agents reads it:
// - an error given as an object without a string `message` (a thrown `{code, status}`, a tool's
//   `error: {code: 5}`) is its sorted JSON (`{"code": 5}`), not `[object Object]`, also with a
//   cycle or a throwing getter in it;
// - a thrown `undefined` or `null` is still an error (`"undefined"`), not `error: null`;
// - a function returning nothing records `output: null` (DRA's `None`), not no `output`;
// - `success` is `bool(result.success)` with Python's truthiness (`1` is true, `0` and `""` and
//   `[]` false), not `success === true`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  failToolCall,
  finishTraceRun,
  startToolCall,
  startTraceRun,
  type TraceEvent,
} from "../../src/events/mod.ts";
import { errorText, thrownErrorText } from "../../src/agents/_input.ts";
import { pythonTruthy } from "../../src/events/_python_truthy.ts";
import { eventSetup } from "./_helpers.ts";

type Setup = ReturnType<typeof eventSetup>;

async function withSetup(fn: (setup: Setup) => Promise<void>): Promise<void> {
  const setup = eventSetup({ enableConsole: false });
  try {
    await fn(setup);
  } finally {
    await setup.done();
  }
}

const byType = (events: TraceEvent[], type: string) => events.find((e) => e.event_type === type)!;

/** The RunFinished attributes of a runCallable whose fn throws `thrown`. */
async function runThrowing(setup: Setup, requestId: string, thrown: unknown) {
  await assert.rejects(
    setup.tracer.runCallable({
      agentName: "a",
      requestId,
      fn: () => {
        throw thrown;
      },
    }),
    (error: unknown) => error === thrown,
  );
  return byType((await setup.readEvents(requestId)).events, "RunFinished").attributes;
}

describe("error text of error objects", () => {
  it("a thrown plain object is recorded as its sorted JSON", () =>
    withSetup(async (setup) => {
      const attributes = await runThrowing(setup, "obj", { status: 504, code: "E_TIMEOUT" });
      assert.equal(attributes.error, '{"code": "E_TIMEOUT", "status": 504}');
      assert.equal(attributes.success, false);
      // The run's span records the same text as its exception.
      const spans = JSON.stringify(setup.collector.ended);
      assert.ok(spans.includes(JSON.stringify('{"code": "E_TIMEOUT", "status": 504}')), spans);
      assert.doesNotMatch(spans, /object Object/);
    }));

  it("a tool's error given as an object is its sorted JSON", () =>
    withSetup(async (setup) => {
      await setup.tracer.runCallable({
        agentName: "a",
        requestId: "tool",
        fn: () => {
          const id = startToolCall({ toolName: "x" });
          failToolCall(id, { toolName: "x", error: { code: 5, detail: { b: 1, a: "é" } } });
        },
      });
      const failed = byType((await setup.readEvents("tool")).events, "ToolCallFailed");
      assert.equal(failed.attributes.error, '{"code": 5, "detail": {"a": "\\u00e9", "b": 1}}');
    }));

  it("never throws, for a cycle, a throwing getter or a revoked proxy", () => {
    const cyclic: Record<string, unknown> = { code: 1 };
    cyclic.self = cyclic;
    assert.equal(errorText(cyclic), '{"code": 1, "self": "<circular reference>"}');
    const getter = {
      code: 2,
      get message(): string {
        throw new Error("no");
      },
    };
    assert.match(errorText(getter)!, /^\{"code": 2, "message": "<error: /);
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    assert.equal(typeof errorText(proxy), "string");
  });

  it("keeps a message, an Error's text, a string and an object's own toString", () => {
    assert.equal(errorText({ message: "boom", code: 1 }), "boom");
    assert.equal(errorText({ message: "", code: 1 }), '{"code": 1, "message": ""}');
    assert.equal(errorText(new TypeError("bad")), "bad");
    assert.equal(errorText("text"), "text");
    assert.equal(errorText(42), "42");
    assert.equal(errorText(["a", 1]), '["a", 1]');
    assert.equal(errorText({ toString: () => "custom" }), "custom");
    assert.equal(errorText(undefined), null);
  });

  it("a thrown undefined or null is recorded as such, not as no error", () =>
    withSetup(async (setup) => {
      assert.equal(thrownErrorText(undefined), "undefined");
      const undef = await runThrowing(setup, "undef", undefined);
      assert.deepEqual([undef.success, undef.error], [false, "undefined"]);
      const nul = await runThrowing(setup, "nul", null);
      assert.deepEqual([nul.success, nul.error], [false, "null"]);
    }));
});

describe("the run result", () => {
  it("a function returning nothing records output: null", () =>
    withSetup(async (setup) => {
      await setup.tracer.runCallable({ agentName: "a", requestId: "void", fn: () => {} });
      const finished = byType((await setup.readEvents("void")).events, "RunFinished");
      assert.deepEqual(finished.attributes.result, { success: true, output: null });
      assert.equal(finished.attributes.success, true);
    }));

  it("success is bool(result.success), with Python's truthiness", () =>
    withSetup(async (setup) => {
      const cases: [unknown, boolean][] = [
        [1, true],
        ["yes", true],
        [NaN, true],
        [[0], true],
        [{ a: 1 }, true],
        [true, true],
        [0, false],
        ["", false],
        [[], false],
        [{}, false],
        [null, false],
        [undefined, false],
        [false, false],
      ];
      for (const [i, [value, expected]] of cases.entries()) {
        const scope = startTraceRun({ agentName: "a", requestId: `s${i}`, tracer: setup.tracer });
        await finishTraceRun(scope, { result: { success: value } });
        const finished = byType((await setup.readEvents(`s${i}`)).events, "RunFinished");
        assert.equal(finished.attributes.success, expected, `success: ${String(value)}`);
      }
    }));

  it("pythonTruthy reads containers as Python does", () => {
    assert.equal(pythonTruthy(new Map()), false);
    assert.equal(pythonTruthy(new Set([1])), true);
    assert.equal(pythonTruthy(0n), false);
    assert.equal(pythonTruthy(-0), false);
    assert.equal(pythonTruthy(new Date(0)), true);
    assert.equal(pythonTruthy(Object.create(null)), false);
  });
});
