// One rule for every public forceFlush(limit) and shutdown(limit): a number below 10^12 is a
// timeout in ms, a larger one an epoch-ms deadline. The tracer's and the configured handle's
// forceFlush take one (they took none, and waited for as long as an export took), and tail
// sampling's shutdown(5000) hands its buffer on within 5 s (it read a deadline in 1970 and
// pushed every span at once into a queue too small for them).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchSpanProcessor, Tracer } from "../mod.ts";
import type { FlushReport, SpanExporter, SpanRecord } from "../mod.ts";
import { configure } from "../src/portable.ts";
import { TailSamplingProcessor } from "../src/processor/tail_sampling.ts";
import { settlesWithin } from "../src/settles_within.ts";
import { MemoryStorage } from "../src/storage/memory.ts";
import { isolated } from "./_support/global_state.ts";

const EMPTY: FlushReport = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: 0 };

/** An exporter whose exports settle only when released (a collector that never answers). */
function hangingExporter(): { exporter: SpanExporter; release: () => void } {
  let release!: () => void;
  const hanging = new Promise<FlushReport>((resolve) => release = () => resolve(EMPTY));
  return { exporter: { export: () => hanging }, release };
}

/** Whether `flush` settles well before `slack` ms (a limit of 200 ms, plus the graces). */
async function settlesSoon(flush: Promise<FlushReport>, slack = 5000): Promise<number> {
  const started = Date.now();
  assert.ok(await settlesWithin(flush, slack), "the flush kept its limit");
  return Date.now() - started;
}

describe("forceFlush(limit)", () => {
  const limits: [string, () => number][] = [["a timeout", () => 200], [
    "a deadline",
    () => Date.now() + 200,
  ]];
  for (const [name, limit] of limits) {
    it(`Tracer.forceFlush(${name}) gives up on an export that never settles`, async () => {
      const { exporter, release } = hangingExporter();
      const tracer = new Tracer({
        processors: [new BatchSpanProcessor(exporter, { timers: false })],
      });
      try {
        tracer.startSpan("work").end();
        assert.ok(await settlesSoon(tracer.forceFlush(limit())) < 3000);
      } finally {
        release();
        await tracer.shutdown();
      }
    });

    it(`configure()'s forceFlush(${name}) does too`, () =>
      isolated(async () => {
        const { exporter, release } = hangingExporter();
        const tracing = configure({
          storage: new MemoryStorage(),
          local: false,
          env: () => undefined,
          diagnostics: () => {},
          processors: [new BatchSpanProcessor(exporter, { timers: false })],
        });
        try {
          tracing.tracer.startSpan("work").end();
          assert.ok(await settlesSoon(tracing.forceFlush(limit())) < 3000);
        } finally {
          release();
          await tracing.shutdown();
        }
      }));
  }

  it("the configured handle has one flush method, forceFlush", () =>
    isolated(async () => {
      const tracing = configure({
        storage: new MemoryStorage(),
        local: false,
        env: () => undefined,
      });
      assert.equal("flush" in tracing, false);
      assert.deepEqual(await tracing.forceFlush(), EMPTY);
      await tracing.shutdown();
    }));
});

describe("TailSamplingProcessor with a timeout", () => {
  /** 500 buffered spans (5 running traces) behind a batch queue of 100, handed on by 100. */
  function buffered() {
    const exported: string[] = [];
    const exporter: SpanExporter = {
      export: (spans: readonly SpanRecord[]) => {
        for (const span of spans) exported.push(span.spanId);
        return Promise.resolve({ ...EMPTY, exported: spans.length });
      },
    };
    const batch = new BatchSpanProcessor(exporter, { timers: false, maxQueueSize: 100 });
    const tail = new TailSamplingProcessor(batch, { handOverChunk: { spans: 100 } });
    const tracer = new Tracer({ processors: [tail] });
    for (let r = 0; r < 5; r++) {
      const root = tracer.startSpan("request", { parent: null }); // left running
      for (let i = 0; i < 100; i++) tracer.startSpan("child", { parent: root }).end();
    }
    assert.equal(tail.stats.bufferedSpans, 500);
    return { tail, exported };
  }

  it("shutdown(5000) hands its buffer on in chunks the queue holds, losing none", async () => {
    const { tail, exported } = buffered();
    const report = await tail.shutdown(5000);
    assert.deepEqual(report.dropped, {});
    assert.equal(new Set(exported).size, 500);
  });

  it("forceFlush(5000) passes the inner processor an epoch deadline", async () => {
    let given: number | undefined;
    const inner = { forceFlush: (deadline?: number) => void (given = deadline) };
    const before = Date.now();
    await new TailSamplingProcessor(inner).forceFlush(5000);
    assert.ok(given! >= before + 5000 && given! <= Date.now() + 5000, String(given));
  });
});
