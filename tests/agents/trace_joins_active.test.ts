// Agent traces inside the rest of a distributed trace, and sub-agents that outlive their trace.
//
// An agent `trace()` started inside a tracelet span (a request's server span that continued the
// caller's traceparent, a task) started a W3C trace of its own, only linked to that span: the
// caller's trace ended at the request, the agent's tools called downstream services in another
// trace, and the local JSONL put the two in different logs (an OpenTelemetry interop trial and an
// async-context trial found it). It now joins that span's trace as its child. Given its own
// `traceId`, a trace keeps its own W3C trace, linked as before.
//
// A sub-agent that lost a `Promise.race` runs on inside its own `agentSpan().run(fn)` after the
// trace finished; its tool and model spans were dropped (`agent_no_trace`, debug only).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  agentSpan,
  functionSpan,
  getCurrentSpan,
  toW3CTraceId,
  trace,
} from "../../src/agents/mod.ts";
import type { SpanRecord } from "../../src/types.ts";
import { withLostContext } from "../_support/flow_managers.ts";
import { agentSetup } from "./_helpers.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The finished span named `name`. */
function named(spans: readonly SpanRecord[], name: string): SpanRecord {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `no span ${name} in ${spans.map((s) => s.name)}`);
  return span;
}

describe("an agent trace started inside a tracelet span", () => {
  it("joins the span's W3C trace as its child; the agent trace ids stay unique", async () => {
    const { tracer, collector, done } = agentSetup();
    try {
      const ids: string[] = [];
      const w3c: string[] = [];
      await tracer.withSpan("http.request", async () => {
        for (const name of ["support-bot", "billing-bot"]) {
          const t = trace(name);
          await t.run(() => agentSpan(`${name} agent`).run(() => sleep(1)));
          ids.push(t.traceId);
          w3c.push(t.w3cTraceId);
        }
      });
      const spans = collector.ended;
      const request = named(spans, "http.request");
      for (const name of ["support-bot", "billing-bot"]) {
        const root = named(spans, name);
        assert.equal(root.traceId, request.traceId, `${name} in the request's trace`);
        assert.equal(root.parentSpanId, request.spanId, `${name} a child of the request`);
        assert.deepEqual(root.links, []);
        const agent = named(spans, `invoke_agent ${name} agent`);
        assert.equal(agent.traceId, request.traceId);
        assert.equal(agent.parentSpanId, root.spanId);
      }
      assert.deepEqual(w3c, [request.traceId, request.traceId]);
      assert.notEqual(ids[0], ids[1], "two agent traces, two agent trace ids");
      for (const id of ids) assert.match(id, /^trace_[0-9a-f]{32}$/);
    } finally {
      await done();
    }
  });

  it("given its own trace id, starts its own W3C trace linked to the span", async () => {
    const { tracer, collector, done } = agentSetup();
    try {
      const traceId = "trace_" + "ab".repeat(16);
      await tracer.withSpan("http.request", async () => {
        await trace("support-bot", { traceId }).run(() => agentSpan("triage").run(() => {}));
      });
      const request = named(collector.ended, "http.request");
      const root = named(collector.ended, "support-bot");
      assert.equal(root.traceId, toW3CTraceId(traceId));
      assert.equal(root.parentSpanId, undefined);
      assert.deepEqual(root.links.map((l) => l.spanId), [request.spanId]);
      assert.equal(named(collector.ended, "invoke_agent triage").traceId, toW3CTraceId(traceId));
    } finally {
      await done();
    }
  });

  it("inside a span not sampled (a caller's -00), is a root of its own, recorded", async () => {
    // Agent dashboards expect every trace: an unsampled request does not silence its agents.
    const { tracer, collector, done } = agentSetup();
    try {
      const caller = {
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        traceFlags: 0,
        isRemote: true,
      };
      let t!: ReturnType<typeof trace>;
      await tracer.withSpan("http.request", { parent: caller }, async (request) => {
        assert.equal(request.isRecording, false);
        t = trace("support-bot");
        await t.run(() => agentSpan("triage").run(() => {}));
      });
      assert.equal(collector.ended.some((s) => s.name === "http.request"), false);
      const root = named(collector.ended, "support-bot");
      assert.equal(root.traceId, toW3CTraceId(t.traceId));
      assert.notEqual(root.traceId, caller.traceId);
      assert.equal(root.parentSpanId, undefined);
      assert.equal(root.links.length, 1);
      assert.ok(named(collector.ended, "invoke_agent triage"));
    } finally {
      await done();
    }
  });

  it("outside any span, is a root whose W3C id is its agent trace id's", async () => {
    const { collector, done } = agentSetup();
    try {
      const t = trace("support-bot");
      await t.run(() => {});
      const root = named(collector.ended, "support-bot");
      assert.equal(root.traceId, toW3CTraceId(t.traceId));
      assert.equal(t.w3cTraceId, root.traceId);
      assert.equal(root.parentSpanId, undefined);
    } finally {
      await done();
    }
  });
});

describe("a start(true) trace that joined a request's span", () => {
  it("is still the parent of its agent spans, not the request span around it", async () => {
    const { tracer, collector, done } = agentSetup();
    try {
      await tracer.withSpan("http.request", () => {
        const t = trace("wf").start(true);
        const agent = agentSpan("triage").start(true);
        functionSpan("lookup").start().finish();
        agent.finish();
        t.finish();
      });
      const request = named(collector.ended, "http.request");
      const root = named(collector.ended, "wf");
      const agent = named(collector.ended, "invoke_agent triage");
      assert.equal(root.parentSpanId, request.spanId);
      assert.equal(agent.parentSpanId, root.spanId);
      assert.equal(named(collector.ended, "execute_tool lookup").parentSpanId, agent.spanId);
    } finally {
      await done();
    }
  });
});

describe("a sub-agent still running after its trace finished", () => {
  it("keeps its tool spans as its children inside its run(fn)", async () => {
    const { collector, done } = agentSetup();
    try {
      let loser!: Promise<unknown>;
      let currentInLoser: unknown;
      await trace("race").run(async () => {
        const fast = agentSpan("fast").run(() => sleep(1));
        loser = agentSpan("slow").run(async (self) => {
          await sleep(30); // the trace has finished by now
          currentInLoser = getCurrentSpan();
          assert.equal(currentInLoser, self);
          await functionSpan("slow-tool").run(() => {});
        });
        await Promise.race([fast, loser]);
      });
      await loser;
      const slow = named(collector.ended, "invoke_agent slow");
      const tool = named(collector.ended, "execute_tool slow-tool");
      assert.equal(tool.parentSpanId, slow.spanId);
      assert.equal(tool.traceId, slow.traceId);
    } finally {
      await done();
    }
  });

  it("does not hide a later request's start(true) trace where the context is lost at an await", async () => {
    const { collector, done } = agentSetup();
    try {
      const diagnostics = await withLostContext(async () => {
        await trace("request 1").run(async () => {
          const fast = agentSpan("fast").run(() => sleep(1));
          const hung = agentSpan("hung").run(() => new Promise<void>(() => {}));
          await Promise.race([fast, hung]);
        });
        const later = trace("request 2").start(true);
        await sleep(5);
        functionSpan("tool").start().finish();
        later.finish();
      });
      assert.ok(named(collector.ended, "execute_tool tool"));
      assert.deepEqual(diagnostics.filter((d) => d.level !== "debug"), []);
    } finally {
      await done();
    }
  });
});
