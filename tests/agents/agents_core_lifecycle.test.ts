// TraceletAgentsProcessor when the SDK's notifications come out of order or incomplete: spans that
// start after their trace ended (streamed runs), spans that never end, and spans of a trace the
// processor never saw start. Plain objects stand in for the SDK's traces and spans.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addTraceProcessor,
  AGENT_TRACE_EVICTED,
  genSpanId,
  genTraceId,
  setTracingDisabled,
  toW3CTraceId,
  TraceletAgentsProcessor,
} from "../../src/agents/mod.ts";
import type { AgentsCoreSpanLike, AgentsCoreTraceLike } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup } from "./_helpers.ts";

function sdkTrace(name: string): AgentsCoreTraceLike {
  return { traceId: genTraceId(), name, groupId: "thread-7" };
}

function sdkSpan(traceId: string, name: string, parentId: string | null = null) {
  const span: AgentsCoreSpanLike & { endedAt: string | null } = {
    traceId,
    spanId: genSpanId(),
    parentId,
    spanData: { type: "agent", name } as { type: string },
    error: null,
    startedAt: new Date().toISOString(),
    endedAt: null,
  };
  return span;
}

/** The attribute of a span ended with its trace (`AGENT_SPAN_ENDED_WITH_TRACE`). */
const ENDED_WITH_TRACE = "tracelet.agents.ended_with_trace";

describe("TraceletAgentsProcessor: spans after their trace ended", () => {
  it("a span that starts after onTraceEnd joins the ended trace, and no extra root is left open", async () => {
    const { collector, done } = agentSetup();
    try {
      const p = new TraceletAgentsProcessor();
      const t = sdkTrace("streamed run");
      await p.onTraceStart(t);
      await p.onTraceEnd(t); // agents-js streaming (openai/openai-agents-js#570)
      const late = sdkSpan(t.traceId, "assistant");
      await p.onSpanStart(late);
      late.endedAt = new Date().toISOString();
      await p.onSpanEnd(late);

      const roots = collector.ended.filter((s) => s.parentSpanId === undefined);
      assert.deepEqual(roots.map((s) => s.name), ["streamed run"]);
      const span = collector.byName("invoke_agent assistant");
      assert.equal(span.traceId, toW3CTraceId(t.traceId));
      assert.equal(span.parentSpanId, roots[0].spanId);
      assert.equal(span.attributes[ENDED_WITH_TRACE], undefined);
      // Every span that started also ended: nothing is left open.
      assert.equal(collector.started.length, collector.ended.length);
    } finally {
      await done();
    }
  });

  it("the implicit trace of a processor registered mid-run ends with its last span", async () => {
    const { collector, done } = agentSetup();
    try {
      const p = new TraceletAgentsProcessor();
      const traceId = genTraceId(); // its onTraceStart happened before registration
      const outer = sdkSpan(traceId, "outer");
      const inner = sdkSpan(traceId, "inner", outer.spanId);
      await p.onSpanStart(outer);
      await p.onSpanStart(inner);
      await p.onSpanEnd(inner);
      assert.equal(collector.ended.some((s) => s.name === "agents-core"), false);
      await p.onSpanEnd(outer);
      const root = collector.byName("agents-core");
      assert.equal(root.traceId, toW3CTraceId(traceId));
      // A later span of that trace joins the same (ended) implicit trace.
      const after = sdkSpan(traceId, "after");
      await p.onSpanStart(after);
      await p.onSpanEnd(after);
      await p.onTraceEnd({ traceId, name: "run" });
      assert.equal(collector.byName("invoke_agent after").parentSpanId, root.spanId);
      assert.equal(collector.ended.filter((s) => s.name === "agents-core").length, 1);
      assert.equal(collector.started.length, collector.ended.length);
    } finally {
      await done();
    }
  });
});

describe("TraceletAgentsProcessor: spans that never end", () => {
  it("are ended (and marked) with their trace, so they never use up maxOpenSpans", async () => {
    const { collector, done } = agentSetup();
    try {
      const p = new TraceletAgentsProcessor({ maxOpenSpans: 5 });
      for (let i = 0; i < 20; i++) {
        const t = sdkTrace(`cancelled ${i}`);
        await p.onTraceStart(t);
        const parent = sdkSpan(t.traceId, `abandoned ${i}`);
        await p.onSpanStart(parent); // a cancelled stream: no onSpanEnd ever comes
        await p.onSpanStart(sdkSpan(t.traceId, `child ${i}`, parent.spanId));
        await p.onTraceEnd(t);
      }
      assert.equal(p.evicted, 0);
      const abandoned = collector.byName("invoke_agent abandoned 19");
      assert.equal(abandoned.attributes[ENDED_WITH_TRACE], true);
      assert.equal(collector.byName("invoke_agent child 19").attributes[ENDED_WITH_TRACE], true);
      // Ended before the trace's root span.
      const root = collector.byName("cancelled 19");
      assert.ok(collector.ended.indexOf(abandoned) < collector.ended.indexOf(root));

      // A normal run afterwards is recorded in full.
      const t = sdkTrace("healthy");
      await p.onTraceStart(t);
      const s = sdkSpan(t.traceId, "ok");
      await p.onSpanStart(s);
      s.endedAt = new Date().toISOString();
      await p.onSpanEnd(s);
      await p.onTraceEnd(t);
      assert.equal(p.evicted, 0);
      assert.equal(collector.byName("invoke_agent ok").attributes[ENDED_WITH_TRACE], undefined);
      assert.equal(collector.started.length, collector.ended.length);
    } finally {
      await done();
    }
  });
});

describe("TraceletAgentsProcessor: a span that starts after its parent ended", () => {
  it("keeps its parent (exported parent_id and tracelet parent span)", async () => {
    const { collector, done } = agentSetup();
    try {
      const exported: { id: string; parent_id: string | null }[] = [];
      addTraceProcessor({ onSpanEnd: (s) => void exported.push(s.toJSON() as typeof exported[0]) });
      const p = new TraceletAgentsProcessor();
      const t = sdkTrace("wf");
      await p.onTraceStart(t);
      const parent = sdkSpan(t.traceId, "parent");
      await p.onSpanStart(parent);
      parent.endedAt = new Date().toISOString();
      await p.onSpanEnd(parent);
      const child = sdkSpan(t.traceId, "late child", parent.spanId);
      await p.onSpanStart(child);
      child.endedAt = new Date().toISOString();
      await p.onSpanEnd(child);
      await p.onTraceEnd(t);

      assert.equal(exported.find((e) => e.id === child.spanId)?.parent_id, parent.spanId);
      assert.equal(
        collector.byName("invoke_agent late child").parentSpanId,
        collector.byName("invoke_agent parent").spanId,
      );
    } finally {
      await done();
    }
  });
});

describe("TraceletAgentsProcessor: traces whose onTraceEnd never comes", () => {
  it("the oldest open trace is ended as incomplete to make room, so new traces are still recorded", async () => {
    const { collector, done } = agentSetup();
    try {
      const p = new TraceletAgentsProcessor({ maxOpenSpans: 4 });
      const { diagnostics } = await captureDiagnostics(async () => {
        for (let i = 0; i < 10; i++) {
          const t = sdkTrace(`leaked ${i}`); // no onTraceEnd ever comes
          await p.onTraceStart(t);
          await p.onSpanStart(sdkSpan(t.traceId, `open ${i}`));
        }
      });
      assert.ok(diagnostics.some((d) => d.code === "agents_core_evicted"));
      assert.equal(p.evicted, 8);
      const leaked0 = collector.byName("leaked 0");
      assert.equal(leaked0.attributes[AGENT_TRACE_EVICTED], true);
      assert.equal(collector.byName("invoke_agent open 0").attributes[ENDED_WITH_TRACE], true);

      // A normal run afterwards is recorded in full.
      const t = sdkTrace("healthy");
      await p.onTraceStart(t);
      const s = sdkSpan(t.traceId, "ok");
      await p.onSpanStart(s);
      s.endedAt = new Date().toISOString();
      await p.onSpanEnd(s);
      await p.onTraceEnd(t);
      const healthy = collector.byName("healthy");
      assert.equal(healthy.attributes[AGENT_TRACE_EVICTED], undefined);
      assert.equal(collector.byName("invoke_agent ok").parentSpanId, healthy.spanId);
    } finally {
      await done();
    }
  });
});

describe("TraceletAgentsProcessor while tracing is disabled", () => {
  it("records no new trace or span; those already open still finish", async () => {
    const { collector, done } = agentSetup();
    const seen: string[] = [];
    addTraceProcessor({
      onTraceStart: (t) => void seen.push(`trace ${t.name}`),
      onSpanEnd: (s) => void seen.push(`span ${s.spanData.type}`),
    });
    try {
      const p = new TraceletAgentsProcessor();
      const open = sdkTrace("open before");
      await p.onTraceStart(open);
      const running = sdkSpan(open.traceId, "running");
      await p.onSpanStart(running);

      setTracingDisabled(true);
      const t = sdkTrace("while disabled");
      await p.onTraceStart(t);
      const generation = sdkSpan(t.traceId, "gen");
      (generation as { spanData: unknown }).spanData = {
        type: "generation",
        input: [{ role: "user", content: "secret prompt" }],
      };
      await p.onSpanStart(generation);
      generation.endedAt = new Date().toISOString();
      await p.onSpanEnd(generation);
      await p.onTraceEnd(t);
      const late = sdkSpan(open.traceId, "started while disabled");
      await p.onSpanStart(late);
      late.endedAt = new Date().toISOString();
      await p.onSpanEnd(late);

      running.endedAt = new Date().toISOString();
      await p.onSpanEnd(running);
      await p.onTraceEnd(open);
      setTracingDisabled(false);

      assert.deepEqual(collector.ended.map((s) => s.name), ["invoke_agent running", "open before"]);
      assert.deepEqual(seen, ["trace open before", "span agent"]);
    } finally {
      await done();
    }
  });
});
