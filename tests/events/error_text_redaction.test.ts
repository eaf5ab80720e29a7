// Error text in events is free text: JSON embedded in an error message (`HTTP 401: {"api_key":…}`)
// is masked in the event line, the console sink, the span's `dra.error` and its status message,
// for every event that records an error (run, agent run, model call, tool call, observed events).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RedactionPolicy } from "../../mod.ts";
import type { SpanRecord } from "../../mod.ts";
import {
  emitModelResponseObserved,
  emitToolResultObserved,
  emitWorkflowStepResult,
  failToolCall,
  finishModelCall,
  finishTraceRun,
  startModelCall,
  startToolCall,
  startTraceRun,
} from "../../src/events/mod.ts";
import { eventSetup } from "./_helpers.ts";

const R = "***REDACTED***";

/** Runs one failing run whose model call, tool call, nested run and observed events all fail. */
async function failingRun(setup: ReturnType<typeof eventSetup>, id: string): Promise<void> {
  await assert.rejects(
    setup.tracer.runCallable({
      agentName: "a",
      requestId: id,
      fn: () => {
        const model = startModelCall({ model: "m" });
        finishModelCall(model, {
          model: "m",
          error: new Error('HTTP 401: {"error":{"message":"bad","api_key":"SECRET_MODEL"}}'),
        });
        const tool = startToolCall({ toolName: "t" });
        failToolCall(tool, { toolName: "t", error: 'tool failed: {"token":"SECRET_TOOL"}' });
        const nested = startTraceRun({ agentName: "sub", requestId: "n", tracer: setup.tracer });
        void finishTraceRun(nested, {
          error: new Error('sub failed: {"password":"SECRET_NESTED"}'),
        });
        emitModelResponseObserved({
          source: "s",
          error: { message: 'observed: {"secret":"SECRET_OBS_MODEL"}' },
        });
        emitToolResultObserved({
          toolName: "t",
          sourceId: "s",
          error: 'observed: {"api_key":"SECRET_OBS_TOOL"}',
        });
        emitWorkflowStepResult({
          stepId: "x",
          stepType: "y",
          status: "failed",
          success: false,
          error: new Error('step: {\\"authorization\\":\\"SECRET_OBS_STEP\\"}'),
        });
        throw new Error('run failed: {"token":"SECRET_RUN"}');
      },
    }),
    /run failed/,
  );
}

/**
 * What the events layer wrote on a span: attributes, status and events (not `exception` events,
 * which `recordException` adds and the exporter redacts).
 */
function spanText(span: SpanRecord): string {
  const events = span.events.filter((e) => e.name !== "exception");
  return JSON.stringify({ a: span.attributes, s: span.status, e: events });
}

describe("events: error text masked as free text", () => {
  it("masks embedded JSON in every event's error, on the line, the console and the span", async () => {
    const setup = eventSetup();
    try {
      await failingRun(setup, "r1");
      const { lines, events } = await setup.readEvents("r1");
      const file = lines.join("\n");
      assert.doesNotMatch(file, /SECRET_/, file);
      assert.doesNotMatch(setup.console.text, /SECRET_/, setup.console.text);
      const byType = (t: string) => events.find((e) => e.event_type === t)!.attributes.error;
      assert.equal(
        byType("ModelCallFailed"),
        `HTTP 401: {"error":{"message":"bad","api_key":"${R}"}}`,
      );
      assert.equal(byType("ToolCallFailed"), `tool failed: {"token":"${R}"}`);
      assert.equal(byType("AgentRunFinished"), `sub failed: {"password":"${R}"}`);
      assert.equal(byType("RunFinished"), `run failed: {"token":"${R}"}`);
      assert.equal(byType("ModelResponseObserved"), `observed: {"secret":"${R}"}`);
      assert.equal(byType("ToolResultObserved"), `observed: {"api_key":"${R}"}`);
      assert.ok(String(byType("WorkflowStepResultObserved")).startsWith("step: {"));
      assert.ok(setup.console.text.includes(`run failed: {"token":"${R}"}`), setup.console.text);
      for (const span of setup.collector.ended) {
        assert.doesNotMatch(spanText(span), /SECRET_/, span.name);
      }
      const model = setup.collector.byName("chat m");
      assert.equal(model.attributes["dra.error"], byType("ModelCallFailed"));
      assert.equal(model.status.message, byType("ModelCallFailed"));
      const tool = setup.collector.byName("execute_tool t");
      assert.equal(tool.attributes["dra.error"], `tool failed: {"token":"${R}"}`);
      assert.equal(setup.collector.byName("run a").attributes["dra.error"], byType("RunFinished"));
      assert.equal(
        setup.collector.byName("invoke_agent sub").attributes["dra.error"],
        byType("AgentRunFinished"),
      );
    } finally {
      await setup.done();
    }
  });

  it("uses the tracer's own policy for error text", async () => {
    const setup = eventSetup({ redaction: new RedactionPolicy({ extraKeys: ["session_key"] }) });
    try {
      await assert.rejects(
        setup.tracer.runCallable({
          agentName: "a",
          requestId: "own",
          fn: () => {
            throw new Error('failed: {"session_key":"SECRET_OWN","note":"kept"}');
          },
        }),
      );
      const { events } = await setup.readEvents("own");
      const finished = events.find((e) => e.event_type === "RunFinished")!;
      assert.equal(finished.attributes.error, `failed: {"session_key":"${R}","note":"kept"}`);
      assert.doesNotMatch(setup.console.text, /SECRET_OWN/);
      assert.doesNotMatch(spanText(setup.collector.byName("run a")), /SECRET_OWN/);
    } finally {
      await setup.done();
    }
  });

  it("leaves error text alone when the policy is disabled, and still cuts long text", async () => {
    const off = eventSetup({ redaction: new RedactionPolicy({ enabled: false }) });
    try {
      await assert.rejects(off.tracer.runCallable({
        agentName: "a",
        requestId: "off",
        fn: () => {
          throw new Error('failed: {"token":"VISIBLE"}');
        },
      }));
      const { events } = await off.readEvents("off");
      const finished = events.find((e) => e.event_type === "RunFinished")!;
      assert.equal(finished.attributes.error, 'failed: {"token":"VISIBLE"}');
    } finally {
      await off.done();
    }
    const short = eventSetup({ redaction: new RedactionPolicy({ maxStringLength: 60 }) });
    try {
      const long = `failed: {"token":"SECRET_LONG"} ${"x".repeat(100)}`;
      await assert.rejects(short.tracer.runCallable({
        agentName: "a",
        requestId: "long",
        fn: () => {
          throw new Error(long);
        },
      }));
      const { events } = await short.readEvents("long");
      const error = String(events.find((e) => e.event_type === "RunFinished")!.attributes.error);
      assert.ok(error.startsWith(`failed: {"token":"${R}"}`), error);
      assert.ok(error.length < long.length, error);
    } finally {
      await short.done();
    }
  });
});
