// Tail sampling: whole traces are kept or dropped when their local root ends; failed and slow
// traces are kept, a ratio share of the others; bounds decide early and never lose a kept span.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BatchSpanProcessor, configure, MemoryStorage, traceIdRatio, Tracer } from "../mod.ts";
import type { Diagnostic, FlushReport, SpanContext, SpanProcessor, SpanRecord } from "../mod.ts";
import type { Span } from "../src/span.ts";
import { resetReportedOnce } from "../src/diagnostics.ts";
import { newTraceId } from "../src/ids.ts";
import { TailSamplingProcessor } from "../src/processor/tail_sampling.ts";
import type { TailSamplingOptions } from "../src/processor/tail_sampling.ts";
import { MemoryExporter } from "./_support/collect.ts";
import { isolated } from "./_support/global_state.ts";
import { captureDiagnostics } from "./_support/otlp_helpers.ts";
import { OtlpReceiver } from "./_support/otlp_receiver.ts";
import { isWorkerd } from "./_support/runtime.ts";
import { traceLineCount } from "./_support/trace_lines.ts";
import { logMetric, pushUpdate, run } from "../src/task/mod.ts";

/** The inner processor: records what reaches it. */
class Inner implements SpanProcessor {
  readonly ended: SpanRecord[] = [];
  readonly calls: string[] = [];
  onSpanEnd(span: SpanRecord): void {
    this.ended.push(span);
  }
  forceFlush(): FlushReport {
    this.calls.push("forceFlush");
    return { exported: this.ended.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
  }
  shutdown(): FlushReport {
    this.calls.push("shutdown");
    return { exported: 0, retried: 0, persisted: 0, dropped: { shutdown: 1 }, failed: 0 };
  }
  get names(): string[] {
    return this.ended.map((span) => span.name);
  }
}

function setup(options: TailSamplingOptions = {}) {
  const inner = new Inner();
  const tail = new TailSamplingProcessor(inner, options);
  const tracer = new Tracer({ processors: [tail] });
  return { inner, tail, tracer };
}

const ERROR = { code: "ERROR", message: "boom" } as const;

/** Starts `traces` root spans `request`, left running, each with `children` ended `child` spans. */
function openTraces(tracer: Tracer, traces: number, children: number): Span[] {
  const roots: Span[] = [];
  for (let r = 0; r < traces; r++) {
    const root = tracer.startSpan("request", { parent: null });
    for (let i = 0; i < children; i++) tracer.startSpan("child", { parent: root }).end();
    roots.push(root);
  }
  return roots;
}

/**
 * Two one-span traces under a keep rule that fails (throws, or answers with a promise): both are
 * kept; returns the tracer and the `sampler_failed` diagnostics.
 */
function twoTracesUnder(
  keep: NonNullable<TailSamplingOptions["keep"]>,
): { tracer: Tracer; failures: Diagnostic[] } {
  const { inner, tracer } = setup({ keep });
  const { list, restore } = captureDiagnostics();
  try {
    resetReportedOnce();
    tracer.startSpan("one", { parent: null }).end();
    tracer.startSpan("two", { parent: null }).end();
  } finally {
    restore();
  }
  assert.deepEqual(inner.names, ["one", "two"]);
  return { tracer, failures: list.filter((d: Diagnostic) => d.code === "sampler_failed") };
}

/**
 * A tail processor in front of a batch processor (queue 2048, no timers) holding 5000 spans:
 * 10 requests still running, with 500 ended children each. Returns the tracer and the ids the
 * exporter got.
 */
function fiveThousandBuffered() {
  const exported: string[] = [];
  const exporter = {
    export: (spans: readonly SpanRecord[]) => {
      for (const span of spans) exported.push(span.spanId);
      return Promise.resolve({
        exported: spans.length,
        retried: 0,
        persisted: 0,
        dropped: {},
        failed: 0,
      });
    },
  };
  const tail = new TailSamplingProcessor(new BatchSpanProcessor(exporter, { timers: false }));
  const tracer = new Tracer({ processors: [tail] });
  openTraces(tracer, 10, 500);
  assert.equal(tail.stats.bufferedSpans, 5000);
  return { tracer, exported };
}

describe("TailSamplingProcessor", () => {
  it("keeps every span of a trace with an error anywhere, in end order", () => {
    const { inner, tracer } = setup();
    const root = tracer.startSpan("root", { parent: null });
    const a = tracer.startSpan("a", { parent: root });
    const b = tracer.startSpan("b", { parent: a });
    b.setStatus(ERROR);
    b.end();
    a.end();
    assert.deepEqual(inner.names, [], "nothing is handed on before the root ends");
    root.end();
    assert.deepEqual(inner.names, ["b", "a", "root"]);
  });

  it("keeps a trace whose root lasted slowMillis or more", () => {
    const { inner, tail, tracer } = setup({ slowMillis: 1000 });
    const slow = tracer.startSpan("slow", { parent: null, startTime: Date.now() - 1500 });
    tracer.startSpan("child", { parent: slow }).end();
    slow.end();
    tracer.startSpan("quick", { parent: null }).end();
    assert.deepEqual(inner.names, ["child", "slow"]);
    assert.deepEqual(
      [tail.stats.keptTraces, tail.stats.droppedTraces, tail.stats.droppedSpans],
      [1, 1, 1],
    );
  });

  it("uses 5 s as the default slow threshold", () => {
    const { inner, tracer } = setup();
    tracer.startSpan("4s", { parent: null, startTime: Date.now() - 4000 }).end();
    tracer.startSpan("6s", { parent: null, startTime: Date.now() - 6000 }).end();
    assert.deepEqual(inner.names, ["6s"]);
  });

  it("drops a fast OK trace at ratio 0 (the default) and keeps it at ratio 1", () => {
    for (const [ratio, expected] of [[undefined, []], [0, []], [1, ["child", "root"]]] as const) {
      const { inner, tracer } = setup({ ratio });
      tracer.withSpan("root", { parent: null }, () => tracer.startSpan("child").end());
      assert.deepEqual(inner.names, expected, `ratio ${ratio}`);
    }
  });

  it("keeps a ratio share of the other traces, the same for the same trace id", () => {
    const ids = Array.from({ length: 1000 }, () => newTraceId());
    const keptAt = (ratio: number) => {
      const { inner, tracer } = setup({ ratio });
      for (const traceId of ids) tracer.startSpan("t", { parent: null, traceId }).end();
      return inner.ended.map((span) => span.traceId);
    };
    const quarter = keptAt(0.25);
    assert.ok(quarter.length > 150 && quarter.length < 350, `kept ${quarter.length} of 1000`);
    assert.deepEqual(keptAt(0.25), quarter, "decided by the trace id alone");
  });

  it("a ratio keeps its share of what a head traceIdRatio sampler let through, not the smaller of the two", () => {
    for (const [head, ratio] of [[0.5, 0.1], [0.1, 0.5]]) {
      const inner = new Inner();
      const tail = new TailSamplingProcessor(inner, { ratio });
      const tracer = new Tracer({ processors: [tail], sampler: traceIdRatio(head) });
      let seen = 0;
      for (let i = 0; i < 20_000; i++) {
        const span = tracer.startSpan("t", { parent: null });
        seen += span.traceFlags & 1;
        span.end();
      }
      const share = inner.ended.length / seen;
      assert.ok(Math.abs(share - ratio) < 0.05, `head ${head}, ratio ${ratio}: kept ${share}`);
    }
  });

  it("spans that end after their trace was decided follow the decision", () => {
    const { inner, tail, tracer } = setup();
    // Dropped trace: a child still open when the root ends, and one started afterwards.
    const dropped = tracer.startSpan("dropped", { parent: null });
    const open = tracer.startSpan("open-child", { parent: dropped });
    dropped.end();
    const later = tracer.startSpan("later-child", { parent: dropped });
    open.end();
    later.end();
    // Kept trace: the same shape, with an error on the root.
    const kept = tracer.startSpan("kept", { parent: null });
    const keptOpen = tracer.startSpan("kept-open-child", { parent: kept });
    kept.setStatus(ERROR);
    kept.end();
    tracer.startSpan("kept-later-child", { parent: keptOpen }).end();
    keptOpen.end();
    assert.deepEqual(inner.names, ["kept", "kept-later-child", "kept-open-child"]);
    assert.equal(tail.stats.droppedSpans, 3);
    assert.equal(tail.stats.keptSpans, 3);
  });

  it("a span ending long after its trace was decided still follows the decision", () => {
    const { inner, tail, tracer } = setup({ maxTraces: 100 }); // 400 decisions kept exactly
    const dropped = tracer.startSpan("dropped", { parent: null });
    const background = tracer.startSpan("background", { parent: dropped }); // e.g. waitUntil
    dropped.end();
    const kept = tracer.startSpan("kept", { parent: null });
    const keptBackground = tracer.startSpan("kept-background", { parent: kept });
    kept.setStatus(ERROR);
    kept.end();
    for (let i = 0; i < 1000; i++) tracer.startSpan("other", { parent: null }).end();
    background.end();
    keptBackground.end();
    assert.deepEqual(inner.names, ["kept", "kept-background"]);
    assert.equal(tail.stats.droppedSpans, 1002);
  });

  it("forgets a decision after a bounded number of later ones (its late spans are handed on)", () => {
    const { inner, tracer } = setup({ maxTraces: 1 }); // 4 exactly, then 16 to 32 by hash
    const dropped = tracer.startSpan("dropped", { parent: null });
    const late = tracer.startSpan("late", { parent: dropped });
    dropped.end();
    for (let i = 0; i < 40; i++) tracer.startSpan("other", { parent: null }).end();
    late.end();
    assert.deepEqual(inner.names, ["late"]);
  });

  it("a late error in a dropped trace does not bring the trace back", () => {
    const { inner, tracer } = setup();
    const root = tracer.startSpan("root", { parent: null });
    const child = tracer.startSpan("child", { parent: root });
    root.end();
    child.setStatus(ERROR);
    child.end();
    assert.deepEqual(inner.names, []);
  });

  it("decides the oldest buffered trace early when maxTraces are open, by the rule", async () => {
    const { inner, tail, tracer } = setup({ maxTraces: 2 });
    const { list, restore } = captureDiagnostics();
    try {
      resetReportedOnce();
      const first = tracer.startSpan("first", { parent: null });
      const failed = tracer.startSpan("first-failed", { parent: first });
      failed.setStatus(ERROR);
      failed.end();
      const second = tracer.startSpan("second", { parent: null });
      tracer.startSpan("second-child", { parent: second }).end();
      assert.deepEqual(inner.names, []);
      const third = tracer.startSpan("third", { parent: null }); // first is decided now: kept
      assert.deepEqual(inner.names, ["first-failed"]);
      assert.deepEqual(tail.stats.decidedEarly, { max_traces: 1 });
      assert.equal(tail.stats.bufferedTraces, 2);
      first.end(); // follows the early decision
      assert.deepEqual(inner.names, ["first-failed", "first"]);
      const fourth = tracer.startSpan("fourth", { parent: null }); // second: fast and OK, dropped
      assert.deepEqual(tail.stats.decidedEarly, { max_traces: 2 });
      second.end();
      third.end();
      fourth.end();
      assert.deepEqual(inner.names, ["first-failed", "first"]);
      assert.deepEqual(
        [tail.stats.keptTraces, tail.stats.droppedTraces, tail.stats.bufferedTraces],
        [1, 3, 0],
      );
      const early = list.filter((d) => d.code === "tail_sampling_early");
      assert.equal(early.length, 1, "reported once");
      assert.equal(early[0].level, "warn");
    } finally {
      restore();
    }
    await tracer.shutdown();
  });

  it("decides a trace at once when it reaches maxSpansPerTrace; its later spans follow", () => {
    const { inner, tail, tracer } = setup({ maxSpansPerTrace: 3 });
    const root = tracer.startSpan("root", { parent: null });
    const children = Array.from(
      { length: 5 },
      (_, i) => tracer.startSpan(`c${i}`, { parent: root }),
    );
    children[1].setStatus(ERROR);
    for (const child of children) child.end();
    root.end();
    assert.deepEqual(inner.names, ["c0", "c1", "c2", "c3", "c4", "root"], "no kept span lost");
    assert.deepEqual(tail.stats.decidedEarly, { max_spans_per_trace: 1 });

    const quiet = setup({ maxSpansPerTrace: 3 });
    const r = quiet.tracer.startSpan("root", { parent: null });
    for (let i = 0; i < 5; i++) quiet.tracer.startSpan(`c${i}`, { parent: r }).end();
    r.end();
    assert.deepEqual(quiet.inner.names, []);
    assert.equal(quiet.tail.stats.droppedSpans, 6);
    assert.equal(quiet.tail.stats.bufferedSpans, 0);
  });

  it("bounds the spans buffered over all traces (maxBufferedSpans)", () => {
    const { inner, tail, tracer } = setup({ maxBufferedSpans: 4, ratio: 1 });
    const roots = [0, 1, 2].map((i) => tracer.startSpan(`r${i}`, { parent: null }));
    for (const root of roots) {
      tracer.startSpan(`${root.name}-a`, { parent: root }).end();
      tracer.startSpan(`${root.name}-b`, { parent: root }).end();
    }
    // The fifth buffered span decided the oldest trace, r0, early (kept by ratio 1).
    assert.deepEqual(inner.names, ["r0-a", "r0-b"]);
    assert.deepEqual(tail.stats.decidedEarly, { max_buffered_spans: 1 });
    assert.equal(tail.stats.bufferedSpans, 4);
    for (const root of roots) root.end();
    assert.equal(inner.ended.length, 9, "every span of kept traces arrives");
  });

  it("treats a span with a remote parent as a local root", () => {
    const { inner, tracer } = setup();
    const remote: SpanContext = {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
      isRemote: true,
    };
    const server = tracer.startSpan("server", { parent: remote, kind: "SERVER" });
    const db = tracer.startSpan("db", { parent: server });
    db.setStatus(ERROR);
    db.end();
    assert.deepEqual(inner.names, [], "held until the local root ends");
    server.end();
    assert.deepEqual(inner.names, ["db", "server"]);
    assert.equal(inner.ended[1].parentSpanId, remote.spanId);

    // A second request of the kept trace follows the decision (the trace is kept whole, as the
    // Collector's decision cache does): its spans go on as they end.
    const again = tracer.startSpan("server-2", { parent: remote, kind: "SERVER" });
    tracer.startSpan("db-2", { parent: again }).end();
    assert.deepEqual(inner.names, ["db", "server", "db-2"]);
    again.end();
    assert.deepEqual(inner.names, ["db", "server", "db-2", "server-2"]);
  });

  it("decides a second request of a dropped trace on its own", () => {
    const { inner, tracer } = setup();
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    tracer.startSpan("fast", { parent: remote }).end();
    assert.deepEqual(inner.names, [], "dropped");
    const again = tracer.startSpan("again", { parent: remote });
    tracer.startSpan("db", { parent: again }).setStatus(ERROR).end();
    again.end();
    assert.deepEqual(inner.names, ["db", "again"], "the failed second request is kept");
  });

  it("keeps the failure of a request forgotten past maxTraces while another request of its trace ends", () => {
    // Request 1 of a trace runs while more traces than `maxTraces` start: it is decided early
    // (dropped early) and forgotten. Request 2 of the same trace starts and ends (dropped). Then
    // request 1 fails: the rest of request 1 is kept, as for any trace dropped early.
    const { inner, tracer } = setup({ maxTraces: 2 });
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const first = tracer.startSpan("request-1", { parent: remote });
    const others = openTraces(tracer, 3, 0);
    tracer.startSpan("request-2", { parent: { ...remote, spanId: "00f067aa0ba902b8" } }).end();
    const db = tracer.startSpan("db", { parent: first });
    db.setStatus(ERROR);
    db.end();
    first.end();
    for (const other of others) other.end();
    assert.deepEqual(inner.names.filter((name) => name !== "request"), ["db", "request-1"]);
  });

  it("keeps a second request of a kept trace forgotten past maxTraces while it ran", () => {
    const { inner, tail, tracer } = setup({ maxTraces: 2 });
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const first = tracer.startSpan("request-1", { parent: remote });
    tail.keepTrace(remote.traceId);
    const others = openTraces(tracer, 3, 0);
    tracer.startSpan("request-2", { parent: { ...remote, spanId: "00f067aa0ba902b8" } }).end();
    tracer.startSpan("late", { parent: first }).end();
    first.end();
    for (const other of others) other.end();
    assert.deepEqual(inner.names.filter((name) => name !== "request"), [
      "request-2",
      "late",
      "request-1",
    ]);
  });

  it("keeps a trace open while another local root of it is still running", () => {
    const { inner, tracer } = setup();
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const one = tracer.startSpan("one", { parent: remote });
    const two = tracer.startSpan("two", { parent: remote });
    one.end();
    two.setStatus(ERROR);
    two.end();
    assert.deepEqual(inner.names, ["one", "two"]);
  });

  it("decides interleaved concurrent traces independently", async () => {
    const { inner, tracer } = setup();
    const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
    const work = async (name: string, fail: boolean) => {
      const root = tracer.startSpan(name, { parent: null });
      for (let i = 0; i < 3; i++) {
        const step = tracer.startSpan(`${name}.${i}`, { parent: root });
        await tick();
        if (fail && i === 1) step.setStatus(ERROR);
        step.end();
      }
      root.end();
    };
    await Promise.all([work("a", false), work("b", true), work("c", false), work("d", true)]);
    const byTrace = new Map<string, string[]>();
    for (const span of inner.ended) {
      byTrace.set(span.traceId, [...byTrace.get(span.traceId) ?? [], span.name]);
    }
    assert.deepEqual([...byTrace.values()].sort(), [
      ["b.0", "b.1", "b.2", "b"],
      ["d.0", "d.1", "d.2", "d"],
    ]);
  });

  it("forceFlush flushes the inner processor and keeps open traces buffered", async () => {
    const { inner, tail, tracer } = setup();
    const root = tracer.startSpan("root", { parent: null });
    const child = tracer.startSpan("child", { parent: root });
    child.setStatus(ERROR);
    child.end();
    const report = await tracer.forceFlush();
    assert.deepEqual(inner.calls, ["forceFlush"]);
    assert.equal(report.exported, 0);
    assert.deepEqual(inner.names, []);
    assert.equal(tail.stats.bufferedSpans, 1);
    root.end();
    assert.deepEqual(inner.names, ["child", "root"]);
  });

  it("shutdown keeps every buffered trace (it may still fail), then shuts the inner processor down", async () => {
    const { inner, tail, tracer } = setup();
    const dropped = tracer.startSpan("dropped", { parent: null });
    dropped.end(); // decided: dropped
    const late = tracer.startSpan("late", { parent: dropped });
    const failed = tracer.startSpan("failed", { parent: null });
    const bad = tracer.startSpan("bad", { parent: failed });
    bad.setStatus(ERROR);
    bad.end();
    const quiet = tracer.startSpan("quiet", { parent: null });
    tracer.startSpan("fine", { parent: quiet }).end();
    const report = await tracer.shutdown();
    assert.deepEqual(inner.names, ["bad", "fine"], "nothing of an unfinished trace is lost");
    assert.deepEqual(inner.calls, ["shutdown"]);
    assert.deepEqual(report.dropped, { shutdown: 1 }, "the inner report is passed on");
    assert.deepEqual(tail.stats.decidedEarly, { shutdown: 2 });
    assert.equal(tail.stats.bufferedTraces, 0);
    failed.end(); // after shutdown: handed to the inner processor, which counts it
    quiet.end();
    late.end(); // its trace was dropped: still dropped
    assert.deepEqual(inner.names, ["bad", "fine", "failed", "quiet"]);
    assert.equal(await tail.shutdown(), await tail.shutdown(), "idempotent");
  });

  it("shutdown hands on more buffered spans than the inner queue holds, losing none", async () => {
    const { tracer, exported } = fiveThousandBuffered();
    const report = await tracer.shutdown();
    assert.equal(exported.length, 5000);
    assert.equal(new Set(exported).size, 5000);
    assert.deepEqual(report.dropped, {});
    assert.equal(report.exported, 5000, "the report counts the flushes between chunks too");
  });

  it("configure(): shutdown hands on in chunks the batch queue holds (a queue smaller than maxSpansPerTrace, a trace larger than the default queue)", () =>
    isolated(async () => {
      // 5 traces of 100 spans behind a queue of 256; 1 trace of 3000 behind the default 2048.
      for (
        const [batch, tailSampling, traces, perTrace] of [
          [{ maxQueueSize: 256 }, {}, 5, 100],
          [{}, { maxSpansPerTrace: 5000, maxBufferedSpans: 20_000 }, 1, 3000],
        ] as const
      ) {
        const storage = new MemoryStorage();
        const tracing = configure({
          storage,
          env: () => undefined,
          diagnostics: () => {},
          batch,
          tailSampling: { ...tailSampling, local: true },
        });
        const roots: Span[] = [];
        for (let r = 0; r < traces; r++) {
          const root = tracing.tracer.startSpan("request", { parent: null }) as Span; // running
          for (let i = 0; i < perTrace; i++) {
            tracing.tracer.startSpan("child", { parent: root }).end();
          }
          roots.push(root);
        }
        const report = await tracing.shutdown();
        let lines = 0;
        for (const root of roots) {
          const path = ["projects", "default", root.traceId, "spans.jsonl"];
          lines += (await storage.readLines(path)).length;
        }
        assert.deepEqual(report.dropped, {}, JSON.stringify(batch));
        assert.equal(lines, roots.length * perTrace, "every buffered span written");
      }
    }));

  it("shutdown past its deadline hands everything on at once and settles, counting every span", async () => {
    const { tracer, exported } = fiveThousandBuffered();
    const started = Date.now();
    const report = await tracer.shutdown(Date.now() - 1);
    assert.ok(Date.now() - started < 2000);
    assert.equal(report.exported, exported.length);
    assert.equal(report.exported + (report.dropped.queue_full ?? 0), 5000);
  });

  it("shutdown without a deadline stops chunking after a failed flush (collector down), counting every span", async () => {
    // An exporter whose collector never answers: each export fails at its deadline.
    let exports = 0;
    const exporter = {
      export: (spans: readonly SpanRecord[], options?: { deadline?: number }) => {
        exports++;
        const failed = { exported: 0, retried: 0, persisted: 0, dropped: {}, failed: spans.length };
        const wait = Math.max(0, (options?.deadline ?? Date.now()) - Date.now());
        return new Promise<FlushReport>((resolve) => setTimeout(resolve, wait, failed));
      },
    };
    const batch = new BatchSpanProcessor(exporter, { timers: false, exportTimeoutMillis: 300 });
    const tail = new TailSamplingProcessor(batch, { maxSpansPerTrace: 100 });
    const tracer = new Tracer({ processors: [tail] });
    openTraces(tracer, 20, 99);
    assert.equal(tail.stats.bufferedSpans, 1980);
    const started = Date.now();
    const report = await tracer.shutdown(); // 20 chunks: one export timeout each, before the fix
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.equal(report.failed + (report.dropped.queue_full ?? 0), 1980);
    assert.ok(exports > 0);
  });

  it("shutdown settles by its deadline when the inner flush never does, and shuts the inner down", async () => {
    const received: string[] = [];
    let shutdownCalls = 0;
    const inner: SpanProcessor = {
      onSpanEnd: (span) => void received.push(span.spanId),
      forceFlush: () => new Promise<FlushReport>(() => {}), // an exporter that hangs
      shutdown: () => {
        shutdownCalls++;
        return { exported: received.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
      },
    };
    const tail = new TailSamplingProcessor(inner, { maxSpansPerTrace: 10 });
    const tracer = new Tracer({ processors: [tail] });
    openTraces(tracer, 5, 8);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      tail.shutdown(Date.now() + 500).then((report) => report.exported),
      new Promise<string>((resolve) => timer = setTimeout(resolve, 3000, "not settled")),
    ]).finally(() => clearTimeout(timer));
    assert.equal(outcome, 40, "settled within 3 s with every span handed on");
    assert.equal(shutdownCalls, 1);
    assert.equal(new Set(received).size, 40);
  });

  it("shutdown counts the report of a handover flush still running at its deadline", async () => {
    // A healthy but slow collector: the flush running at the deadline exports, and the inner
    // queue counts the spans it has no room for; that flush takes the inner report with both.
    const exporter = new MemoryExporter();
    exporter.delayMs = 150;
    const batch = new BatchSpanProcessor(exporter, {
      timers: false,
      maxQueueSize: 200,
      maxExportBatchSize: 100,
    });
    const tail = new TailSamplingProcessor(batch, { maxSpansPerTrace: 100 });
    const tracer = new Tracer({ processors: [tail] });
    openTraces(tracer, 20, 99);
    assert.equal(tail.stats.bufferedSpans, 1980);
    const started = Date.now();
    const report = await tail.shutdown(Date.now() + 400);
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    const delivered = exporter.spans.length;
    assert.ok(delivered > 0 && delivered < 1980);
    assert.equal(report.exported, delivered, "every delivered span is counted");
    const dropped = Object.values(report.dropped).reduce((sum, n) => sum + n, 0);
    assert.equal(report.exported + report.failed + report.persisted + dropped, 1980);
  });

  it("a keep rule replaces the default and sees the root and the spans", () => {
    const seen: { root?: string; spans: string[]; complete: boolean }[] = [];
    const { inner, tracer } = setup({
      keep: ({ root, spans, complete }) => {
        seen.push({ root: root?.name, spans: spans.map((s) => s.name), complete });
        return root?.attributes["keep.me"] === true;
      },
    });
    const failed = tracer.startSpan("failed", { parent: null });
    failed.setStatus(ERROR);
    failed.end();
    tracer.withSpan("wanted", { parent: null, attributes: { "keep.me": true } }, () => {
      tracer.startSpan("inner").end();
    });
    assert.deepEqual(inner.names, ["inner", "wanted"]);
    assert.deepEqual(seen, [
      { root: "failed", spans: ["failed"], complete: true },
      { root: "wanted", spans: ["inner", "wanted"], complete: true },
    ]);
  });

  it("a throwing keep rule keeps the trace and is reported once", async () => {
    const { tracer, failures } = twoTracesUnder(() => {
      throw new Error("rule bug");
    });
    assert.equal(failures.length, 1);
    assert.equal(failures[0].level, "error");
    assert.equal((failures[0].cause as Error).message, "rule bug");
    await tracer.shutdown();
  });

  it("hands on spans of a trace it never saw start (installed mid-trace)", () => {
    const inner = new Inner();
    const tracer = new Tracer();
    const root = tracer.startSpan("root", { parent: null });
    tracer.addProcessor(new TailSamplingProcessor(inner));
    tracer.startSpan("child", { parent: root }).end();
    root.end();
    assert.deepEqual(inner.names, ["child", "root"], "undecided spans are not lost");
  });

  it("isolates a throwing inner processor", async () => {
    const tail = new TailSamplingProcessor({
      onSpanEnd: () => {
        throw new Error("inner bug");
      },
      forceFlush: () => Promise.reject(new Error("flush bug")),
    }, { ratio: 1 });
    const tracer = new Tracer({ processors: [tail] });
    const { list, restore } = captureDiagnostics();
    try {
      tracer.startSpan("root", { parent: null }).end();
      const report = await tail.forceFlush();
      assert.equal(report.exported, 0);
    } finally {
      restore();
    }
    assert.deepEqual(list.map((d) => d.code), ["processor_failed", "processor_failed"]);
  });

  it("takes bad numbers as the defaults, never an empty or unbounded buffer", () => {
    const { inner, tail, tracer } = setup({
      maxTraces: Number.NaN,
      maxSpansPerTrace: 0,
      maxBufferedSpans: -1,
      maxBufferedBytes: Infinity,
      slowMillis: Number.NaN,
      ratio: 7,
    });
    const root = tracer.startSpan("root", { parent: null });
    for (let i = 0; i < 50; i++) tracer.startSpan("c", { parent: root }).end();
    assert.equal(tail.stats.bufferedSpans, 50);
    root.end();
    assert.deepEqual(inner.names, [], "ratio 7 means the default 0");
  });

  it("frees memory by deciding traces that hold spans, never one that holds none", () => {
    const { inner, tail, tracer } = setup({ maxBufferedSpans: 5 });
    // Long requests that buffered nothing yet, then two busy traces filling the buffer.
    const idle = [0, 1, 2].map((i) => tracer.startSpan(`idle-${i}`, { parent: null }));
    const busyA = tracer.startSpan("busyA", { parent: null });
    const busyB = tracer.startSpan("busyB", { parent: null });
    for (let i = 0; i < 3; i++) tracer.startSpan(`A-${i}`, { parent: busyA }).end();
    for (let i = 0; i < 3; i++) tracer.startSpan(`B-${i}`, { parent: busyB }).end();
    assert.deepEqual(tail.stats.decidedEarly, { max_buffered_spans: 1 }, "busyA only");
    assert.equal(tail.stats.bufferedSpans, 3);
    for (const span of idle) {
      span.setStatus(ERROR);
      span.end();
    }
    busyA.end();
    busyB.end();
    assert.deepEqual(inner.names, ["idle-0", "idle-1", "idle-2"], "their failures are kept");
  });

  it("decides a trace whose local root's own end reaches a bound as complete, with that root", () => {
    const seen: unknown[] = [];
    const { inner, tail, tracer } = setup({
      maxSpansPerTrace: 3,
      keep: ({ root, spans, complete }) => {
        seen.push({ root: root?.name, spans: spans.map((s) => s.name), complete });
        return root?.attributes["important"] === true;
      },
    });
    const root = tracer.startSpan("root", { parent: null, attributes: { important: true } });
    tracer.startSpan("a", { parent: root }).end();
    tracer.startSpan("b", { parent: root }).end();
    root.end(); // the third span
    assert.deepEqual(seen, [{ root: "root", spans: ["a", "b", "root"], complete: true }]);
    assert.deepEqual(inner.names, ["a", "b", "root"]);
    assert.deepEqual(tail.stats.decidedEarly, {});

    // The default rule measures slowness on the root itself.
    const slow = setup({ maxSpansPerTrace: 2, slowMillis: 5000 });
    const long = slow.tracer.startSpan("long", { parent: null, startTime: Date.now() - 6000 });
    slow.tracer.startSpan("child", { parent: long }).end();
    long.end();
    assert.deepEqual(slow.inner.names, ["child", "long"]);
  });

  it("a bound on a trace with another local root running passes the ended root to the rule", () => {
    const seen: unknown[] = [];
    const { tracer } = setup({
      maxSpansPerTrace: 2,
      keep: ({ root, complete }) => (seen.push({ root: root?.name, complete }), false),
    });
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const one = tracer.startSpan("one", { parent: remote });
    tracer.startSpan("two", { parent: remote });
    tracer.startSpan("child", { parent: one }).end();
    one.end();
    assert.deepEqual(seen, [{ root: "one", complete: false }]);
  });

  it("a local root reopening a trace decided early is decided when every root has ended", () => {
    const { inner, tail, tracer } = setup({ maxTraces: 1 });
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const req1 = tracer.startSpan("req1", { parent: remote });
    tracer.startSpan("other", { parent: null }); // req1's trace is decided early: dropped
    const req2 = tracer.startSpan("req2", { parent: remote }); // buffers again
    req1.end();
    assert.equal(tail.stats.bufferedTraces, 1, "req2 still runs: not decided");
    const db = tracer.startSpan("req2-db", { parent: req2 });
    db.setStatus(ERROR);
    db.end();
    req2.end();
    assert.deepEqual(inner.names, ["req1", "req2-db", "req2"]);
  });

  it("pins the decision of a trace dropped early while its local root runs", () => {
    const { inner, tail, tracer } = setup({ maxSpansPerTrace: 3, maxTraces: 10 });
    const run = tracer.startSpan("long-run", { parent: null });
    for (let i = 0; i < 3; i++) tracer.startSpan(`step-${i}`, { parent: run }).end(); // dropped
    // Far more decisions than are remembered (4 × maxTraces).
    for (let i = 0; i < 200; i++) tracer.startSpan("req", { parent: null }).end();
    tracer.startSpan("step-3", { parent: run }).end();
    run.end();
    assert.deepEqual(inner.names, []);
    assert.equal(tail.stats.droppedSpans, 205);
  });

  it("keeps the rest of a trace dropped early when it fails after all (default rule)", () => {
    const { inner, tracer } = setup({ maxSpansPerTrace: 2 });
    const run = tracer.startSpan("run", { parent: null });
    tracer.startSpan("step-0", { parent: run }).end();
    tracer.startSpan("step-1", { parent: run }).end(); // decided early: dropped
    tracer.startSpan("step-2", { parent: run }).end();
    const failing = tracer.startSpan("step-3", { parent: run });
    failing.setStatus(ERROR);
    failing.end();
    run.end();
    assert.deepEqual(inner.names, ["step-3", "run"]);
  });

  it("remembers decisions at a cost that does not grow with maxTraces", () => {
    const { tracer } = setup({ maxTraces: 100_000 });
    // Past the 4 × maxTraces remembered decisions, each new one forgets the oldest.
    for (let i = 0; i < 400_100; i++) tracer.startSpan("r", { parent: null }).end();
    const started = Date.now();
    for (let i = 0; i < 100_000; i++) tracer.startSpan("r", { parent: null }).end();
    const took = Date.now() - started;
    // About 0.1 s here; forgetting through a Map's first key took about 4 s.
    assert.ok(took < 2000, `100 000 one-span traces took ${took} ms`);
  });

  it("an async keep rule keeps the trace and is reported once (a rule must be synchronous)", () => {
    const { failures: reported } = twoTracesUnder((() => Promise.resolve(false)) as never);
    assert.equal(reported.length, 1);
    assert.match(reported[0].message, /synchronously/);
  });

  it("keepTrace keeps a running trace now, and its later spans", () => {
    const { inner, tail, tracer } = setup();
    const root = tracer.startSpan("root", { parent: null });
    tracer.startSpan("before", { parent: root }).end();
    tail.keepTrace(root.traceId);
    assert.deepEqual(inner.names, ["before"]);
    tracer.startSpan("after", { parent: root }).end();
    root.end();
    assert.deepEqual(inner.names, ["before", "after", "root"]);
    assert.deepEqual(tail.stats.decidedEarly, { keep_trace: 1 });
  });

  it("a new local root of a trace kept by keepTrace follows it (the trace is counted once)", () => {
    const { inner, tail, tracer } = setup();
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const run = tracer.startSpan("run", { parent: remote });
    tail.keepTrace(run.traceId);
    const server = tracer.startSpan("server", { parent: remote }); // a second local root
    tracer.startSpan("after-keep", { parent: run }).end();
    server.end();
    run.end();
    assert.deepEqual(inner.names, ["after-keep", "server", "run"]);
    assert.equal(tail.stats.keptTraces, 1);
    assert.equal(tail.stats.droppedTraces, 0);
  });

  it("a failed trace kept early stays kept when another local root of it starts", () => {
    const { inner, tail, tracer } = setup({ maxSpansPerTrace: 2 });
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const run = tracer.startSpan("run", { parent: remote });
    const failed = tracer.startSpan("failed-step", { parent: run });
    failed.setStatus(ERROR);
    failed.end();
    tracer.startSpan("step", { parent: run }).end(); // decided early: kept (an error)
    const server = tracer.startSpan("server", { parent: remote });
    tracer.startSpan("step-2", { parent: run }).end();
    server.end();
    run.end();
    assert.deepEqual(inner.names, ["failed-step", "step", "step-2", "server", "run"]);
    assert.deepEqual([tail.stats.keptTraces, tail.stats.droppedTraces], [1, 0]);
  });

  it("a local root reopening a trace dropped early is the newest trace for maxTraces", () => {
    // The rule keeps only whole traces: one decided early is dropped.
    const { inner, tail, tracer } = setup({
      maxTraces: 2,
      maxSpansPerTrace: 2,
      keep: (trace) => trace.complete,
    });
    const remote: SpanContext = {
      traceId: newTraceId(),
      spanId: "00f067aa0ba902b7",
      traceFlags: 1,
    };
    const req1 = tracer.startSpan("req1", { parent: remote });
    tracer.startSpan("step-1", { parent: req1 }).end();
    tracer.startSpan("step-2", { parent: req1 }).end(); // decided early: dropped
    const other = tracer.startSpan("other", { parent: null });
    const req2 = tracer.startSpan("req2", { parent: remote }); // buffers again, newer than other
    tracer.startSpan("third", { parent: null }).end(); // 3 traces: the oldest, other, is decided
    other.end();
    req2.end();
    req1.end();
    assert.deepEqual(inner.names, ["third", "req2", "req1"]);
    assert.deepEqual(tail.stats.decidedEarly, { max_spans_per_trace: 1, max_traces: 1 });
    // Each trace once: req1's (dropped first), other (dropped), third (kept).
    assert.deepEqual([tail.stats.keptTraces, tail.stats.droppedTraces], [1, 2]);
  });

  it("keepTrace on traces never seen does not push real decisions out", () => {
    const { inner, tail, tracer } = setup({ maxTraces: 1 }); // 4 decisions remembered
    const root = tracer.startSpan("root", { parent: null });
    const late = tracer.startSpan("late", { parent: root });
    root.end(); // dropped
    for (let i = 0; i < 10; i++) tail.keepTrace(newTraceId());
    late.end();
    assert.deepEqual(inner.names, []);
    assert.equal(tail.stats.droppedSpans, 2);
  });
});

describe("configure({ tailSampling })", () => {
  it("exports only kept traces over OTLP; local JSONL keeps every span unless local: true", {
    skip: isWorkerd,
  }, async () => {
    const receiver = await OtlpReceiver.start();
    try {
      await isolated(async () => {
        for (const local of [false, true]) {
          const storage = new MemoryStorage();
          const tracing = configure({
            storage,
            env: () => undefined,
            otlp: { endpoint: receiver.url },
            tailSampling: { slowMillis: 60_000, local },
          });
          const { tracer } = tracing;
          const fast = tracer.startSpan("fast", { parent: null });
          tracer.startSpan("fast-child", { parent: fast }).end();
          fast.end();
          const failed = tracer.startSpan("failed", { parent: null });
          const tool = tracer.startSpan("tool", { parent: failed });
          tool.recordException(new Error("tool failed"));
          tool.end();
          failed.end();
          const before = receiver.requests.length;
          await tracing.forceFlush();
          const ids = receiver.requests.slice(before).flatMap((r) => r.accepted);
          assert.deepEqual(ids.sort(), [tool.spanId, failed.spanId].sort(), `local ${local}`);
          const lines = async (span: SpanRecord) =>
            (await storage.readLines(["projects", "default", span.traceId, "spans.jsonl"])).length;
          assert.equal(await lines(fast), local ? 0 : 2, `fast trace JSONL, local ${local}`);
          assert.equal(await lines(failed), 2);
          await tracing.shutdown();
        }
      });
    } finally {
      await receiver.close();
    }
  });

  it("local: true samples the local JSONL lines (no exporter needed, runs on workerd too)", async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const tracing = configure({ storage, env: () => undefined, tailSampling: { local: true } });
      const fast = tracing.tracer.startSpan("fast", { parent: null });
      fast.end();
      const failed = tracing.tracer.startSpan("failed", { parent: null });
      failed.recordException(new Error("no"));
      failed.end();
      const report = await tracing.forceFlush();
      assert.equal(report.exported, 1);
      const lines = (span: SpanRecord) =>
        storage.readLines(["projects", "default", span.traceId, "spans.jsonl"]);
      assert.equal((await lines(fast)).length, 0);
      assert.equal((await lines(failed)).length, 1);
      await tracing.shutdown();
    });
  });

  it("does not wrap anything without tailSampling or with tailSampling: false", async () => {
    await isolated(() => {
      for (const tailSampling of [undefined, false] as const) {
        const { tracer } = configure({
          storage: new MemoryStorage(),
          env: () => undefined,
          otlp: { endpoint: "http://127.0.0.1:1/v1/traces" },
          tailSampling,
        });
        assert.ok(!tracer.processors.some((p) => p instanceof TailSamplingProcessor));
      }
      const { tracer } = configure({
        storage: new MemoryStorage(),
        env: () => undefined,
        otlp: { endpoint: "http://127.0.0.1:1/v1/traces" },
        tailSampling: {},
      });
      assert.equal(tracer.processors.filter((p) => p instanceof TailSamplingProcessor).length, 1);
    });
  });

  it("shutdown writes every buffered span, more than the batch queue holds", async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const tracing = configure({ storage, env: () => undefined, tailSampling: { local: true } });
      const roots = openTraces(tracing.tracer, 5, 600); // still running
      const report = await tracing.shutdown();
      assert.deepEqual(report.dropped, {});
      assert.equal(await traceLineCount(storage, roots), 3000);
    });
  });

  it("configure() called again mid-trace loses no span of a failed trace", async () => {
    await isolated(async () => {
      const first = new MemoryStorage();
      const t1 = configure({ storage: first, env: () => undefined, tailSampling: { local: true } });
      const root = t1.tracer.startSpan("request", { parent: null });
      t1.tracer.startSpan("db-query", { parent: root }).end(); // buffered by the first pipeline
      const second = new MemoryStorage();
      const t2 = configure({
        storage: second,
        env: () => undefined,
        tailSampling: { local: true },
      });
      const payment = t1.tracer.startSpan("payment", { parent: root });
      payment.recordException(new Error("card declined"));
      payment.end();
      root.end();
      await t1.shutdown();
      await t2.forceFlush();
      const names = async (storage: MemoryStorage) =>
        (await storage.readLines(["projects", "default", root.traceId, "spans.jsonl"]))
          .map((line) => JSON.parse(line).name as string);
      const all = [...await names(first), ...await names(second)];
      assert.deepEqual(all.sort(), ["db-query", "payment", "request"]);
      await t2.shutdown();
    });
  });

  it("your TailSamplingProcessor kept across configure() decides a trace whose root ends after", async () => {
    await isolated(async () => {
      const inner = new Inner();
      const tail = new TailSamplingProcessor(inner, { ratio: 1 });
      const options = { storage: new MemoryStorage(), env: () => undefined, processors: [tail] };
      const t1 = configure({ ...options, local: false });
      const root = t1.tracer.startSpan("request", { parent: null });
      const t2 = configure({ ...options, local: false });
      root.end(); // reaches the tail through the new tracer, which did not see it start
      assert.deepEqual(inner.names, ["request"]);
      assert.equal(tail.stats.bufferedTraces, 0);
      await t2.shutdown();
    });
  });

  it("pushUpdate() sends the run's snapshot at once and keeps the run's trace", async () => {
    await isolated(async () => {
      const storage = new MemoryStorage();
      const tracing = configure({ storage, env: () => undefined, tailSampling: { local: true } });
      let runId = "";
      await run("training", {}, async (r) => {
        runId = r.runId;
        logMetric("loss", 0.5);
        await pushUpdate();
        const lines = await storage.readLines(["projects", "default", runId, "spans.jsonl"]);
        assert.deepEqual(lines.map((line) => JSON.parse(line).name), ["training.update"]);
      });
      await tracing.forceFlush();
      const lines = await storage.readLines(["projects", "default", runId, "spans.jsonl"]);
      assert.equal(lines.length, 2, "the fast, successful run is kept whole");
      await tracing.shutdown();
    });
  });

  it("forceFlush with a deadline reaches every sampled exporter", {
    skip: isWorkerd,
  }, async () => {
    const receiver = await OtlpReceiver.start();
    try {
      await isolated(async () => {
        receiver.plan({ stall: true });
        const tracing = configure({
          storage: new MemoryStorage(),
          env: () => undefined,
          otlp: { endpoint: receiver.url },
          batch: { exportTimeoutMillis: 10_000 },
          tailSampling: { local: true }, // JSONL and OTLP behind one tail sampler
        });
        const failed = tracing.tracer.startSpan("failed", { parent: null });
        failed.setStatus(ERROR);
        failed.end();
        const tail = tracing.tracer.processors.find((p) => p instanceof TailSamplingProcessor)!;
        const started = Date.now();
        await tail.forceFlush!(started + 200);
        const took = Date.now() - started;
        assert.ok(took < 3000, `settled in ${took} ms with a 200 ms deadline`);
        await tracing.shutdown(Date.now() + 200);
      });
    } finally {
      await receiver.close();
    }
  });

  it("rejects malformed tailSampling options with INVALID_CONFIG naming the option", async () => {
    const cases: [unknown, string][] = [
      [true, "`tailSampling` must be false or tail-sampling options"],
      ["on", "`tailSampling` must be false or tail-sampling options"],
      [{ ratio: 1.5 }, "`tailSampling.ratio` must be a number from 0 to 1"],
      [{ ratio: Number.NaN }, "`tailSampling.ratio` must be a number from 0 to 1"],
      [{ slowMillis: -1 }, "`tailSampling.slowMillis` must be a finite number >= 0"],
      [{ slowMillis: Infinity }, "`tailSampling.slowMillis` must be a finite number >= 0"],
      [{ keep: "errors" }, "`tailSampling.keep` must be a function"],
      [{ maxTraces: 0 }, "`tailSampling.maxTraces` must be an integer >= 1"],
      [{ maxSpansPerTrace: 2.5 }, "`tailSampling.maxSpansPerTrace` must be an integer >= 1"],
      [{ maxBufferedSpans: "9" }, "`tailSampling.maxBufferedSpans` must be an integer >= 1"],
      [{ maxBufferedBytes: -5 }, "`tailSampling.maxBufferedBytes` must be an integer >= 1"],
      [{ local: "yes" }, "`tailSampling.local` must be a boolean"],
    ];
    await isolated(() => {
      for (const [tailSampling, message] of cases) {
        assert.throws(
          () =>
            configure({
              storage: new MemoryStorage(),
              env: () => undefined,
              tailSampling: tailSampling as never,
            }),
          (error: unknown) =>
            (error as { code?: string }).code === "INVALID_CONFIG" &&
            (error as Error).message.includes(message),
          JSON.stringify(tailSampling),
        );
      }
    });
  });
});
