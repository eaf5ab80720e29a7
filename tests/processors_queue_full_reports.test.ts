/**
 * `queue_full` is reported with a count, at most once a minute per processor, for as long as spans
 * are dropped. It was reported once per process: a service's second collector outage lost 1,909
 * requests' spans without a word on stderr.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BatchSpanProcessor, Tracer } from "../mod.ts";
import { captureDiagnostics, MemoryExporter } from "./_support/collect.ts";

/** A tracer whose batch processor holds 2 spans and never exports on its own. */
function smallQueue() {
  const processor = new BatchSpanProcessor(new MemoryExporter(), {
    maxQueueSize: 2,
    exportTriggerSize: 2,
    timers: false,
  });
  return new Tracer({ processors: [processor] });
}

/** Runs `fn` with `Date.now()` that `later(ms)` moves forward; the real clock comes back after. */
async function withClock(fn: (later: (ms: number) => void) => Promise<void>): Promise<void> {
  const realNow = Date.now;
  let shift = 0;
  Date.now = () => realNow() + shift;
  try {
    await fn((ms) => void (shift += ms));
  } finally {
    Date.now = realNow;
  }
}

describe("queue_full diagnostics", () => {
  it("come again a minute later with the number dropped since the last one", async () => {
    const tracer = smallQueue();
    await withClock(async (later) => {
      const { diagnostics } = await captureDiagnostics(() => {
        // Synchronously: the export the full queue triggers runs in a microtask.
        for (let i = 0; i < 5; i++) tracer.startSpan(`a${i}`).end(); // 3 dropped
        later(61_000); // a minute later, in a later outage
        for (let i = 0; i < 5; i++) tracer.startSpan(`b${i}`).end(); // 5 more: still full
      });
      const full = diagnostics.filter((d) => d.code === "queue_full").map((d) => d.message);
      assert.equal(full.length, 2, full.join("\n"));
      assert.match(full[0], /\b1 span\(s\) dropped/);
      assert.match(full[1], /\b3 span\(s\) dropped/, "the first run's 2 unreported + the first b");
      const report = await tracer.forceFlush();
      assert.equal(report.dropped.queue_full, 8);
    });
  });

  it("tell the rest of an outage's drops a minute after its first, when the queue drains", async () => {
    const tracer = smallQueue();
    await withClock(async (later) => {
      const during = await captureDiagnostics(() => {
        for (let i = 0; i < 6; i++) tracer.startSpan(`a${i}`).end(); // 4 dropped, 1 reported
      });
      assert.equal(during.diagnostics.filter((d) => d.code === "queue_full").length, 1);
      await tracer.forceFlush(); // the outage is over: nothing more is dropped
      later(61_000);
      const after = await captureDiagnostics(async () => {
        // The next drain, a minute later, with room in the queue.
        tracer.startSpan("later").end();
        await tracer.forceFlush();
      });
      const full = after.diagnostics.filter((d) => d.code === "queue_full").map((d) => d.message);
      assert.equal(full.length, 1, full.join("\n"));
      assert.match(full[0], /\b3 span\(s\) dropped/);
    });
  });
});
