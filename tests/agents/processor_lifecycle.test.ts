// Flush and shutdown of processors added through the agent layer: bounded waits on a processor
// that never settles, shutdown called once, and shutdown only when the processor is really done
// (removed, or its tracer shut down for good), not when the agent layer moves to a new tracer.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryStorage, Tracer } from "../../mod.ts";
import {
  addTraceProcessor,
  agentSpan,
  setAgentTracer,
  setTraceProcessors,
  trace,
  TracingProcessorBridge,
} from "../../src/agents/mod.ts";
import type { TracingProcessor } from "../../src/agents/mod.ts";
import { configure } from "../../src/portable.ts";
import type { Configured } from "../../src/configure.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup } from "./_helpers.ts";
import { isolated } from "../_support/global_state.ts";

/** A processor that counts calls; `hang` makes its flush and shutdown never settle. */
function counting(hang = false) {
  const calls = { spans: 0, flushes: 0, shutdowns: 0 };
  const pending = () => hang ? new Promise<void>(() => {}) : Promise.resolve();
  const processor: TracingProcessor = {
    onSpanEnd: () => void calls.spans++,
    forceFlush: () => {
      calls.flushes++;
      return pending();
    },
    shutdown: () => {
      calls.shutdowns++;
      return pending();
    },
  };
  return { processor, calls };
}

/** Milliseconds `promise` takes to settle. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = Date.now();
  await promise;
  return Date.now() - start;
}

describe("a processor that never settles", () => {
  it("does not hold up tracer.shutdown(deadline), and is shut down once", async () => {
    const { tracer, done } = agentSetup();
    try {
      const { processor, calls } = counting(true);
      addTraceProcessor(processor);
      trace("wf").run(() => agentSpan("a").run(() => {}));
      const { result: first } = await captureDiagnostics(() =>
        timed(tracer.shutdown(Date.now() + 200))
      );
      assert.ok(first < 2000, `settled after ${first} ms`);
      const second = await timed(tracer.shutdown(Date.now() + 200));
      assert.ok(second < 2000, `settled after ${second} ms`);
      assert.equal(calls.shutdowns, 1);
    } finally {
      setTraceProcessors([]);
      await done();
    }
  });

  it("does not hold up a flush beyond the bridge's timeout, and is reported", async () => {
    const { processor, calls } = counting(true);
    const bridge = new TracingProcessorBridge(processor, { processorTimeoutMillis: 100 });
    const { result: ms, diagnostics } = await captureDiagnostics(() => timed(bridge.forceFlush()));
    assert.ok(ms < 2000, `settled after ${ms} ms`);
    assert.equal(calls.flushes, 1);
    assert.ok(diagnostics.some((d) => d.code === "agent_processor_timeout"));
  });
});

describe("shutdown of an agent-layer processor", () => {
  it("is a flush when the agent layer moves to another tracer, and the processor keeps receiving spans", async () => {
    const { tracer, done } = agentSetup();
    const next = new Tracer();
    try {
      const { processor, calls } = counting();
      addTraceProcessor(processor);
      trace("before").run(() => agentSpan("a").run(() => {}));
      // configure() shuts the old tracer down, then installs the new one.
      const shutdown = tracer.shutdown(Date.now() + 1000);
      setAgentTracer(next);
      await shutdown;
      assert.equal(calls.shutdowns, 0);
      assert.equal(calls.flushes, 1);
      trace("after").run(() => agentSpan("b").run(() => {}));
      assert.equal(calls.spans, 2);
      await next.shutdown(Date.now() + 1000); // the tracer in use: a real shutdown
      assert.equal(calls.shutdowns, 1);
    } finally {
      setTraceProcessors([]);
      await next.shutdown();
      await done();
    }
  });

  it("is called when setTraceProcessors removes the processor, not when it keeps it", async () => {
    const { done } = agentSetup();
    try {
      const kept = counting();
      const removed = counting();
      setTraceProcessors([kept.processor, removed.processor]);
      setTraceProcessors([kept.processor]);
      await new Promise((r) => setTimeout(r, 10));
      assert.equal(removed.calls.shutdowns, 1);
      assert.equal(kept.calls.shutdowns, 0);
      trace("wf").run(() => agentSpan("a").run(() => {}));
      assert.deepEqual([kept.calls.spans, removed.calls.spans], [1, 0]);
    } finally {
      setTraceProcessors([]);
      await done();
    }
  });

  /**
   * A processor added under one configure(), then configure() again and the old pipeline's
   * background shutdown awaited; `fn` gets the processor's call counts and the new pipeline.
   */
  function afterReconfigure(
    fn: (calls: ReturnType<typeof counting>["calls"], tracing: Configured) => Promise<void>,
  ): Promise<void> {
    return isolated(async () => {
      const previous = setAgentTracer(undefined);
      const quiet = () => {};
      try {
        const { processor, calls } = counting();
        configure({ storage: new MemoryStorage(), diagnostics: quiet });
        addTraceProcessor(processor);
        trace("wf1").run(() => agentSpan("a").run(() => {}));
        const tracing = configure({ storage: new MemoryStorage(), diagnostics: quiet });
        await new Promise((r) => setTimeout(r, 50)); // the old pipeline shuts down in the background
        await fn(calls, tracing);
      } finally {
        setTraceProcessors([]);
        setAgentTracer(previous);
      }
    });
  }

  it("is not called when configure() is called again (openai-agents processors keep working)", () =>
    afterReconfigure(async (calls, tracing) => {
      trace("wf2").run(() => agentSpan("b").run(() => {}));
      assert.equal(calls.spans, 2);
      assert.equal(calls.shutdowns, 0);
      await tracing.shutdown();
      assert.equal(calls.shutdowns, 1);
    }));

  it("is called by the new pipeline's shutdown after configure() again, with no agent activity since", () =>
    afterReconfigure(async (calls, tracing) => {
      assert.equal(calls.shutdowns, 0);
      await tracing.shutdown(); // exit: an OpenAI batch processor must stop its timer here
      assert.equal(calls.shutdowns, 1);
      await tracing.shutdown();
      assert.equal(calls.shutdowns, 1);
    }));
});
