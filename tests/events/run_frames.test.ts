// Which run is current where async work overlaps: sibling runs started after an await each nest
// under their own parent (as each asyncio task has its own ContextVars in design_research_agents),
// and where the context manager loses the context at an await (SyncContextManager), events after
// it are never written to another request's run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import {
  currentTraceSession,
  finishToolCall,
  finishTraceRun,
  startToolCall,
  startTraceRun,
  withTraceRun,
} from "../../src/events/mod.ts";
import type { EventTracer, TraceEvent } from "../../src/events/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import {
  NO_ENTER_WITH,
  SLOT_MANAGERS,
  withLostContext,
  withManager,
} from "../_support/flow_managers.ts";
import { eventSetup } from "./_helpers.ts";

const framesSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A sub-agent: after an await, a nested run with one tool call, finished in `finally`. */
async function framesSubAgent(tracer: EventTracer, name: string, before: number, during: number) {
  await framesSleep(before);
  const scope = startTraceRun({ agentName: name, requestId: `sub-${name}`, tracer });
  try {
    await framesSleep(during);
    const tool = startToolCall({ toolName: `tool-of-${name}` });
    finishToolCall(tool, { toolName: `tool-of-${name}`, result: 1 });
  } finally {
    await finishTraceRun(scope, { result: { success: true } });
  }
}

/** `event_type name parent-name` for each event (names from the Started events). */
function framesTree(events: TraceEvent[]): string[] {
  const names = new Map<string, string>();
  for (const e of events) {
    if (e.event_type.endsWith("Started")) {
      names.set(e.span_id, String(e.attributes.agent ?? e.attributes.tool_name));
    }
  }
  return events.map((e) =>
    `${e.event_type} ${names.get(e.span_id) ?? ""} <${names.get(String(e.parent_span_id)) ?? "-"}`
  );
}

const FRAMES_SIBLINGS = [
  "RunStarted root <-",
  "AgentRunStarted A <root",
  "AgentRunStarted B <root",
  "ToolCallStarted tool-of-A <A",
  "ToolCallFinished tool-of-A <A",
  "AgentRunFinished A <root",
  "ToolCallStarted tool-of-B <B",
  "ToolCallFinished tool-of-B <B",
  "AgentRunFinished B <root",
  "RunFinished root <-",
];

describe("sibling runs started after an await", () => {
  it("inside withTraceRun each nest under the run, with their own tool calls", {
    skip: NO_ENTER_WITH,
  }, async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      resetReportedOnce();
      const { diagnostics } = await captureDiagnostics(() =>
        withTraceRun({ agentName: "root", requestId: "siblings", tracer }, async () => {
          await Promise.all([
            framesSubAgent(tracer, "A", 1, 10),
            framesSubAgent(tracer, "B", 5, 30),
          ]);
          assert.equal(currentTraceSession()?.runId, "siblings");
        })
      );
      assert.deepEqual(framesTree((await readEvents("siblings")).events), FRAMES_SIBLINGS);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
      assert.equal(currentTraceSession(), undefined);
    } finally {
      await done();
    }
  });

  it("inside a run started with startTraceRun each nest under it, with their own tool calls", {
    skip: NO_ENTER_WITH,
  }, async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      resetReportedOnce();
      const { diagnostics } = await captureDiagnostics(async () => {
        await framesSleep(0); // a flow of its own
        const root = startTraceRun({ agentName: "root", requestId: "flow-siblings", tracer });
        await Promise.all([
          framesSubAgent(tracer, "A", 1, 10),
          framesSubAgent(tracer, "B", 5, 30),
        ]);
        assert.equal(currentTraceSession(), root?.session);
        await finishTraceRun(root, { result: { success: true } });
      });
      assert.deepEqual(framesTree((await readEvents("flow-siblings")).events), FRAMES_SIBLINGS);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });

  it("finishing out of order in one flow keeps the later run current under its parent", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      resetReportedOnce();
      const { diagnostics } = await captureDiagnostics(async () => {
        const root = startTraceRun({ agentName: "root", requestId: "order", tracer })!;
        const a = startTraceRun({ agentName: "A", requestId: "order-a", tracer })!;
        const b = startTraceRun({ agentName: "B", requestId: "order-b", tracer })!;
        await finishTraceRun(a, { result: { success: true } });
        finishToolCall(startToolCall({ toolName: "tool-of-B" }), { toolName: "tool-of-B" });
        await finishTraceRun(b, { result: { success: true } });
        finishToolCall(startToolCall({ toolName: "tool-of-root" }), { toolName: "tool-of-root" });
        await finishTraceRun(root, { result: { success: true } });
        assert.equal(currentTraceSession(), undefined);
      });
      assert.deepEqual(framesTree((await readEvents("order")).events), [
        "RunStarted root <-",
        "AgentRunStarted A <root",
        "AgentRunStarted B <A",
        "AgentRunFinished A <root",
        "ToolCallStarted tool-of-B <B",
        "ToolCallFinished tool-of-B <B",
        "AgentRunFinished B <A",
        "ToolCallStarted tool-of-root <root",
        "ToolCallFinished tool-of-root <root",
        "RunFinished root <-",
      ]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });
});

describe("withTraceRun with a context manager that loses the context at an await", () => {
  it("never writes its events after an await to another request's run", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const diagnostics = await withLostContext(async () => {
        const scoped = withTraceRun(
          { agentName: "one", requestId: "scoped", tracer },
          async () => {
            finishToolCall(startToolCall({ toolName: "before-await" }), {
              toolName: "before-await",
            });
            await framesSleep(5);
            finishToolCall(startToolCall({ toolName: "after-await" }), {
              toolName: "after-await",
            });
          },
        );
        const imperative = (async () => {
          const scope = startTraceRun({ agentName: "two", requestId: "imperative", tracer });
          await framesSleep(30);
          await finishTraceRun(scope, { result: { success: true } });
        })();
        await Promise.all([scoped, imperative]);
      });
      assert.deepEqual(framesTree((await readEvents("scoped")).events), [
        "RunStarted one <-",
        "ToolCallStarted before-await <one",
        "ToolCallFinished before-await <one",
        "RunFinished one <-",
      ]);
      assert.deepEqual(framesTree((await readEvents("imperative")).events), [
        "RunStarted two <-",
        "RunFinished two <-",
      ]);
      assert.deepEqual(diagnostics.map((d) => [d.level, d.code]), [
        ["warn", "events_context_lost"],
      ]);
    } finally {
      await done();
    }
  });

  it("still writes events after an await to the run it is nested in", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const diagnostics = await withLostContext(async () => {
        const root = startTraceRun({ agentName: "root", requestId: "sequential", tracer });
        await withTraceRun(
          { agentName: "sub", requestId: "sequential-sub", tracer },
          async () => {
            await framesSleep(1);
            finishToolCall(startToolCall({ toolName: "late" }), { toolName: "late" });
          },
        );
        await finishTraceRun(root, { result: { success: true } });
      });
      // The run's own file: the context is lost, so the tool call's parent is the root.
      assert.deepEqual(framesTree((await readEvents("sequential")).events), [
        "RunStarted root <-",
        "AgentRunStarted sub <root",
        "ToolCallStarted late <root",
        "ToolCallFinished late <root",
        "AgentRunFinished sub <root",
        "RunFinished root <-",
      ]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });
});

describe("imperative runs inside concurrent withTraceRun, where enterWith does not work", () => {
  // The flow store is one slot there: each withTraceRun still keeps its own nested run current.
  for (const [label, make] of SLOT_MANAGERS.filter(([, make]) => make().isolatesAsync)) {
    it(`${label}: each keeps its own nested run`, async () => {
      const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
      try {
        await withManager(make(), async () => {
          const request = (name: string, before: number) =>
            withTraceRun(
              { agentName: `req-${name}`, requestId: `slot-${name}`, tracer },
              () => framesSubAgent(tracer, name, before, 20),
            );
          await Promise.all([request("A", 1), request("B", 5)]);
        });
        for (const name of ["A", "B"]) {
          assert.deepEqual(framesTree((await readEvents(`slot-${name}`)).events), [
            `RunStarted req-${name} <-`,
            `AgentRunStarted ${name} <req-${name}`,
            `ToolCallStarted tool-of-${name} <${name}`,
            `ToolCallFinished tool-of-${name} <${name}`,
            `AgentRunFinished ${name} <req-${name}`,
            `RunFinished req-${name} <-`,
          ]);
        }
      } finally {
        await done();
      }
    });
  }
});
