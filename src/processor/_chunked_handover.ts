/**
 * Hands many spans to a processor whose queue is smaller (tail sampling's buffer at shutdown
 * against a batch queue of 2048), in chunks, flushing it between chunks within a time limit, then
 * shuts it down. Used by `TailSamplingProcessor.shutdown`.
 *
 * @module
 */
import { settlesWithin } from "../settles_within.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { estimateSpanBytes } from "./span_bytes.ts";
import { emptyReport, mergeReport } from "./report.ts";

/** How long a handover without a deadline may take: one default export timeout. */
const HANDOVER_MS = 30_000;

/** The receiving processor, as the handover uses it. */
export interface HandoverTarget {
  /** Passes one span on. */
  forward(span: SpanRecord): void;
  /** Calls the processor's `forceFlush` or `shutdown`; never rejects. */
  settle(method: "forceFlush" | "shutdown", deadline?: number): Promise<FlushReport>;
}

/**
 * Hands `spans` on in chunks of at most `maxSpans` spans and `maxBytes` (estimated), flushing the
 * target between chunks until `deadline` (without one, for 30 s in all). After a flush that does not
 * settle by then, fails spans or delivers none (an unreachable collector), the rest goes on at
 * once; then the target is shut down with `deadline` as given. The report of a flush still running
 * then counts too: it is waited for while the shutdown runs, and to the time limit.
 *
 * @returns What the target reported for those flushes and its shutdown; always resolves.
 */
export async function handOverInChunks(
  spans: readonly SpanRecord[],
  maxSpans: number,
  maxBytes: number,
  target: HandoverTarget,
  deadline?: number,
): Promise<FlushReport> {
  const result = emptyReport();
  const until = deadline! < Infinity ? deadline! : Date.now() + HANDOVER_MS;
  let lateFlush: Promise<FlushReport> | undefined;
  /** Flushes between two chunks; whether to go on chunking (waiting longer would not help). */
  const flushChunk = async (): Promise<boolean> => {
    if (!(Date.now() < until)) return false;
    const flush = target.settle("forceFlush", until);
    if (!await settlesWithin(flush, until - Date.now())) {
      lateFlush = flush; // its report is merged at the end (the target's, so far)
      return false;
    }
    const flushed = await flush;
    mergeReport(result, flushed);
    return flushed.failed === 0 && flushed.exported + flushed.persisted > 0;
  };
  let count = 0, bytes = 0, chunking = true;
  for (const span of spans) {
    const size = estimateSpanBytes(span);
    if (chunking && count > 0 && (count >= maxSpans || bytes + size > maxBytes)) {
      chunking = await flushChunk();
      count = bytes = 0;
    }
    count++;
    bytes += size;
    target.forward(span);
  }
  // A flush that did not settle in time still takes the target's report (what it exported and
  // dropped meanwhile): it is waited for while the shutdown runs, and to `until`.
  const closing = target.settle("shutdown", deadline);
  let lateReport: FlushReport | undefined;
  const late = lateFlush?.then((report) => lateReport = report);
  if (late) {
    await Promise.race([late, Promise.all([closing, settlesWithin(late, until - Date.now())])]);
  }
  mergeReport(result, lateReport);
  return mergeReport(result, await closing);
}
