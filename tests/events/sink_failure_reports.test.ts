// A sink that fails on every event (a closed socket, a collector that is down) used to give one
// `event_sink_failed` report per event: 10,004 stderr lines for a run that streamed 10,000
// tokens. A sink's failures are now reported once when it starts failing, then with their count
// when it delivers an event again or its run ends.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  emitModelToken,
  EventTracer,
  finishModelCall,
  MemoryEventSink,
  startModelCall,
  TraceSession,
} from "../../src/events/mod.ts";
import { MemoryStorage } from "../../mod.ts";
import type { EventSink } from "../../src/events/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";

/** A sink whose `emit` throws while `failing()` says so. */
function flakySink(failing: (index: number) => boolean): EventSink & { calls: number } {
  const sink = {
    calls: 0,
    emit() {
      if (failing(sink.calls++)) throw new Error("socket closed");
    },
    close() {},
  };
  return sink;
}

/** The messages of the `event_sink_failed` diagnostics. */
async function sinkReports(fn: () => unknown): Promise<string[]> {
  const { diagnostics } = await captureDiagnostics(async () => {
    await fn();
    await new Promise((resolve) => setTimeout(resolve, 10)); // rejections settle
  });
  return diagnostics.filter((d) => d.code === "event_sink_failed").map((d) => d.message);
}

describe("a failing event sink is reported once per run of failures", () => {
  it("a run streaming 10,000 tokens to a broken sink gives two reports, the second with the count", async () => {
    class WithBrokenSink extends EventTracer {
      override buildSinks(tracePath?: string): EventSink[] {
        return [...super.buildSinks(tracePath), flakySink(() => true)];
      }
    }
    const tracer = new WithBrokenSink({
      storage: new MemoryStorage(),
      enableConsole: false,
      spanTracer: false,
    });
    const reports = await sinkReports(() =>
      tracer.runCallable({
        agentName: "a",
        requestId: "flood",
        fn: () => {
          const id = startModelCall({ model: "m" });
          for (let i = 0; i < 10_000; i++) emitModelToken(id, "t");
          finishModelCall(id, {});
        },
      })
    );
    assert.equal(reports.length, 2, reports.slice(0, 5).join("\n"));
    assert.match(reports[0], /^Cannot deliver a RunStarted event of run flood: a sink failed/);
    // RunStarted reported; ModelCallStarted, 10,000 tokens, ModelCallFinished, RunFinished counted.
    assert.match(reports[1], /failed on 10003 more event\(s\) until the run ended/);
    assert.match(reports[1], /the last a RunFinished event/);
  });

  it("a sink that recovers: its count when it delivers again, and a new report when it fails again", async () => {
    const memory = new MemoryEventSink();
    const flaky = flakySink((i) => i < 5 || i >= 10);
    const session = new TraceSession({ runId: "r", sinks: [flaky, memory] });
    const reports = await sinkReports(async () => {
      for (let i = 0; i < 12; i++) session.emitEvent(`E${i}`, session.rootSpanId, null, {});
      await session.close();
    });
    assert.equal(memory.events.length, 12, "the other sinks get every event");
    assert.equal(reports.length, 4, reports.slice(0, 5).join("\n"));
    assert.match(reports[0], /^Cannot deliver a E0 event of run r/);
    assert.match(reports[1], /failed on 4 more event\(s\) before it delivered an event again/);
    assert.match(reports[1], /the last a E4 event/);
    assert.match(reports[2], /^Cannot deliver a E10 event of run r/);
    assert.match(reports[3], /failed on 1 more event\(s\) until the run ended/);
  });

  it("a sink failing once is reported once; each failing sink on its own", async () => {
    const once = flakySink((i) => i === 0);
    const always = flakySink(() => true);
    const session = new TraceSession({ runId: "r", sinks: [once, always] });
    const reports = await sinkReports(async () => {
      for (let i = 0; i < 100; i++) session.emitEvent("E", session.rootSpanId, null, {});
      await session.close();
    });
    assert.deepEqual(reports.map((r) => r.replace(/ \(.*$/, "")), [
      "Cannot deliver a E event of run r: a sink failed",
      "Cannot deliver a E event of run r: a sink failed",
      "A sink of run r failed on 99 more event(s) until the run ended",
    ]);
  });

  it("an async sink whose promises reject: two reports, then none once it resolves again", async () => {
    let down = true;
    const asyncSink: EventSink = {
      emit: async () => {
        await Promise.resolve();
        if (down) throw new Error("collector unreachable");
      },
      close: () => {},
    };
    const session = new TraceSession({ runId: "r", sinks: [asyncSink] });
    const reports = await sinkReports(async () => {
      for (let i = 0; i < 1000; i++) session.emitEvent("E", session.rootSpanId, null, {});
      await new Promise((resolve) => setTimeout(resolve, 10));
      down = false;
      for (let i = 0; i < 1000; i++) session.emitEvent("F", session.rootSpanId, null, {});
      await session.close();
    });
    assert.equal(reports.length, 2, reports.slice(0, 5).join("\n"));
    assert.match(reports[0], /^Cannot deliver a E event of run r/);
    assert.match(reports[1], /failed on 999 more event\(s\) before it delivered an event again/);
  });
});
