// Large spans (long prompts, logprobs) fill the batch queue's byte bound long before its span count
// reaches a batch: an export waited for the count or the timer, and the queue dropped about half of
// the 64 KiB spans a service ended at 100/s while the receiver took everything it got. Half the byte
// bound queued now exports what is queued, as a full batch does.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor } from "../src/processor/batch.ts";
import { Tracer } from "../src/tracer.ts";
import { captureDiagnostics, MemoryExporter } from "./_support/collect.ts";

describe("a batch queue of large spans", () => {
  it("exports when half its byte bound is queued, so a healthy receiver loses none", async () => {
    const receiver = new MemoryExporter(); // takes every batch at once
    // The 16 MiB default bound scaled down: 32 spans of 8 KiB fill it; a batch is 512 spans and
    // the timer 5 s away, neither of which comes before the bound fills.
    const processor = new BatchSpanProcessor(receiver, { maxQueueBytes: 256 * 1024 });
    const tracer = new Tracer({ processors: [processor] });
    const prompt = "p".repeat(8 * 1024);
    const { diagnostics } = await captureDiagnostics(async () => {
      for (let i = 0; i < 200; i++) {
        tracer.startSpan(`call-${i}`, { attributes: { "gen_ai.prompt": prompt } }).end();
        // A service's pace: a turn of the event loop between requests.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      assert.ok(
        receiver.spans.length >= 150,
        `exported before the timer: ${receiver.spans.length}`,
      );
      const report = await tracer.shutdown();
      assert.deepEqual(report.dropped, {});
    });
    assert.equal(receiver.spans.length, 200, "every span reached the receiver");
    assert.deepEqual(diagnostics.filter((d) => d.code === "queue_full"), []);
    assert.ok(receiver.batches.length > 1, "in several exports, not one at the end");
  });

  it("still waits for a full batch or the timer while small spans leave room", async () => {
    const receiver = new MemoryExporter(); // takes every batch at once
    const processor = new BatchSpanProcessor(receiver, { maxQueueBytes: 256 * 1024 });
    const tracer = new Tracer({ processors: [processor] });
    for (let i = 0; i < 100; i++) {
      tracer.startSpan(`small-${i}`).end();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.equal(receiver.spans.length, 0, "nothing exported early");
    await tracer.shutdown();
    assert.equal(receiver.spans.length, 100);
  });
});
