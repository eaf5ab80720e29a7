/**
 * What a `BatchTraceProcessor` drops, and what it says about it: the traces and spans it could
 * not queue or export, counted by reason as the core `BatchSpanProcessor` counts spans in its
 * `FlushReport` (`queue_full`, `shutdown`, `deadline`), with the diagnostics of a full queue
 * (once until it drains) and of a shutdown deadline.
 *
 * @internal
 * @module
 */
import { report } from "../diagnostics.ts";
import { addDropped, emptyReport } from "../processor/report.ts";
import type { FlushReport } from "../types.ts";

/** The drop counts of one `BatchTraceProcessor`, and their diagnostics. */
export class BatchDrops {
  /** Dropping since the queue was last drained below its bounds (reported once). */
  #dropping = false;
  /** Items dropped, by reason in `dropped` (the core `BatchSpanProcessor`'s reasons). */
  readonly #drops: FlushReport = emptyReport();

  /** A copy of the counts by reason; a reason appears once something was dropped for it. */
  get dropped(): Readonly<Record<string, number>> {
    return { ...this.#drops.dropped };
  }

  /** Counts one item queued after `shutdown()` began (`shutdown`). */
  afterShutdown(): void {
    addDropped(this.#drops, "shutdown", 1);
  }

  /**
   * Counts one item that did not fit in the queue (`queue_full`), and reports it
   * (`agent_queue_full`) unless it was reported since the queue last drained.
   */
  queueFull(): void {
    addDropped(this.#drops, "queue_full", 1);
    if (!this.#dropping) {
      this.#dropping = true;
      report(
        "warn",
        "agent_queue_full",
        "Trace queue is full: dropping new traces and spans until it drains " +
          `(${this.#drops.dropped.queue_full} dropped so far, counted in BatchTraceProcessor.dropped)`,
      );
    }
  }

  /** The queue is below its bounds again: the next item that does not fit is reported. */
  drained(): void {
    this.#dropping = false;
  }

  /**
   * Counts the items still queued at the shutdown deadline (`deadline`), and reports them
   * (`agent_queue_dropped`) when there are any.
   *
   * @param left How many items were dropped.
   */
  atDeadline(left: number): void {
    if (left > 0) {
      addDropped(this.#drops, "deadline", left);
      report(
        "warn",
        "agent_queue_dropped",
        `${left} traces and spans were not exported before the shutdown deadline: dropped`,
      );
    }
  }
}
