// Concurrent requests under a context manager that loses the context at an await
// (SyncContextManager: browsers, Workers without nodejs_compat), with no run started imperatively:
// after the first await of a runCallable callback nothing is current, and the events it emits
// there cannot be told from the other request's. They are not recorded, and that is reported once
// as events_context_lost (it was silent). A single request, or a run started while only one other
// is unfinished, loses nothing to the other request and reports nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  currentTraceSession,
  finishModelCall,
  startModelCall,
  withTraceRun,
} from "../../src/events/mod.ts";
import type { EventTracer } from "../../src/events/mod.ts";
import { withLostContext } from "../_support/flow_managers.ts";
import { eventSetup } from "./_helpers.ts";

const requestSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A request: a runCallable whose callback makes a model call after an await. */
function modelRequest(tracer: EventTracer, who: string, seen: string[]): Promise<string> {
  return tracer.runCallable({
    agentName: "agent",
    requestId: `lost-${who}`,
    inputPayload: {},
    fn: async () => {
      await requestSleep(20);
      seen.push(`${who}: ${currentTraceSession()?.runId ?? "none"}`);
      const id = startModelCall({ model: `m-${who}`, messages: [] });
      finishModelCall(id, { model: `m-${who}`, response: { text: "ok" } });
      return who;
    },
  });
}

async function eventTypes(
  readEvents: (id: string) => Promise<{ events: { event_type: string }[] }>,
  requestId: string,
): Promise<string[]> {
  return (await readEvents(requestId)).events.map((e) => e.event_type);
}

describe("runCallable of concurrent requests where the context is lost at an await", () => {
  it("reports once that the events after the await are not recorded", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const seen: string[] = [];
      const diagnostics = await withLostContext(async () => {
        const answers = await Promise.all([
          modelRequest(tracer, "A", seen),
          modelRequest(tracer, "B", seen),
        ]);
        assert.deepEqual(answers, ["A", "B"]);
      });
      assert.deepEqual(seen, ["A: none", "B: none"]);
      for (const who of ["A", "B"]) {
        assert.deepEqual(await eventTypes(readEvents, `lost-${who}`), [
          "RunStarted",
          "RunFinished",
        ]);
      }
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug").map((d) => d.code), [
        "events_context_lost",
      ]);
    } finally {
      await done();
    }
  });

  it("reports nothing for a single request", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const seen: string[] = [];
      const diagnostics = await withLostContext(async () => {
        await modelRequest(tracer, "A", seen);
        await modelRequest(tracer, "B", seen);
      });
      assert.deepEqual(seen, ["A: none", "B: none"]);
      assert.deepEqual(await eventTypes(readEvents, "lost-A"), ["RunStarted", "RunFinished"]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });

  it("reports nothing for a run started while two others are unfinished", async () => {
    const { tracer, readEvents, done } = eventSetup({ enableConsole: false });
    try {
      const diagnostics = await withLostContext(async () => {
        const waiting = (who: string) =>
          withTraceRun({ agentName: "agent", requestId: `wait-${who}`, tracer }, async () => {
            await requestSleep(20);
          });
        const first = [waiting("A"), waiting("B")];
        // A third request: its run is a root either way, and its events before the await are its.
        await withTraceRun({ agentName: "agent", requestId: "third", tracer }, () => {
          const id = startModelCall({ model: "m", messages: [] });
          finishModelCall(id, { model: "m", response: { text: "ok" } });
        });
        await Promise.all(first);
      });
      assert.deepEqual(await eventTypes(readEvents, "third"), [
        "RunStarted",
        "ModelCallStarted",
        "ModelCallFinished",
        "RunFinished",
      ]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });
});
