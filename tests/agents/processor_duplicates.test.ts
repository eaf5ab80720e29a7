// A processor added twice is registered once: `setTraceProcessors` keeps it without shutting it
// down when it stays, and flushes it, without shutting it down, when it goes (as the Python SDK's
// `set_trace_processors` replaces the list; the processor can be added again).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addTraceProcessor,
  functionSpan,
  getTraceProcessors,
  setTraceProcessors,
  trace,
} from "../../src/agents/mod.ts";
import type { TracingProcessor } from "../../src/agents/mod.ts";
import { agentSetup } from "./_helpers.ts";

/** A processor that counts its notifications and shutdowns. */
function counting() {
  const calls = { traces: 0, spans: 0, shutdowns: 0 };
  const processor: TracingProcessor = {
    onTraceStart: () => void calls.traces++,
    onSpanEnd: () => void calls.spans++,
    shutdown: () => void calls.shutdowns++,
  };
  return { processor, calls };
}

/** Lets background shutdowns run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("a processor added twice", () => {
  it("stays registered, and is not shut down, when setTraceProcessors keeps it", async () => {
    const { tracer, done } = agentSetup();
    try {
      const { processor, calls } = counting();
      addTraceProcessor(processor);
      addTraceProcessor(processor);
      setTraceProcessors([processor]);
      await settle();
      assert.equal(calls.shutdowns, 0, "not shut down while registered");
      assert.deepEqual(getTraceProcessors(), [processor]);
      trace("wf").run(() => functionSpan("tool").run(() => {}));
      assert.deepEqual({ traces: calls.traces, spans: calls.spans }, { traces: 1, spans: 1 });
      await tracer.shutdown();
      assert.equal(calls.shutdowns, 1, "shut down once with its tracer");
    } finally {
      await done();
    }
  });

  it("is notified once, and flushed but not shut down when it is removed", async () => {
    const { done } = agentSetup();
    try {
      const { processor, calls } = counting();
      addTraceProcessor(processor);
      addTraceProcessor(processor);
      assert.equal(getTraceProcessors().length, 1);
      trace("wf").run(() => functionSpan("tool").run(() => {}));
      assert.deepEqual({ traces: calls.traces, spans: calls.spans }, { traces: 1, spans: 1 });
      setTraceProcessors([]);
      await settle();
      assert.equal(calls.shutdowns, 0, "removed: flushed, not shut down");
    } finally {
      await done();
    }
  });

  it("is registered once when listed twice in setTraceProcessors", async () => {
    const { done } = agentSetup();
    try {
      const { processor, calls } = counting();
      setTraceProcessors([processor, processor]);
      assert.deepEqual(getTraceProcessors(), [processor]);
      trace("wf").run(() => {});
      assert.equal(calls.traces, 1);
      setTraceProcessors([]);
      await settle();
      assert.equal(calls.shutdowns, 0, "removed: flushed, not shut down");
    } finally {
      await done();
    }
  });
});
