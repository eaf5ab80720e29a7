// The OTLP exporter with an outbox while the receiver is down: once a batch has been parked, the
// next ones get one attempt each and are parked when it fails (the outbox retries them with its
// own backoff), so the batch processor is not held up retrying each batch for seconds while its
// queue drops spans the outbox had room for (a steady 300 spans/s lost 48 % as `queue_full`). A
// delivered batch ends that: the next failure is retried again (what happens after a timeout or a
// Retry-After: outbox_hold.test.ts). A real loopback receiver; skipped in workerd (no node:http
// server there).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { Tracer } from "../../src/tracer.ts";
import { withReceiver } from "../_support/otlp_receiver.ts";
import { exportsTo, outboxExporter } from "../_support/outbox_exporter.ts";
import { isWorkerd } from "../_support/runtime.ts";

const DOWN = { status: 503 };

describe("OTLP exporter with an outbox, receiver down", { skip: isWorkerd }, () => {
  it("gives a failing batch two attempts with an outbox, one each after one was parked, two after a delivery", () =>
    withReceiver(async (receiver) => {
      const { storage, exporter } = outboxExporter(receiver, {
        retry: { initialDelayMillis: 5, maxDelayMillis: 10, maxAttempts: 3 },
      });
      const exportWith = exportsTo(receiver, exporter, 4);
      const first = await exportWith(DOWN, DOWN);
      // Not the policy's three: the outbox retries it with its own backoff, and retrying in line
      // for seconds held up the batch queue (at 600 spans/s to a closed port, 1,820 of 11,940
      // spans dropped as queue_full with six attempts).
      assert.equal(first.attempted, 2, "the first failing batch gets one retry, then is parked");
      assert.equal(first.report.persisted, 4);
      for (let i = 0; i < 3; i++) {
        // A second attempt would be answered 200: the old exporter delivered it then.
        const next = await exportWith(DOWN);
        assert.equal(next.attempted, 1, "then one attempt each");
        assert.equal(next.report.persisted, 4);
      }
      const delivered = await exportWith();
      assert.equal(delivered.report.exported, 4);
      const retried = await exportWith(DOWN);
      assert.equal(retried.attempted, 2, "after a delivery a failing batch is retried again");
      assert.deepEqual(retried.report.exported, 4);
      assert.deepEqual(retried.report.retried, 4);
      assert.equal((await storage.outbox.peek(100)).length, 4, "the parked batches are kept");
      await exporter.shutdown();
    }));

  it("parks every span of steady traffic instead of dropping them from the batch queue", () =>
    withReceiver(async (receiver) => {
      // A receiver that fails everything, retry delays of 50 ms doubling (5 attempts: ~750 ms a
      // batch): 24 batches of 64 spans arrive faster than that. The queue holds 8 batches, so a
      // loaded machine (an attempt and a park taking 80 ms, not 40) does not overflow it, while
      // retrying each batch to the end would (8 batches arrive in the first batch's 750 ms).
      receiver.plan(...Array.from({ length: 1000 }, () => DOWN));
      const { storage, exporter } = outboxExporter(receiver, {
        retry: { initialDelayMillis: 50, maxDelayMillis: 400, maxAttempts: 5 },
      });
      const tracer = new Tracer({
        processors: [
          new BatchSpanProcessor(exporter, {
            maxQueueSize: 512,
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
});
