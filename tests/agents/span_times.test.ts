// Agent span start and end times given by the caller: one outside 1970-2540 (microseconds by
// mistake) means now, as for every tracelet span, so a span never becomes unexportable.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  addTraceProcessor,
  BatchTraceProcessor,
  customSpan,
  flushTraces,
  trace,
} from "../../src/agents/mod.ts";
import type { AgentSpan, AgentTrace, TracingExporter } from "../../src/agents/mod.ts";
import { captureDiagnostics } from "../_support/collect.ts";
import { agentSetup } from "./_helpers.ts";

/** Within a minute of now. */
function assertNearNow(iso: string | null | undefined): void {
  assert.equal(typeof iso, "string");
  assert.ok(Math.abs(Date.parse(iso!) - Date.now()) < 60_000, iso!);
}

describe("agent span times out of range", () => {
  it("a start and end in microseconds mean now: startedAt, endedAt and export work", async () => {
    const { collector, done } = agentSetup();
    try {
      const exported: unknown[] = [];
      const exporter: TracingExporter = {
        export: (items) => {
          for (const item of items) exported.push(JSON.parse(JSON.stringify(item)));
        },
      };
      const seen: (string | null)[] = [];
      addTraceProcessor(new BatchTraceProcessor(exporter, { timers: false }));
      addTraceProcessor({ onSpanEnd: (span) => void seen.push(span.startedAt, span.endedAt) });
      let span: AgentSpan | undefined;
      const { diagnostics } = await captureDiagnostics(async () => {
        await trace("wf").run(() => {
          span = customSpan("timed", { startTime: Date.now() * 1000 }).start();
          span.finish(false, Date.now() * 1000);
        });
        await flushTraces();
      });
      assert.deepEqual(diagnostics.filter((d) => d.level === "error"), []);
      assertNearNow(span!.startedAt);
      assertNearNow(span!.endedAt);
      assert.equal(seen.length, 2);
      for (const iso of seen) assertNearNow(iso);
      const record = exported.find((r) => (r as { object: string }).object === "trace.span") as {
        started_at: string;
        ended_at: string;
      };
      assertNearNow(record.started_at);
      assertNearNow(record.ended_at);
      const timed = collector.byName("timed");
      assert.ok(Math.abs(timed.startTime / 1e6 - Date.parse(span!.startedAt!)) < 2); // same time
    } finally {
      await done();
    }
  });

  it("a time in range is kept as given", async () => {
    const { done } = agentSetup();
    try {
      const start = Date.UTC(2030, 0, 2, 3, 4, 5, 6);
      let span: AgentSpan | undefined;
      trace("wf").run(() => {
        span = customSpan("given", { startTime: start }).start();
        span.finish(false, start + 1000);
      });
      assert.equal(span!.startedAt, "2030-01-02T03:04:05.006000+00:00");
      assert.equal(span!.endedAt, "2030-01-02T03:04:06.006000+00:00");
    } finally {
      await done();
    }
  });

  it("a trace's startedAt is set when processors hear of its start (onTraceStart)", async () => {
    const { done } = agentSetup();
    try {
      const seen: (string | null)[] = [];
      addTraceProcessor({ onTraceStart: (t) => void seen.push((t as AgentTrace).startedAt) });
      const given = trace("given");
      trace("wf").run(() => {});
      given.start();
      given.finish();
      assert.equal(seen.length, 2);
      assertNearNow(seen[0]);
      assert.equal(seen[1], given.startedAt);
    } finally {
      await done();
    }
  });
});
