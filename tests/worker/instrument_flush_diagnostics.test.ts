// What the Workers preset's end-of-invocation flush holds and tells, where an isolate has no
// timers and may be evicted at any time: every ctx.waitUntil promise is waited for (past 1024
// the rest were silently not, and their spans missed the flush), and every span its flush report
// counts as dropped is told (the once-a-minute queue_full warning said "1 span(s) dropped" of
// thousands, and its correction never came). Handlers are called directly with a recording execution context, so these run on
// every runtime, workerd included.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getTracer } from "../../src/global.ts";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import type { Diagnostic } from "../../src/diagnostics.ts";
import type { FlushReport } from "../../src/types.ts";
import { invocationSpan } from "../../src/runtime/worker.ts";
import { captureDiagnostics, MemoryExporter } from "../_support/collect.ts";
import { isolated, RecordingContext, setup, traced } from "./_helpers.ts";

const codes = (diagnostics: Diagnostic[], code: string) =>
  diagnostics.filter((d) => d.code === code);

/** A cron run that passes `count` promises to ctx.waitUntil, all pending until `release`. */
async function fanOut(count: number) {
  const { exporter, options } = setup();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const worker = traced({
    scheduled(controller, _env, ctx) {
      const root = invocationSpan(controller);
      for (let i = 0; i < count; i++) {
        ctx.waitUntil((async () => {
          const span = getTracer().startSpan(`job-${i}`, { parent: root });
          await gate;
          span.end();
        })());
      }
    },
  }, options);
  const ctx = new RecordingContext();
  const { diagnostics } = await captureDiagnostics(async () => {
    await worker.scheduled({ cron: "* * * * *" }, {}, ctx);
    release();
    await ctx.drain();
  });
  return { diagnostics, jobs: exporter.spans.filter((s) => s.name.startsWith("job-")).length };
}

describe("instrument(): ctx.waitUntil promises", () => {
  it("are all waited for before the invocation's flush, however many", () =>
    isolated(async () => {
      const { jobs } = await fanOut(1100);
      assert.equal(jobs, 1100, "a cron fanning out 1100 jobs flushes every job's span");
    }));
});

describe("instrument(): the spans each invocation's flush dropped", () => {
  /** A Worker whose queue holds 10 spans, ending `count` spans per request without yielding. */
  function smallQueue() {
    const exporter = new MemoryExporter();
    const reports: FlushReport[] = [];
    const { options } = setup(
      { processors: [new BatchSpanProcessor(exporter, { timers: false, maxQueueSize: 10 })] },
      { onFlush: (report) => void reports.push(report) },
    );
    const worker = traced({
      fetch(request) {
        const count = Number(new URL(request.url).searchParams.get("spans"));
        for (let i = 0; i < count; i++) getTracer().startSpan(`s-${i}`).end();
        return new Response("ok");
      },
    }, options);
    const invoke = async (spans: number) => {
      const ctx = new RecordingContext();
      const url = `https://x.test/?spans=${spans}`;
      await (await worker.fetch(new Request(url), {}, ctx)).text();
      await ctx.drain();
    };
    return { reports, invoke };
  }

  it("tells the flush report's drops, every invocation, whatever queue_full told", () =>
    isolated(async () => {
      const { reports, invoke } = smallQueue();
      const { diagnostics } = await captureDiagnostics(async () => {
        await invoke(50);
        await invoke(30); // within the minute: queue_full tells nothing of these
      });
      const dropped = reports.map((report) => report.dropped.queue_full);
      assert.ok(dropped[0] >= 40 && dropped[1] >= 20, `drops counted: ${dropped}`);
      const told = codes(diagnostics, "worker_spans_dropped");
      assert.deepEqual(
        told.map((d) =>
          d.message.match(/^(\d+) span\(s\) dropped .*\(queue_full (\d+)\)/)?.slice(1)
        ),
        dropped.map((count) => [String(count), String(count)]),
        "each invocation tells its flush report's count",
      );
      assert.ok(told.every((d) => d.level === "warn"));
      // The processor's own warning told one span of the first invocation, none of the second.
      assert.deepEqual(
        codes(diagnostics, "queue_full").map((d) => d.message),
        ["Span queue full: 1 span(s) dropped since the last report"],
      );
    }));

  it("tells nothing when nothing was dropped", () =>
    isolated(async () => {
      const { reports, invoke } = smallQueue();
      const { diagnostics } = await captureDiagnostics(() => invoke(3));
      assert.deepEqual(reports.map((report) => report.dropped), [{}]);
      assert.deepEqual(codes(diagnostics, "worker_spans_dropped"), []);
    }));
});
