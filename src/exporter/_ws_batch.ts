/**
 * One export's spans in the WebSocket exporter: its report, and how many of its spans are still
 * waiting (queued for the connection, or sent and not yet written out by the socket).
 *
 * @module
 */
import { addDropped } from "../processor/report.ts";
import type { FlushReport } from "../types.ts";

/** An export whose spans are counted as they are sent, dropped or failed. */
export interface Batch {
  /** What happened to its spans so far. */
  readonly report: FlushReport;
  /** Its spans not counted yet. */
  pending: number;
  /** Resolves the export; called once no span is pending. */
  done(): void;
}

/**
 * Counts `count` spans of `batch` as `outcome` (`exported`, `failed` or a drop reason) and resolves
 * its export once none is pending. A batch already settled is left alone.
 *
 * @param batch The export.
 * @param outcome `exported`, `failed`, or why the spans were dropped.
 * @param count How many spans.
 */
export function settleBatch(batch: Batch, outcome: string, count = 1): void {
  if (count <= 0 || batch.pending <= 0) return;
  if (outcome === "exported") batch.report.exported += count;
  else if (outcome === "failed") batch.report.failed += count;
  else addDropped(batch.report, outcome, count);
  batch.pending -= count;
  if (batch.pending === 0) batch.done();
}
