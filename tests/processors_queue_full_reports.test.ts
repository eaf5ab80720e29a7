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

describe("queue_full diagnostics", () => {
  it("come again a minute later with the number dropped since the last one", async () => {
    const tracer = smallQueue();
    const realNow = Date.now;
    let shift = 0;
    Date.now = () => realNow() + shift;
    try {
      const { diagnostics } = await captureDiagnostics(() => {
        // Synchronously: the export the full queue triggers runs in a microtask.
        for (let i = 0; i < 5; i++) tracer.startSpan(`a${i}`).end(); // 3 dropped
        shift = 61_000; // a minute later, in a later outage
        for (let i = 0; i < 5; i++) tracer.startSpan(`b${i}`).end(); // 5 more: still full
      });
      const full = diagnostics.filter((d) => d.code === "queue_full").map((d) => d.message);
      assert.equal(full.length, 2, full.join("\n"));
      assert.match(full[0], /\b1 span\(s\) dropped/);
      assert.match(full[1], /\b3 span\(s\) dropped/, "the first run's 2 unreported + the first b");
      const report = await tracer.forceFlush();
      assert.equal(report.dropped.queue_full, 8);
    } finally {
      Date.now = realNow;
    }
  });
});
