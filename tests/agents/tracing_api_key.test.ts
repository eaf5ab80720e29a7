// A per-trace tracing API key (`@openai/agents-core`'s `tracingApiKey`, `RunConfig.tracing.apiKey`):
// kept on agent-layer traces and their spans, carried over by TraceletAgentsProcessor, used by
// BackendSpanExporter instead of its own key, and never exported, recorded or reported.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addTraceProcessor,
  BackendSpanExporter,
  BatchTraceProcessor,
  functionSpan,
  genSpanId,
  genTraceId,
  trace,
  TraceletAgentsProcessor,
} from "../../src/agents/mod.ts";
import type { AgentSpan, AgentTrace } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/otlp_helpers.ts";
import { agentSetup } from "./_helpers.ts";
import { loadCore, skip } from "./_agents_core.ts";

const DEFAULT_KEY = "sk-default-0123456789";
const TENANT_KEY = "sk-tenant-9876543210";

/** A backend exporter with a fake fetch; `posts` maps each Authorization header to its ids. */
function fakeBackend(): { exporter: BackendSpanExporter; posts: Map<string, string[]> } {
  const posts = new Map<string, string[]>();
  const exporter = new BackendSpanExporter({
    apiKey: DEFAULT_KEY,
    env: () => undefined,
    fetch: (_url, init) => {
      const auth = (init.headers as Record<string, string>).authorization;
      const ids = (JSON.parse(String(init.body)).data as { id: string }[]).map((d) => d.id);
      posts.set(auth, [...(posts.get(auth) ?? []), ...ids]);
      return Promise.resolve(new Response("{}", { status: 200 }));
    },
  });
  return { exporter, posts };
}

describe("per-trace tracing API key", () => {
  it("trace({tracingApiKey}) keeps it on the trace and its spans, never in records or attributes", async () => {
    const { collector, done } = agentSetup();
    try {
      let span: AgentSpan | undefined;
      const t: AgentTrace = trace("tenant_wf", { tracingApiKey: TENANT_KEY });
      t.run(() => functionSpan("tool", { input: "q" }).run((s) => void (span = s)));
      assert.equal(t.tracingApiKey, TENANT_KEY);
      assert.equal(span!.tracingApiKey, TENANT_KEY);
      assert.equal(trace("plain").tracingApiKey, undefined);
      // The exporter's rule: trimmed, blank means none (the trace never claims a key it is not
      // sent with).
      assert.equal(trace("blank", { tracingApiKey: "   " }).tracingApiKey, undefined);
      assert.equal(trace("padded", { tracingApiKey: ` ${TENANT_KEY} ` }).tracingApiKey, TENANT_KEY);
      for (const item of [t, span!]) {
        assert.equal(JSON.stringify(item).includes(TENANT_KEY), false);
        assert.equal(JSON.stringify(item.export()).includes(TENANT_KEY), false);
        assert.equal(Object.keys(item).includes("tracingApiKey"), false, "not an own field");
      }
      assert.equal(collector.ended.length, 2);
      for (const record of collector.ended) {
        assert.equal(JSON.stringify(record.attributes).includes(TENANT_KEY), false);
      }
    } finally {
      await done();
    }
  });

  it("BackendSpanExporter posts a trace and its spans with the trace's key, others with its own", async () => {
    const { done } = agentSetup();
    const capture = captureDiagnostics();
    try {
      const { exporter, posts } = fakeBackend();
      const tenant = trace("tenant_wf", { tracingApiKey: TENANT_KEY });
      const fn = tenant.run(() => functionSpan("tool").run((s) => s));
      const plain = trace("plain_wf");
      plain.run(() => {});
      await exporter.export([tenant, fn, plain]);
      assert.deepEqual(posts.get(`Bearer ${TENANT_KEY}`), [tenant.traceId, fn.spanId]);
      assert.deepEqual(posts.get(`Bearer ${DEFAULT_KEY}`), [plain.traceId]);
      assert.equal(JSON.stringify(capture.list).includes(TENANT_KEY), false);
    } finally {
      capture.restore();
      await done();
    }
  });

  it("TraceletAgentsProcessor carries an SDK trace's key (and an implicit trace's, from its span)", async () => {
    const { done } = agentSetup();
    const { exporter, posts } = fakeBackend();
    const batch = new BatchTraceProcessor(exporter, { scheduleDelay: 60_000 });
    try {
      addTraceProcessor(batch);
      const bridge = new TraceletAgentsProcessor();
      const sdkTrace = { traceId: genTraceId(), name: "tenant_run", tracingApiKey: TENANT_KEY };
      const span = {
        traceId: sdkTrace.traceId,
        spanId: genSpanId(),
        parentId: null,
        spanData: { type: "custom", name: "work", data: {} },
        error: null,
        startedAt: new Date().toISOString(),
        endedAt: null as string | null,
        tracingApiKey: TENANT_KEY,
      };
      await bridge.onTraceStart(sdkTrace);
      await bridge.onSpanStart(span);
      span.endedAt = new Date().toISOString();
      await bridge.onSpanEnd(span);
      await bridge.onTraceEnd(sdkTrace);
      // A span of a trace the bridge never saw start: its implicit trace takes the span's key.
      const orphan = { ...span, traceId: genTraceId(), spanId: genSpanId(), endedAt: null };
      await bridge.onSpanStart(orphan);
      await bridge.onSpanEnd({ ...orphan, endedAt: new Date().toISOString() });
      await batch.forceFlush();
      assert.deepEqual(posts.get(`Bearer ${TENANT_KEY}`), [
        sdkTrace.traceId,
        span.spanId,
        orphan.traceId,
        orphan.spanId,
      ]);
      assert.equal(posts.has(`Bearer ${DEFAULT_KEY}`), false);
    } finally {
      await batch.shutdown();
      await done();
    }
  });

  it("a real @openai/agents-core withTrace({tracingApiKey}) run is posted with that key", {
    skip,
  }, async () => {
    const core = await loadCore();
    const { done } = agentSetup();
    const { exporter, posts } = fakeBackend();
    const batch = new BatchTraceProcessor(exporter, { scheduleDelay: 60_000 });
    try {
      addTraceProcessor(batch);
      core.setTraceProcessors([new TraceletAgentsProcessor()]);
      // agents-core disables its tracing when NODE_ENV=test (Bun sets it); turn it on explicitly.
      core.setTracingDisabled(false);
      await core.withTrace("tenant_run", async () => {
        await core.withCustomSpan(async () => {}, { data: { name: "work", data: {} } });
      }, { tracingApiKey: TENANT_KEY });
      await new Promise((resolve) => setTimeout(resolve, 10)); // the SDK notifies asynchronously
      await batch.forceFlush();
      assert.equal(posts.get(`Bearer ${TENANT_KEY}`)?.length, 2, "the trace and its span");
      assert.equal(posts.has(`Bearer ${DEFAULT_KEY}`), false);
    } finally {
      core.setTraceProcessors([]);
      await batch.shutdown();
      await done();
    }
  });
});
