/**
 * Retiring a pipeline when `configure()` is called again. The old tracer's processors are flushed
 * and shut down, and the old tracer keeps working: spans it still starts or ends (started before
 * the new configuration, or later through a kept reference to it or a parent of its own) go to
 * the current pipeline instead of being dropped by shut-down processors. Until the old processors
 * have shut down, the current configuration's `forceFlush()` and `shutdown()` (and so the exit
 * flush) wait for them too, so `await tracing.shutdown()` also delivers what the replaced pipeline
 * still had queued: up to their deadline, and for at most 30 s from the retirement without one. A
 * retirement not over by then is reported once (`retirement_timeout`) and no longer waited for.
 *
 * @module
 */
import { report } from "./diagnostics.ts";
import { getTracer } from "./global.ts";
import { notify, settleAll } from "./processor/fan_out.ts";
import type { SpanProcessor } from "./processor/types.ts";
import type { Span } from "./span.ts";
import type { Tracer } from "./tracer.ts";
import type { FlushReport, SpanRecord } from "./types.ts";
import { emptyReport, mergeReport } from "./processor/report.ts";
import { settlesWithin } from "./settles_within.ts";

const retired = new WeakMap<Tracer, Promise<FlushReport>>();
/**
 * Retirements still running, in the order they began, each with the epoch ms after which it is
 * no longer waited for.
 */
const running = new Map<Promise<FlushReport>, number>();
/** How long a retirement is waited for (the default export timeout). */
let retirementMs = 30_000;
/** Retirements whose report was asked for through {@linkcode retirement}. */
const claimed = new WeakSet<Promise<FlushReport>>();
/** Tracers whose own handle's `shutdown()` was called: their final report is already given out. */
const shutDownByHandle = new WeakSet<Tracer>();
/** What the retirements that ended reported, not yet added to a report in any way. */
let unclaimed: FlushReport | undefined;

/**
 * Retires a replaced tracer: from now on it hands every span that starts or ends to the current
 * default tracer's processors (`getTracer()`), and its own processors are shut down, except those
 * the new pipeline uses too (your `processors`, when passed to both configurations). Idempotent.
 *
 * @param tracer The replaced tracer.
 * @param keep Processors that live on in the new pipeline.
 * @returns The final report of the retired processors; never rejects.
 */
export function retireTracer(tracer: Tracer, keep: readonly SpanProcessor[]): Promise<FlushReport> {
  const done = retired.get(tracer);
  if (done !== undefined) return done;
  const old = tracer.processors.filter((processor) => !keep.includes(processor));
  tracer.setProcessors([{
    onSpanStart: (span) => startOver(tracer, span),
    onSpanEnd: (span) => handOver(tracer, span),
  }]);
  const ending = settleAll(old, "shutdown");
  retired.set(tracer, ending);
  // Shut down before: the processors' final report (returned again) was that shutdown's.
  if (shutDownByHandle.has(tracer)) claimed.add(ending);
  dropOverdue();
  running.set(ending, Date.now() + retirementMs);
  void ending.then((result) => {
    running.delete(ending);
    if (!claimed.has(ending)) unclaimed = mergeReport(unclaimed ?? emptyReport(), result);
  });
  return ending;
}

/**
 * Waits for the retirements still running: until one second past `deadline` (as `settleAll`
 * does), and at most until 30 s after the latest began. A retirement 30 s old is reported and no
 * longer waited for, so none piles up. Then adds to `total` the reports of the retirements that
 * ended since the last call, except those already asked for through {@linkcode retirement}.
 *
 * @param total The report to add to.
 * @param deadline Epoch-ms limit.
 * @returns `total`; never rejects.
 */
export async function awaitRetirements(
  total: FlushReport,
  deadline?: number,
): Promise<FlushReport> {
  dropOverdue();
  if (running.size > 0) {
    let until = 0;
    for (const limit of running.values()) until = Math.max(until, limit);
    if (deadline! < Infinity) until = Math.min(until, deadline! + 1000);
    await settlesWithin(Promise.all(running.keys()), until - Date.now());
    dropOverdue();
  }
  const ended = unclaimed;
  unclaimed = undefined;
  return mergeReport(total, ended);
}

/**
 * The final report of a retired tracer's processors, for its own configuration's handle (so
 * {@linkcode awaitRetirements} does not count it a second time unless it had ended before).
 *
 * @param tracer A tracer.
 * @returns The report, or undefined when the tracer was not retired.
 */
export function retirement(tracer: Tracer): Promise<FlushReport> | undefined {
  const report = retired.get(tracer);
  if (report !== undefined) claimed.add(report);
  return report;
}

/**
 * Records that a configuration's own `shutdown()` was called on its tracer, which gives out its
 * processors' final report: retiring that tracer later does not add the report to the next
 * configuration's counts a second time.
 *
 * @param tracer The configuration's tracer.
 */
export function shutDownByItsHandle(tracer: Tracer): void {
  shutDownByHandle.add(tracer);
}

/**
 * Sets how long a retirement is waited for (for tests).
 *
 * @param ms Milliseconds.
 * @returns The previous value.
 * @internal
 */
export function setRetirementWait(ms: number): number {
  const previous = retirementMs;
  retirementMs = ms;
  return previous;
}

/** Stops waiting for the retirements past their time (the oldest come first), each reported. */
function dropOverdue(): void {
  const now = Date.now();
  for (const [ending, until] of running) {
    if (until > now) return;
    running.delete(ending);
    report(
      "warn",
      "retirement_timeout",
      "A pipeline replaced by configure() did not shut down in time: flushes no longer wait for it",
    );
  }
}

/**
 * A span started on the retired tracer (the parent's tracer: a trace begun before `configure()`,
 * or a kept reference) starts for the current processors too, which will see it end: without
 * this an agent processor got `onSpanEnd` with no `onSpanStart`.
 */
function startOver(from: Tracer, span: Span): void {
  const current = getTracer();
  if (current !== from) notify(current.processors, "onSpanStart", span);
}

function handOver(from: Tracer, span: SpanRecord): void {
  const current = getTracer();
  // Never back to itself (someone reinstalled the retired tracer): that would loop. A tracer
  // only ever notifies `onSpanEnd` with its own spans, so `span` is a Span.
  if (current !== from) current.spanEnded(span as Span);
}
