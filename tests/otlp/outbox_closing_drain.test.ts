// The last flush of an in-memory outbox. Its batches end with the process, yet a shutdown left
// them where they were: one backing off (not due for seconds) and every batch parked while the
// exporter held batches back from a receiver that had hung were lost at exit even when the receiver
// was answering again. A processor's shutdown now flushes the exporter with `closing`, and the
// exporter then tries every batch of a volatile outbox, due or not, held or not. A durable outbox
// (files) keeps its batches for the next process and is left as it was. A real loopback receiver;
// skipped in workerd (no node:http server there).
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createOtlpExporter } from "../../src/exporter/otlp_factory.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { SimpleSpanProcessor } from "../../src/processor/simple.ts";
import { NodeFsStorage } from "../../src/storage/node_fs.ts";
import type { TraceStorage } from "../../src/storage/types.ts";
import { Tracer } from "../../src/tracer.ts";
import { makeSpanBatch } from "../_support/span_records.ts";
import { type OtlpReceiver, withReceiver } from "../_support/otlp_receiver.ts";
import { outboxExporter } from "../_support/outbox_exporter.ts";
import { isWorkerd } from "../_support/runtime.ts";

const REFUSED = { status: 503 } as const;
const SILENT = { stall: true } as const;

/** How many spans the receiver accepted. */
function acceptedSpans(receiver: OtlpReceiver): number {
  return receiver.requests.flatMap((r) => r.accepted).length;
}

describe("OTLP exporter's closing flush", { skip: isWorkerd }, () => {
  it("delivers an in-memory outbox's batch that is not due yet when the tracer shuts down", () =>
    withReceiver(async (receiver) => {
      // Redelivery backs off for a minute: no drain before the shutdown would try the batch.
      const { storage, exporter } = outboxExporter(receiver, { retry: { maxAttempts: 1 } });
      const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
      receiver.plan(REFUSED);
      tracer.startSpan("refused").end();
      const first = await tracer.forceFlush();
      assert.deepEqual([first.exported, first.persisted], [0, 1]);
      // A plain flush leaves it backing off (as before): the receiver saw one request.
      await tracer.forceFlush();
      assert.equal(receiver.requests.length, 1);
      const last = await tracer.shutdown();
      assert.equal(
        last.exported,
        1,
        "redelivered by the closing flush (was lost with the process)",
      );
      assert.equal(acceptedSpans(receiver), 1);
      assert.equal((await storage.outbox.peek(10)).length, 0);
    }));

  it("delivers the batches parked during a hold once the receiver answers again", () =>
    withReceiver(async (receiver) => {
      const { storage, exporter } = outboxExporter(receiver, { timeoutMillis: 400 });
      const tracer = new Tracer({ processors: [new SimpleSpanProcessor(exporter)] });
      receiver.plan(SILENT); // unanswered for its whole time: batches are held for 400 ms on
      tracer.startSpan("hung").end();
      await tracer.forceFlush();
      tracer.startSpan("held").end(); // parked without an attempt
      await tracer.forceFlush();
      assert.equal(receiver.requests.length, 1);
      assert.equal((await storage.outbox.peek(10)).length, 2);
      // Still held: the old exporter's shutdown did not drain, and both batches were lost.
      const last = await tracer.shutdown();
      assert.equal(last.exported, 2);
      assert.equal(acceptedSpans(receiver), 2 + 1, "the hung request's span arrived too (stalled)");
      assert.equal((await storage.outbox.peek(10)).length, 0);
    }));

  it("stops at the first batch the receiver still refuses, giving none up", () =>
    withReceiver(async (receiver) => {
      const { storage, exporter } = outboxExporter(receiver, { retry: { maxAttempts: 1 } });
      for (let i = 0; i < 3; i++) {
        receiver.plan(REFUSED);
        await exporter.export(makeSpanBatch(2));
      }
      receiver.plan(REFUSED);
      const report = await exporter.forceFlush({ closing: true });
      assert.equal(receiver.requests.length, 4, "one more request: the receiver is still down");
      assert.deepEqual([report.exported, report.dropped], [0, {}]);
      assert.equal((await storage.outbox.peek(10)).length, 3, "nothing given up");
      await exporter.shutdown();
    }));

  it("keeps the batches when the receiver still hangs at the shutdown's deadline", () =>
    withReceiver(async (receiver) => {
      const { storage, exporter } = outboxExporter(receiver, { timeoutMillis: 400 });
      receiver.plan(SILENT);
      await exporter.export(makeSpanBatch(2)); // held from here on
      await exporter.export(makeSpanBatch(2));
      receiver.plan(SILENT);
      const report = await exporter.forceFlush({ closing: true, deadline: Date.now() + 200 });
      assert.equal(receiver.requests.length, 2, "one try, cut at the deadline");
      assert.deepEqual([report.exported, report.dropped], [0, {}]);
      assert.equal((await storage.outbox.peek(10)).length, 2);
      await exporter.shutdown();
    }));

  it("leaves a durable outbox's batches for the next process", () =>
    withReceiver(async (receiver) => {
      const root = join(tmpdir(), `tracelet-closing-${crypto.randomUUID()}`);
      const storage: TraceStorage = new NodeFsStorage({ root });
      try {
        const exporter = createOtlpExporter({
          endpoint: receiver.url,
          storage,
          retry: { maxAttempts: 1 },
          outboxRetry: { initialDelayMillis: 60_000 },
        });
        receiver.plan(REFUSED);
        const parked = await exporter.export(makeSpanBatch(2));
        assert.equal(parked.persisted, 2);
        const report = await exporter.forceFlush({ closing: true });
        assert.equal(report.exported, 0);
        assert.equal(receiver.requests.length, 1, "not tried: it is not due and outlives us");
        assert.equal((await storage.outbox.peek(10)).length, 1);
        await exporter.shutdown();
      } finally {
        await storage.close?.();
        await rm(root, { recursive: true, force: true });
      }
    }));
});
