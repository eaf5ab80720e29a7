/**
 * What a `BatchTraceProcessor` drops, and what it says about it: the traces and spans it could
 * not queue or export, counted by reason as the core `BatchSpanProcessor` counts spans in its
 * `FlushReport` (`queue_full`, `too_large`, `shutdown`, `deadline`), with their diagnostics: a
 * full queue once until it drains, an item too large for the queue at most once a minute, an item
 * that came after the shutdown once per processor, what a shutdown deadline left.
 *
 * @internal
 * @module
 */
import { report } from "../diagnostics.ts";
import { addDropped, emptyReport } from "../processor/report.ts";
import type { FlushReport } from "../types.ts";

/** Shortest time between two `agent_item_too_large` diagnostics. */
const TOO_LARGE_INTERVAL_MS = 60_000;

/** The drop counts of one `BatchTraceProcessor`, and their diagnostics. */
export class BatchDrops {
  /** Dropping since the queue was last drained below its bounds (reported once). */
  #dropping = false;
  /** When an item too large for the queue was last reported. */
  #tooLargeAt = -Infinity;
  /** Items dropped, by reason in `dropped` (the core `BatchSpanProcessor`'s reasons). */
  readonly #drops: FlushReport = emptyReport();
  /** Items dropped since {@linkcode BatchDrops.take} was last called, by reason. */
  #fresh: Record<string, number> = {};

  /** A copy of the counts by reason; a reason appears once something was dropped for it. */
  get dropped(): Readonly<Record<string, number>> {
    return { ...this.#drops.dropped };
  }

  /**
   * The items dropped since the last call, by reason, and counting anew.
   *
   * @returns The counts by reason (a processor's `FlushReport.dropped`).
   */
  take(): Record<string, number> {
    const fresh = this.#fresh;
    this.#fresh = {};
    return fresh;
  }

  #add(reason: string, count: number): void {
    addDropped(this.#drops, reason, count);
    if (count > 0) this.#fresh[reason] = (this.#fresh[reason] ?? 0) + count;
  }

  /**
   * Counts one item queued after `shutdown()` began (`shutdown`), and reports the first one
   * (`agent_queue_closed`): it is never exported.
   */
  afterShutdown(): void {
    this.#add("shutdown", 1);
    if (this.#drops.dropped.shutdown === 1) {
      report(
        "warn",
        "agent_queue_closed",
        "A trace or span reached a BatchTraceProcessor that was shut down: dropped, as every " +
          "later one will be (counted in BatchTraceProcessor.dropped as shutdown; reported once " +
          "per processor). Add a new processor to go on exporting",
      );
    }
  }

  /**
   * Counts one item that did not fit in the queue (`queue_full`), and reports it
   * (`agent_queue_full`) unless it was reported since the queue last drained.
   */
  queueFull(): void {
    this.#add("queue_full", 1);
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

  /**
   * Counts one item larger on its own than the whole queue may hold (`too_large`), and reports
   * it (`agent_item_too_large`, at most once a minute, with the count so far).
   *
   * @param bytes Its estimated size (at least that much).
   * @param maxQueueBytes The queue's bound.
   */
  tooLarge(bytes: number, maxQueueBytes: number): void {
    this.#add("too_large", 1);
    const now = Date.now();
    if (now - this.#tooLargeAt < TOO_LARGE_INTERVAL_MS) return;
    this.#tooLargeAt = now;
    report(
      "warn",
      "agent_item_too_large",
      `A trace or span of about ${bytes} estimated bytes is larger than the whole queue ` +
        `(maxQueueBytes ${maxQueueBytes}): dropped (${this.#drops.dropped.too_large} dropped so ` +
        "far, counted in BatchTraceProcessor.dropped as too_large; raise maxQueueBytes to keep " +
        "such items)",
    );
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
      this.#add("deadline", left);
      report(
        "warn",
        "agent_queue_dropped",
        `${left} traces and spans were not exported before the shutdown deadline: dropped`,
      );
    }
  }
}
