/**
 * One export of a `BatchTraceProcessor`: a batch handed to its {@linkcode TracingExporter} with
 * controllers of its own, waited for within a time limit, and what it delivered counted.
 *
 * @internal
 * @module
 */
import { report } from "../diagnostics.ts";
import { numberAtLeast } from "../number_option.ts";
import { isPromiseLike } from "../promise_like.ts";
import { settlesWithin } from "../settles_within.ts";
import type { AbortGroup } from "./_abort_group.ts";
import { exportWaitMs, reportExportTimeout } from "./_batch_deadline.ts";
import type { SpanView, TraceView } from "./processors.ts";
import type { TracingExporter } from "./tracing_exporter.ts";

/**
 * What one export runs with: the processor's exporter, its controller groups and time limit, and
 * where items lost are counted.
 *
 * @internal
 */
export interface BatchExportTarget {
  /** Where the batch goes. */
  readonly exporter: TracingExporter;
  /** The `signal` controllers of the exports in progress (aborted at the shutdown deadline). */
  readonly stops: AbortGroup;
  /** The `hurry` controllers of the exports in progress (aborted when a shutdown starts). */
  readonly hurries: AbortGroup;
  /** The processor's longest export without a deadline, in ms. */
  readonly exportTimeoutMillis: number;
  /**
   * Counts items as failed (not delivered); may be called after the export was given up on.
   *
   * @param count How many.
   */
  readonly fail: (count: number) => void;
}

/**
 * Exports one batch with controllers of its own, and waits for it until half a second past its
 * deadline (`exportTimeoutMillis` from now without one): an export that never settles (an
 * exporter that ignores its signal) must not hold up the exports after it. One given up on keeps
 * its controllers until it settles, so a shutdown still aborts it. Never rejects. The items the
 * exporter says it gave up on (`lost`), and a batch whose exporter throws or rejects, are
 * counted as failed.
 *
 * @param target The processor's exporter, controllers, time limit and failure count.
 * @param batch The traces and spans to export.
 * @param deadline The flush's or shutdown's epoch-ms deadline, if any.
 * @returns How many items it delivered: those of an export that settled in time without an
 *   error, but for the ones the exporter gave up on.
 * @internal
 */
export async function exportBatch(
  target: BatchExportTarget,
  batch: (TraceView | SpanView)[],
  deadline: number | undefined,
): Promise<number> {
  const stop = target.stops.open();
  const hurry = target.hurries.open();
  const release = (): void => {
    target.stops.release(stop);
    target.hurries.release(hurry);
  };
  let lost = 0;
  const onLost = (count: number): void => {
    const n = Math.min(Math.floor(numberAtLeast(count, 0, 0)), batch.length - lost);
    lost += n;
    target.fail(n);
  };
  let settled: Promise<void> | undefined;
  try {
    const result = target.exporter.export(batch, stop.signal, deadline, hurry.signal, onLost);
    if (!isPromiseLike(result)) return batch.length - lost;
    settled = Promise.resolve(result).finally(release);
    const ms = exportWaitMs(deadline, target.exportTimeoutMillis);
    if (await settlesWithin(settled, ms)) return batch.length - lost;
    reportExportTimeout(ms, batch.length);
  } catch (error) {
    report(
      "error",
      "agent_export_failed",
      `A trace exporter failed: ${batch.length} traces and spans dropped`,
      error,
    );
    onLost(batch.length);
  } finally {
    if (settled === undefined) release(); // no promise (or a throw): the export is over
  }
  return 0;
}
