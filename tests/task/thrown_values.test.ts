// What a task records when its body throws something that is no `Error`. A user trial porting a
// dreadnode harness found `throw { code: 42 }` recorded as "[object Object]" (status message and
// `exception.message`, with `exception.type` "object"): the object's fields were lost. A task now
// records such an object by its class and its JSON, redacted as any exception message is.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FlatSpan } from "../../mod.ts";
import { run, taskSpan } from "../../src/task/mod.ts";
import type { TaskSpan } from "../../src/task/task_span.ts";
import { exportThroughConfigure } from "../_support/otlp_helpers.ts";
import { withTaskEnv } from "../_support/task_env.ts";

/** The exception event's type and message in a task's span line (which has no status text). */
function failure(line: FlatSpan): { type: unknown; message: unknown } {
  assert.equal(line.status, "ERROR");
  const event = line.events.find((e) => e.name === "exception");
  assert.ok(event, "an exception event");
  return {
    type: event.attributes["exception.type"],
    message: event.attributes["exception.message"],
  };
}

class Rejection {
  constructor(readonly reason: string, readonly retryable: boolean) {}
}

describe("a value thrown by a task's body that is no Error", () => {
  it("is recorded by its class and JSON, not [object Object]; other values as before", () =>
    withTaskEnv(async ({ runLines }) => {
      const thrown = { code: 42, detail: { field: "x" } };
      const tasks: TaskSpan[] = [];
      const runId = await run("r", {}, async (r) => {
        try {
          taskSpan("sync", {}, (t) => {
            tasks.push(t);
            throw thrown;
          });
        } catch (error) {
          assert.equal(error, thrown, "rethrown as it was thrown");
        }
        await taskSpan("async", {}, async (t) => {
          tasks.push(t);
          await 0;
          throw new Rejection("rate limited", true);
        }).catch(() => {});
        await taskSpan("array", {}, (t) => {
          tasks.push(t);
          return Promise.reject([1, "two"]);
        }).catch(() => {});
        // What was recorded well already stays as it was.
        for (
          const [i, value] of ["plain string", 7, null, new RangeError("out of range")].entries()
        ) {
          try {
            taskSpan(`kept${i}`, {}, () => {
              throw value;
            });
          } catch {
            // Recorded on the task.
          }
        }
        return r.runId;
      });
      assert.equal(tasks[0].exception, thrown, "the task keeps the value itself");
      assert.throws(() => tasks[0].raiseIfFailed(), (error) => error === thrown);
      const lines = await runLines(runId);
      const byName = (name: string) => failure(lines.find((l) => l.name === name)!);
      const texts = [
        '{"code": 42, "detail": {"field": "x"}}',
        '{"reason": "rate limited", "retryable": true}',
        '[1, "two"]',
      ];
      assert.deepEqual(byName("sync"), { type: "Object", message: texts[0] });
      assert.deepEqual(byName("async"), { type: "Rejection", message: texts[1] });
      assert.deepEqual(byName("array"), { type: "Array", message: texts[2] });
      const statuses = texts.map((message) => ({ code: "ERROR", message }));
      assert.deepEqual(tasks.map((t) => t.span.status), statuses, "the status message too");
      assert.deepEqual(byName("kept0"), { type: "string", message: "plain string" });
      assert.deepEqual(byName("kept1"), { type: "number", message: "7" });
      assert.deepEqual(byName("kept2"), { type: "object", message: "null" });
      assert.deepEqual(byName("kept3"), { type: "RangeError", message: "out of range" });
    }));

  it("is redacted in the JSONL line and the OTLP export: a secret field never leaves", async () => {
    let runId = "";
    const { storage, bodies } = await exportThroughConfigure(async () => {
      runId = await run("r", {}, async (r) => {
        await taskSpan("call", {}, async () => {
          await 0;
          throw { api_key: "sk-live-SECRET-123", code: 42 };
        }).catch(() => {});
        return r.runId;
      });
    });
    const lines = await storage.readLines(["projects", "default", runId, "spans.jsonl"]);
    const call = lines.find((l) => JSON.parse(l).name === "call");
    assert.ok(call, "the task's line");
    const recorded = failure(JSON.parse(call));
    assert.equal(recorded.type, "Object");
    assert.match(String(recorded.message), /"code": ?42/, "the fields are kept");
    assert.ok(!call.includes("sk-live-SECRET"), call);
    const body = bodies.join("\n");
    const span = JSON.parse(bodies[0]).resourceSpans[0].scopeSpans[0].spans
      .find((s: { name: string }) => s.name === "call");
    assert.match(span.status.message, /"code": ?42/, "exported with its fields");
    assert.ok(!body.includes("sk-live-SECRET"), "the key is not exported");
  });
});
