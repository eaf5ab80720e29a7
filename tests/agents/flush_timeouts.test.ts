// Every forceFlush/shutdown of the agent layer takes a timeout in ms or an epoch-ms deadline (a
// number of 10^12 or more), as the core tracer and processors do, and honours it. Before,
// `TracingProcessorBridge.shutdown(5000)` read 5000 as a deadline in 1970: it handed the processor
// `shutdown(0)` and returned at once, so a BatchTraceProcessor behind it dropped its queue;
// TraceletAgentsProcessor ignored its timeout (a hanging tracelet processor held it forever), and
// BatchTraceProcessor.shutdown read an epoch-ms deadline as a timeout of ~25 days.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Tracer } from "../../mod.ts";
import type { Diagnostic, SpanProcessor } from "../../mod.ts";
import {
  BatchTraceProcessor,
  TraceletAgentsProcessor,
  TracingProcessorBridge,
} from "../../src/agents/mod.ts";
import type { TracingProcessor } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { settles } from "../_support/settles.ts";
import { spanItem } from "./_helpers.ts";

/** Resolves after `ms`. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The codes of `diagnostics`. */
function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => d.code);
}

/** A processor whose flush and shutdown take `ms` and record the timeout they were given. */
function slowProcessor(ms: number) {
  const got: { flush?: number | undefined; shutdown?: number | undefined } = {};
  const processor: TracingProcessor = {
    forceFlush: (timeout?: number) => (got.flush = timeout, delay(ms)),
    shutdown: (timeout?: number) => (got.shutdown = timeout, delay(ms)),
  };
  return { processor, got };
}

describe("TracingProcessorBridge with a timeout or a deadline", () => {
  it("shutdown(5000) lets a BatchTraceProcessor behind it deliver its queue", async () => {
    const delivered: unknown[] = [];
    const batch = new BatchTraceProcessor({
      export: async (items) => {
        await delay(100);
        delivered.push(...items.map((i) => i.toJSON()));
      },
    }, { timers: false, maxBatchSize: 2 });
    for (let i = 0; i < 5; i++) await batch.onSpanEnd(spanItem(`s${i}`));
    const bridge = new TracingProcessorBridge(batch);
    const { diagnostics } = await captureDiagnostics(() => bridge.shutdown(5000));
    assert.deepEqual(delivered, ["s0", "s1", "s2", "s3", "s4"].map((id) => ({ id })));
    assert.equal(batch.queueLength, 0);
    assert.deepEqual(codes(diagnostics), []);
  });

  for (const method of ["shutdown", "forceFlush"] as const) {
    it(`${method}(5000) and ${method}(Date.now() + 5000) hand the processor the time left and wait`, async () => {
      for (const arg of [5000, Date.now() + 5000]) {
        const { processor, got } = slowProcessor(150);
        const bridge = new TracingProcessorBridge(processor);
        const started = Date.now();
        const { diagnostics } = await captureDiagnostics(() => bridge[method](arg));
        const given = method === "shutdown" ? got.shutdown : got.flush;
        assert.ok(Date.now() - started >= 100, `waited for the processor (${arg})`);
        assert.ok(given! > 4000 && given! <= 5000, `timeout ${given} (${arg})`);
        assert.deepEqual(codes(diagnostics), [], String(arg));
      }
    });
  }

  it("hands no timeout without a deadline, and at most processorTimeoutMillis with one", async () => {
    const bare = slowProcessor(0);
    await new TracingProcessorBridge(bare.processor).forceFlush();
    await new TracingProcessorBridge(bare.processor).shutdown();
    assert.deepEqual(bare.got, { flush: undefined, shutdown: undefined });
    const capped = slowProcessor(0);
    const bridge = new TracingProcessorBridge(capped.processor, { processorTimeoutMillis: 300 });
    await bridge.forceFlush(60_000);
    await bridge.shutdown(60_000);
    assert.ok(capped.got.flush! <= 300 && capped.got.shutdown! <= 300, JSON.stringify(capped.got));
  });
});

describe("BatchTraceProcessor with a timeout or a deadline", () => {
  /** A processor whose exporter never settles, with one item queued. */
  async function hanging(): Promise<BatchTraceProcessor> {
    const batch = new BatchTraceProcessor({ export: () => new Promise<void>(() => {}) }, {
      timers: false,
    });
    await batch.onSpanEnd(spanItem("s"));
    return batch;
  }

  it("shutdown(Date.now() + 200) is a deadline, not a timeout of 25 days", async () => {
    const batch = await hanging();
    const { result, diagnostics } = await captureDiagnostics(() =>
      settles(batch.shutdown(Date.now() + 200), 3000)
    );
    assert.ok(result, "the shutdown ended by its deadline");
    assert.ok(codes(diagnostics).includes("agent_processor_timeout"), codes(diagnostics).join());
  });

  for (
    const [label, arg] of [["200 ms", () => 200], [
      "Date.now() + 200",
      () => Date.now() + 200,
    ]] as const
  ) {
    it(`forceFlush(${label}) ends by then (exportTimeoutMillis is 30 s)`, async () => {
      const batch = await hanging();
      const { result } = await captureDiagnostics(() => settles(batch.forceFlush(arg()), 3000));
      assert.ok(result, "the flush ended by its deadline");
      await captureDiagnostics(() => batch.shutdown(0));
    });
  }
});

describe("TraceletAgentsProcessor with a timeout or a deadline", () => {
  for (const method of ["forceFlush", "shutdown"] as const) {
    it(`${method}(200) hands the tracer's processors the deadline and ends by it`, async () => {
      let given: number | undefined;
      let release: () => void = () => {};
      const stuck: SpanProcessor = {
        forceFlush: ((deadline?: number) => {
          given = deadline;
          return new Promise<void>((resolve) => release = resolve);
        }) as SpanProcessor["forceFlush"],
      };
      const processor = new TraceletAgentsProcessor({
        tracer: new Tracer({ processors: [stuck] }),
      });
      try {
        const before = Date.now();
        const { result } = await captureDiagnostics(() => settles(processor[method](200), 3000));
        assert.ok(result, `${method} ended by its deadline (and a second of grace)`);
        assert.ok(given! >= before + 200 && given! <= Date.now() + 200, `deadline ${given}`);
      } finally {
        release();
      }
    });
  }
});
