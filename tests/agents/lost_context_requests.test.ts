// Concurrent requests under a context manager that loses the context at an await
// (SyncContextManager: browsers, Workers without nodejs_compat), with no trace started with
// start(true): after the first await of run(fn) nothing is current, and the spans made there
// cannot be told from the other request's. They are not recorded, and that is reported once as
// agent_context_lost (it was silent). Requests one after the other lose the same spans (nothing
// is current after the await): reported alike (they were lost with a debug note only, an
// async-context trial found). A trace started while two others are unfinished loses nothing to
// another request and reports nothing.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { functionSpan, getCurrentTrace, trace } from "../../src/agents/mod.ts";
import { withLostContext } from "../_support/flow_managers.ts";
import { agentSetup } from "./_helpers.ts";

const requestSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A request: trace(name).run(fn) whose fn reads the current trace and runs a span after an await. */
function spanRequest(who: string, seen: string[]): Promise<void> {
  return trace(`t-${who}`).run(async () => {
    await requestSleep(20);
    seen.push(`${who}: ${getCurrentTrace()?.name ?? "none"}`);
    await functionSpan(`f-${who}`).run(() => {});
  });
}

describe("run(fn) of concurrent requests where the context is lost at an await", () => {
  it("reports once that the spans after the await are not recorded", async () => {
    const { collector, done } = agentSetup();
    try {
      const seen: string[] = [];
      const diagnostics = await withLostContext(async () => {
        await Promise.all([spanRequest("A", seen), spanRequest("B", seen)]);
      });
      assert.deepEqual(seen, ["A: none", "B: none"]);
      assert.deepEqual(collector.ended.map((s) => s.name).sort(), ["t-A", "t-B"]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug").map((d) => d.code), [
        "agent_context_lost",
      ]);
    } finally {
      await done();
    }
  });

  it("reports the spans lost after the await for requests one after the other too", async () => {
    const { collector, done } = agentSetup();
    try {
      const seen: string[] = [];
      const diagnostics = await withLostContext(async () => {
        await spanRequest("A", seen);
        await spanRequest("B", seen);
      });
      assert.deepEqual(seen, ["A: none", "B: none"]);
      assert.deepEqual(collector.ended.map((s) => s.name), ["t-A", "t-B"]);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug").map((d) => d.code), [
        "agent_context_lost",
      ]);
    } finally {
      await done();
    }
  });

  it("reports nothing for a trace run, or a span made before the await, while two are open", async () => {
    const { collector, done } = agentSetup();
    try {
      const diagnostics = await withLostContext(async () => {
        const waiting = (who: string) =>
          trace(`wait-${who}`).run(async () => {
            await requestSleep(20);
          });
        const first = [waiting("A"), waiting("B")];
        // A third request: its trace is a root either way, and what it makes before the await is
        // its own; a span it made before an await and runs after it still has its trace.
        let made: ReturnType<typeof functionSpan> | undefined;
        const third = trace("third").run(async () => {
          made = functionSpan("made-before");
          await requestSleep(5);
          await made.run(() => {});
        });
        await Promise.all([...first, third]);
      });
      const third = collector.byName("third");
      const madeBefore = collector.ended.find((s) => s.name.includes("made-before"));
      assert.equal(madeBefore?.traceId, third.traceId);
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });
});
