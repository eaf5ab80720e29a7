// The event log follows the process-wide redaction policy as it is when events are written: an
// EventTracer made before `configure({ redaction })` (a module-level one) or before a
// reconfiguration uses the configured policy, as the spans of the same run do.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  configure,
  getRedactionPolicy,
  MemoryStorage,
  RedactionPolicy,
  setRedactionPolicy,
} from "../../mod.ts";
import { EventTracer, TraceSession } from "../../src/events/mod.ts";
import type { TraceEvent } from "../../src/events/mod.ts";
import { isolated } from "../_support/global_state.ts";

const R = "***REDACTED***";

async function runOnce(tracer: EventTracer, storage: MemoryStorage, id: string): Promise<string> {
  await tracer.runCallable({
    agentName: "a",
    requestId: id,
    inputPayload: { session_key: "SECRET_S", region_code: "SECRET_R", api_key: "SECRET_K" },
    fn: () => "ok",
  });
  return (await storage.readLines(tracer.resolveLatestTracePath(id)!.split("/"))).join("\n");
}

describe("event log redaction policy", () => {
  it("an EventTracer made before configure() uses the configured policy", async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const early = new EventTracer({ storage, enableConsole: false, spanTracer: false });
      const tracing = configure({ storage, redaction: { extraKeys: ["session_key"] } });
      const text = await runOnce(early, storage, "early");
      assert.ok(!text.includes("SECRET_S"), text);
      assert.ok(!text.includes("SECRET_K"), text);
      assert.ok(text.includes(`"session_key": "${R}"`), text);
      assert.equal(early.redaction, getRedactionPolicy());
      await tracing.shutdown();
    });
  });

  it("an EventTracer made after configure() follows a later reconfiguration", async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const first = configure({ storage, redaction: { extraKeys: ["session_key"] } });
      const tracer = new EventTracer({ storage, enableConsole: false, spanTracer: false });
      const before = await runOnce(tracer, storage, "before");
      assert.ok(!before.includes("SECRET_S") && before.includes("SECRET_R"), before);
      await first.shutdown();
      const second = configure({ storage, redaction: { extraKeys: ["region_code"] } });
      const after = await runOnce(tracer, storage, "after");
      assert.ok(!after.includes("SECRET_R") && after.includes("SECRET_S"), after);
      assert.ok(!after.includes("SECRET_K"), after);
      await second.shutdown();
    });
  });

  it("keeps its own redaction option whatever the process-wide policy", async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const own = new RedactionPolicy({ keys: ["region_code"] });
      const tracer = new EventTracer({
        storage,
        enableConsole: false,
        spanTracer: false,
        redaction: own,
      });
      setRedactionPolicy({ extraKeys: ["session_key"] });
      const text = await runOnce(tracer, storage, "own");
      assert.equal(tracer.redaction, own);
      assert.ok(!text.includes("SECRET_R") && text.includes("SECRET_S"), text);
    });
  });

  it("a TraceSession without a policy reads the current one at each event", async () => {
    await isolated(async () => {
      const events: TraceEvent[] = [];
      const session = new TraceSession({
        runId: "r",
        sinks: [{ emit: (e) => void events.push(e), close: () => Promise.resolve() }],
      });
      session.emitEvent("RunStarted", session.rootSpanId, null, { session_key: "SECRET_1" });
      setRedactionPolicy({ extraKeys: ["session_key"] });
      session.emitEvent("RunFinished", session.rootSpanId, null, { session_key: "SECRET_2" });
      await session.close();
      assert.equal(events[0].attributes.session_key, "SECRET_1");
      assert.equal(events[1].attributes.session_key, R);
    });
  });
});
