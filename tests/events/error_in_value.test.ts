// An error inside an event value (a tool result or step output that carries the error it caught)
// is error text as the event's top-level `error` is: the JSON body in its message and stack trace
// is masked in the event line and on the span, also when a large value is cut to fit the line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { emitWorkflowStepResult, finishToolCall, startToolCall } from "../../src/events/mod.ts";
import { eventSetup } from "./_helpers.ts";

const R = "***REDACTED***";
const apiError = (tag: string) =>
  new Error(`POST /v1/chat failed: 401 {"error":{"api_key":"SECRET_${tag}"}}`);

describe("events: errors nested in values", () => {
  it("masks a caught error in a tool result and a step output, in the line and the span", async () => {
    const setup = eventSetup({ enableConsole: false });
    try {
      await setup.tracer.runCallable({
        agentName: "a",
        requestId: "nested",
        fn: () => {
          const tool = startToolCall({ toolName: "t" });
          finishToolCall(tool, {
            toolName: "t",
            result: { ok: false, caught: apiError("RESULT") },
          });
          emitWorkflowStepResult({
            stepId: "s",
            stepType: "k",
            status: "failed",
            success: false,
            output: { attempts: [apiError("OUTPUT")] },
          });
        },
      });
      const { lines, events } = await setup.readEvents("nested");
      const file = lines.join("\n");
      assert.doesNotMatch(file, /SECRET_/, file);
      const finished = events.find((e) => e.event_type === "ToolCallFinished")!;
      const caught = (finished.attributes.result as { caught: { message: string } }).caught;
      assert.equal(caught.message, `POST /v1/chat failed: 401 {"error":{"api_key":"${R}"}}`);
      const spans = JSON.stringify(setup.collector.ended);
      assert.doesNotMatch(spans, /SECRET_/);
      assert.ok(spans.includes(R));
    } finally {
      await setup.done();
    }
  });

  it("masks a caught error in a value cut to fit the line", async () => {
    const setup = eventSetup({ enableConsole: false });
    try {
      // 600 strings of 2000 characters: the result is cut to fit 1 MiB, each value to its share
      // (under 2 KB), the error record (4 KB: its message and stack trace cut to 2048) too: the
      // record is copied, and is still error text.
      const error = new Error(`${apiError("CUT").message} ${"d".repeat(3000)}`);
      const result: Record<string, unknown> = { caught: error };
      for (let i = 0; i < 600; i++) result[`row_${i}`] = "r".repeat(2000);
      await setup.tracer.runCallable({
        agentName: "a",
        requestId: "cut",
        fn: () => {
          const tool = startToolCall({ toolName: "t" });
          finishToolCall(tool, { toolName: "t", result });
        },
      });
      const { lines, events } = await setup.readEvents("cut");
      const finished = lines[events.findIndex((e) => e.event_type === "ToolCallFinished")];
      assert.ok(finished.length <= 1.1 * 1024 * 1024 && finished.includes("truncated"));
      assert.doesNotMatch(finished, /SECRET_/);
      assert.ok(finished.includes(R), "the secret is masked, not cut away");
    } finally {
      await setup.done();
    }
  });
});
