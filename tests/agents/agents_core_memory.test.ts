// What TraceletAgentsProcessor remembers of an ended span for late children (`EndedSpan`): its ids
// and tracelet span, never its span data; a late child of a span with large data still gets it
// as its parent.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addTraceProcessor,
  generationSpan,
  genSpanId,
  genTraceId,
  trace,
  TraceletAgentsProcessor,
} from "../../src/agents/mod.ts";
import type { AgentsCoreSpanLike } from "../../src/agents/mod.ts";
import { EndedSpan } from "../../src/agents/_ended_span.ts";
import { agentSetup } from "./_helpers.ts";

const LARGE = "x".repeat(100_000);

describe("EndedSpan (what is remembered of an ended span)", () => {
  it("keeps the ids, trace and tracelet span, and none of the span data", async () => {
    const { done } = agentSetup();
    try {
      trace("bot").run(() => {
        const span = generationSpan({ model: "m", input: [{ role: "user", content: LARGE }] });
        span.start().finish();
        const ended = new EndedSpan(span);
        assert.equal(ended.spanId, span.spanId);
        assert.equal(ended.traceId, span.traceId);
        assert.equal(ended.trace, span.trace);
        assert.equal(ended.span, span.span);
        assert.equal(ended.error, null);
        assert.deepEqual(ended.spanData, { type: "custom", name: "", data: {} });
        assert.ok(!JSON.stringify(ended.spanData).includes("x".repeat(100)));
        assert.ok(Object.isFrozen(ended.spanData));
        // Nothing of it reaches a processor: it is never started.
        assert.equal(ended.startedAt, null);
      });
    } finally {
      await done();
    }
  });
});

describe("TraceletAgentsProcessor: a late child of a span with large data", () => {
  it("gets that span as its parent (agent ids and tracelet span)", async () => {
    const { collector, done } = agentSetup();
    try {
      const exported: { id: string; parent_id: string | null }[] = [];
      addTraceProcessor({ onSpanEnd: (s) => void exported.push(s.toJSON() as typeof exported[0]) });
      const p = new TraceletAgentsProcessor();
      const t = { traceId: genTraceId(), name: "wf" };
      await p.onTraceStart(t);
      const sdk = (name: string, parentId: string | null): AgentsCoreSpanLike & {
        endedAt: string | null;
      } => ({
        traceId: t.traceId,
        spanId: genSpanId(),
        parentId,
        spanData: { type: "generation", model: name, input: [{ content: LARGE }] } as {
          type: string;
        },
        error: null,
        startedAt: new Date().toISOString(),
        endedAt: null,
      });
      const parent = sdk("parent", null);
      await p.onSpanStart(parent);
      parent.endedAt = new Date().toISOString();
      await p.onSpanEnd(parent);
      const child = sdk("child", parent.spanId);
      await p.onSpanStart(child);
      child.endedAt = new Date().toISOString();
      await p.onSpanEnd(child);
      await p.onTraceEnd(t);

      assert.equal(exported.find((e) => e.id === child.spanId)?.parent_id, parent.spanId);
      const tracelet = (id: string) =>
        collector.ended.find((s) => s.attributes["openai.span_id"] === id);
      assert.equal(tracelet(child.spanId)?.parentSpanId, tracelet(parent.spanId)?.spanId);
      assert.equal(tracelet(child.spanId)?.traceId, tracelet(parent.spanId)?.traceId);
      // The child is in the same local trace: no trace starts for it.
      assert.equal(collector.traces.filter((e) => e.event === "start").length, 1);
    } finally {
      await done();
    }
  });
});
