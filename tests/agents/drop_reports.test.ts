// What the agent layer drops or evicts under load is counted, and reported once per episode with
// the count so far, not once per item: the BatchTraceProcessor's full queue (`dropped`, by the
// core BatchSpanProcessor's reasons) and the @openai/agents-core bridge's evicted traces (100,000
// never-ended traces used to print 95,000 warnings).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchTraceProcessor, genTraceId, TraceletAgentsProcessor } from "../../src/agents/mod.ts";
import type { AgentsCoreTraceLike } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup, openCoreSpan, spanItem } from "./_helpers.ts";

/** Starts `count` traces with one span each, none of which ever ends; returns the traces. */
async function leak(p: TraceletAgentsProcessor, count: number): Promise<AgentsCoreTraceLike[]> {
  const traces: AgentsCoreTraceLike[] = [];
  for (let i = 0; i < count; i++) {
    const t = { traceId: genTraceId(), name: `leaked ${i}` };
    traces.push(t);
    await p.onTraceStart(t);
    await p.onSpanStart(openCoreSpan(t.traceId));
  }
  return traces;
}

describe("BatchTraceProcessor drop counts", () => {
  it("counts items dropped by a full queue, reported once per episode with the count", async () => {
    const processor = new BatchTraceProcessor({ export: () => {} }, {
      maxQueueSize: 3,
      exportTriggerRatio: 1,
      timers: false,
    });
    assert.deepEqual(processor.dropped, {});
    const { diagnostics } = await captureDiagnostics(async () => {
      for (const id of ["a", "b", "c", "d", "e"]) processor.onSpanEnd(spanItem(id));
      assert.deepEqual(processor.dropped, { queue_full: 2 });
      await processor.forceFlush(); // drained: the next drop starts a new episode
      for (const id of ["f", "g", "h", "i", "j", "k"]) processor.onSpanEnd(spanItem(id));
    });
    assert.deepEqual(processor.dropped, { queue_full: 5 });
    assert.deepEqual(diagnostics.map((d) => d.code), ["agent_queue_full", "agent_queue_full"]);
    assert.match(diagnostics[0].message, /\b1 dropped so far/);
    assert.match(diagnostics[1].message, /\b3 dropped so far/);
    // A copy: the caller cannot change the counts.
    (processor.dropped as Record<string, number>).queue_full = 0;
    assert.equal(processor.dropped.queue_full, 5);
  });

  it("counts items queued after shutdown, and those still queued at its deadline", async () => {
    // An export that settles only when aborted (at the shutdown deadline): no report comes later.
    const export_ = (_items: unknown, signal?: AbortSignal) =>
      new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
    const processor = new BatchTraceProcessor({ export: export_ }, {
      maxBatchSize: 1,
      timers: false,
    });
    await captureDiagnostics(async () => {
      for (const id of ["a", "b", "c"]) processor.onSpanEnd(spanItem(id));
      await processor.shutdown(50); // "a" settles at the deadline; "b" and "c" are still queued
      processor.onSpanEnd(spanItem("late"));
    });
    assert.deepEqual(processor.dropped, { deadline: 2, shutdown: 1 });
  });
});

describe("TraceletAgentsProcessor evictions", () => {
  it("reports evictions once per episode with the count, not once per evicted trace", async () => {
    const { done } = agentSetup();
    try {
      const p = new TraceletAgentsProcessor({ maxOpenSpans: 4 });
      const { diagnostics } = await captureDiagnostics(async () => {
        const open = (await leak(p, 10)).slice(-2); // the others were evicted
        assert.equal(p.evicted, 8);
        // At most half of maxOpenSpans open again: the next eviction is a new episode.
        for (const t of open) await p.onTraceEnd(t);
        await leak(p, 10);
      });
      assert.equal(p.evicted, 16);
      const evictions = diagnostics.filter((d) => d.code === "agents_core_evicted");
      assert.equal(evictions.length, 2, evictions.map((d) => d.message).join("\n"));
      assert.match(evictions[0].message, /\b1 evicted so far/);
      assert.match(evictions[1].message, /\b9 evicted so far/);
    } finally {
      await done();
    }
  });
});
