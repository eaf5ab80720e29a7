// tracelet's BatchTraceProcessor in @openai/agents-core's processor slot (setTraceProcessors): the
// SDK calls every method of its TracingProcessor, so onTraceEnd, onSpanStart and start are
// present, and do nothing (a trace is queued on start, a span on end, as in the OpenAI SDKs).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchTraceProcessor, genTraceId } from "../../src/agents/mod.ts";
import type { SpanView, TraceView } from "../../src/agents/mod.ts";
import type { TracingProcessor as CoreTracingProcessor } from "@openai/agents-core";
import { loadCore, skip } from "./_agents_core.ts";
import { openCoreSpan } from "./_helpers.ts";

describe("BatchTraceProcessor as an @openai/agents-core TracingProcessor", () => {
  it("has start, onTraceEnd and onSpanStart, which queue nothing", async () => {
    const exported: unknown[] = [];
    const batch = new BatchTraceProcessor({ export: (items) => void exported.push(...items) }, {
      scheduleDelay: 60_000,
    });
    const traceId = genTraceId();
    const t = { type: "trace", traceId, name: "wf", groupId: null, toJSON: () => ({}) };
    const s = {
      type: "trace.span",
      ...openCoreSpan(traceId),
      toJSON: () => ({}),
    } as unknown as SpanView;
    try {
      assert.equal(batch.start(), undefined);
      assert.equal(await batch.onTraceEnd(t as TraceView), undefined);
      assert.ok(batch.onSpanStart(s) instanceof Promise, "agents-core awaits each callback");
      assert.equal(batch.queueLength, 0);
      assert.equal(await batch.onTraceStart(t as TraceView), undefined);
      assert.equal(await batch.onSpanEnd(s), undefined);
      assert.equal(batch.queueLength, 2);
      await batch.forceFlush();
      assert.deepEqual(exported, [t, s]);
    } finally {
      await batch.shutdown();
    }
  });

  it("registered with setTraceProcessors, exports an SDK trace and its span and breaks no run", {
    skip,
  }, async () => {
    const core = await loadCore();
    const exported: (string | undefined)[] = [];
    const batch = new BatchTraceProcessor({
      export: (items) => {
        for (const item of items) exported.push((item.toJSON() as { object?: string })?.object);
      },
    }, { scheduleDelay: 60_000 });
    try {
      // Its methods return void where agents-core's type says Promise<void>: the SDK awaits them.
      // No cast: the on* methods return Promise<void>, as agents-core's interface asks (deno check
      // fails here if they do not).
      const slot: CoreTracingProcessor = batch;
      core.setTraceProcessors([slot]);
      // agents-core disables its tracing when NODE_ENV=test (Bun sets it); turn it on explicitly.
      core.setTracingDisabled(false);
      const result = await core.withTrace("wf", async () => {
        await core.withCustomSpan(async () => {}, { data: { name: "c", data: {} } });
        return "done";
      });
      assert.equal(result, "done");
      await new Promise((resolve) => setTimeout(resolve, 10)); // the SDK notifies asynchronously
      await batch.forceFlush();
      assert.deepEqual(exported, ["trace", "trace.span"]);
    } finally {
      core.setTraceProcessors([]);
      await batch.shutdown();
    }
  });
});
