/**
 * The Workers preset's account of dropped spans at the end of each invocation's flush. The
 * processors and exporters tell drops at most once a minute (`queue_full`, `export_failed`): the
 * count they tell is of the drops before it, and the rest is told a minute later. A Workers
 * isolate has no timers and may be evicted any time, so that correction may never be told: a
 * cron run that dropped thousands of spans logged `1 span(s) dropped`. The flush report holds
 * every drop since the previous flush; this tells them, each invocation.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { droppedTotal } from "../processor/report.ts";
import type { FlushReport } from "../types.ts";

/**
 * Reports (`worker_spans_dropped`, a warning) the spans a flush report counts as dropped, by
 * reason, when there are any. Never throws.
 *
 * @param flushed The invocation's flush report (what `onFlush` receives).
 */
export function reportFlushDrops(flushed: FlushReport): void {
  const total = droppedTotal(flushed);
  if (!(total > 0)) return;
  const reasons: string[] = [];
  for (const reason in flushed.dropped) {
    const count = flushed.dropped[reason];
    if (count > 0) reasons.push(`${reason} ${count}`);
  }
  report(
    "warn",
    "worker_spans_dropped",
    `${total} span(s) dropped since the last flush (${reasons.join(", ")})`,
  );
}
