// The OTLP exporter with an outbox while the receiver is down: once a batch has been parked, the
// next ones get one attempt each and are parked when it fails (the outbox retries them with its
// own backoff), so the batch processor is not held up retrying each batch for seconds while its
// queue drops spans the outbox had room for (a steady 300 spans/s lost 48 % as `queue_full`). A
// delivered batch ends that: the next failure is retried again. A receiver that takes requests
// and never answers held each batch for the whole export timeout before it was parked (at 300
// spans/s, 49 % were dropped): after such a timeout, batches are parked without an attempt for the
// export timeout, doubled at each timeout after it, until a delivery; a receiver's Retry-After holds
// them too. A real loopback receiver; skipped in workerd (no node:http server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";
import { Tracer } from "../../src/tracer.ts";
import { makeSpanBatch } from "../_support/span_records.ts";
import { type OtlpReceiver, withReceiver } from "../_support/otlp_receiver.ts";
import type { RetryOptions } from "../../src/exporter/_retry.ts";
import { isWorkerd } from "../_support/runtime.ts";

const DOWN = { status: 503 };
const SILENT = { stall: true } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An exporter to `receiver` with a memory outbox whose batches are not due again in a test (unless
 * `outboxDelayMillis` says otherwise).
 */
function outboxExporter(
  receiver: OtlpReceiver,
  options: { retry?: RetryOptions; timeoutMillis?: number; outboxDelayMillis?: number },
) {
  const storage = new MemoryStorage();
  const exporter = createOtlpExporter({
    endpoint: receiver.url,
    storage,
    retry: options.retry,
    outboxRetry: { initialDelayMillis: options.outboxDelayMillis ?? 60_000 },
    timeoutMillis: options.timeoutMillis ?? 5000,
  });
  return { storage, exporter };
}

describe("OTLP exporter with an outbox, receiver down", { skip: isWorkerd }, () => {
  it("gives one attempt to each batch after one was parked, full retries after a delivery", () =>
    withReceiver(async (receiver) => {
      const { storage, exporter } = outboxExporter(receiver, {
        retry: { initialDelayMillis: 5, maxDelayMillis: 10, maxAttempts: 3 },
      });
      const requestsOf = async (status: typeof DOWN[], spans = 4) => {
        receiver.plan(...status);
        const before = receiver.requests.length;
        const report = await exporter.export(makeSpanBatch(spans));
        return { requests: receiver.requests.length - before, report };
      };
      const first = await requestsOf([DOWN, DOWN, DOWN]);
      assert.equal(first.requests, 3, "the first failing batch gets the retry policy's attempts");
      assert.equal(first.report.persisted, 4);
      for (let i = 0; i < 3; i++) {
        // A second attempt would be answered 200: the old exporter delivered it then.
        const next = await requestsOf([DOWN]);
        assert.equal(next.requests, 1, "then one attempt each");
        assert.equal(next.report.persisted, 4);
      }
      const delivered = await requestsOf([]);
      assert.equal(delivered.report.exported, 4);
      const retried = await requestsOf([DOWN, DOWN]);
      assert.equal(retried.requests, 3, "after a delivery a failing batch is retried again");
      assert.deepEqual(retried.report.exported, 4);
      assert.deepEqual(retried.report.retried, 4);
      assert.equal((await storage.outbox.peek(100)).length, 4, "the parked batches are kept");
      await exporter.shutdown();
    }));

  it("parks every span of steady traffic instead of dropping them from the batch queue", () =>
    withReceiver(async (receiver) => {
      // A receiver that fails everything, retry delays of 50 ms doubling (5 attempts: ~750 ms a
      // batch): 24 batches of 64 spans arrive faster than that.
      receiver.plan(...Array.from({ length: 1000 }, () => DOWN));
      const { storage, exporter } = outboxExporter(receiver, {
        retry: { initialDelayMillis: 50, maxDelayMillis: 400, maxAttempts: 5 },
      });
      const tracer = new Tracer({
        processors: [
          new BatchSpanProcessor(exporter, {
            maxQueueSize: 128,
            maxExportBatchSize: 64,
            scheduledDelayMillis: 10,
          }),
        ],
      });
      // The outage began before: a first batch was retried and parked.
      tracer.startSpan("first").end();
      assert.equal((await tracer.forceFlush()).persisted, 1);
      for (let batch = 0; batch < 24; batch++) {
        for (let i = 0; i < 64; i++) tracer.startSpan("work").end();
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
      const report = await tracer.shutdown(10_000);
      assert.deepEqual(report.dropped, {}, JSON.stringify(report));
      assert.equal(report.persisted, 24 * 64);
      assert.equal((await storage.outbox.peek(1000)).length > 0, true);
    }));

  it("parks batches without an attempt after one ran out of time, for the timeout, doubling", () =>
    withReceiver(async (receiver) => {
      const { storage, exporter } = outboxExporter(receiver, { timeoutMillis: 400 });
      const exportWith = async (...plan: Parameters<OtlpReceiver["plan"]>) => {
        receiver.plan(...plan);
        const before = receiver.requests.length;
        const report = await exporter.export(makeSpanBatch(2));
        return { attempted: receiver.requests.length - before, report };
      };
      const hung = await exportWith(SILENT);
      assert.equal(hung.attempted, 1);
      assert.equal(hung.report.persisted, 2);
      // Held for 400 ms: parked at once, nothing sent (the old exporter sent it, and was answered
      // 200, the receiver's answer when nothing is planned).
      const held = await exportWith();
      assert.deepEqual([held.attempted, held.report.persisted], [0, 2]);
      await sleep(600);
      const probe = await exportWith(SILENT);
      assert.equal(probe.attempted, 1, "tried again once the hold is over");
      assert.equal(probe.report.persisted, 2);
      await sleep(600);
      // The second timeout holds for 800 ms.
      const stillHeld = await exportWith();
      assert.deepEqual([stillHeld.attempted, stillHeld.report.persisted], [0, 2]);
      await sleep(600);
      const delivered = await exportWith();
      assert.deepEqual([delivered.attempted, delivered.report.exported], [1, 2]);
      // A delivery ends it: the next timeout holds for 400 ms again, not 1600.
      assert.equal((await exportWith(SILENT)).attempted, 1);
      await sleep(600);
      const after = await exportWith();
      assert.deepEqual([after.attempted, after.report.exported], [1, 2]);
      assert.equal((await storage.outbox.peek(100)).length, 5, "every parked batch is kept");
      await exporter.shutdown();
    }));

  it("does not drain the outbox while batches are held, not even for forceFlush", () =>
    withReceiver(async (receiver) => {
      // Parked batches are due again at once.
      const { exporter } = outboxExporter(receiver, { timeoutMillis: 400, outboxDelayMillis: 1 });
      receiver.plan(SILENT);
      assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2);
      const before = receiver.requests.length;
      // Would be answered 200 (nothing planned): a drain now would wait out a hung receiver.
      assert.equal((await exporter.forceFlush()).exported, 0);
      assert.equal(receiver.requests.length, before, "nothing sent while held");
      await sleep(600);
      assert.equal((await exporter.forceFlush()).exported, 2, "redelivered once the hold is over");
      await exporter.shutdown();
    }));

  it("holds the next batches for the receiver's Retry-After", () =>
    withReceiver(async (receiver) => {
      const { exporter } = outboxExporter(receiver, { retry: { maxAttempts: 1 } });
      receiver.plan({ status: 429, retryAfter: "1" });
      assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2);
      const before = receiver.requests.length;
      // Answered 200 if sent (nothing planned): the receiver asked for a second's rest.
      assert.equal((await exporter.export(makeSpanBatch(2))).persisted, 2);
      assert.equal(receiver.requests.length, before, "nothing sent during the Retry-After");
      await sleep(1200);
      assert.equal((await exporter.export(makeSpanBatch(2))).exported, 2);
      await exporter.shutdown();
    }));

  it("without an outbox, tries every batch (nothing else could keep it)", () =>
    withReceiver(async (receiver) => {
      const exporter = createOtlpExporter({ endpoint: receiver.url, timeoutMillis: 300 });
      receiver.plan(SILENT);
      assert.deepEqual((await exporter.export(makeSpanBatch(2))).dropped, { deadline: 2 });
      assert.equal((await exporter.export(makeSpanBatch(2))).exported, 2, "tried, and answered");
      await exporter.shutdown();
    }));

  it("parks every span of steady traffic to a receiver that never answers", () =>
    withReceiver(async (receiver) => {
      receiver.plan(...Array.from({ length: 1000 }, () => SILENT));
      const { exporter } = outboxExporter(receiver, { timeoutMillis: 300 });
      const tracer = new Tracer({
        processors: [
          new BatchSpanProcessor(exporter, {
            maxQueueSize: 1024,
            maxExportBatchSize: 64,
            scheduledDelayMillis: 10,
          }),
        ],
      });
      // 64 spans every 40 ms for about 2 s; each batch held for 300 ms would let 256 of every 300
      // spans overflow the queue.
      for (let batch = 0; batch < 48; batch++) {
        for (let i = 0; i < 64; i++) tracer.startSpan("work").end();
        await sleep(40);
      }
      const report = await tracer.shutdown(10_000);
      assert.deepEqual(report.dropped, {}, JSON.stringify(report));
      assert.equal(report.persisted, 48 * 64);
    }));
});
