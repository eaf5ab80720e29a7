/**
 * Parking an undeliverable batch in a storage adapter's durable outbox: stored with its body as
 * sent (gzip, marked in its content type: `_outbox_encoding.ts`), no headers, tagged with the exporter's destination, due after the policy's first
 * backoff (at least the server's `Retry-After`), and counted as persisted; what the outbox's
 * bounds refused, evicted or expired is counted dropped, an entry a drain is holding left to that
 * drain (`_outbox_deliveries.ts`).
 *
 * @module
 */
import { addDropped } from "../processor/report.ts";
import { safeString } from "../safe_string.ts";
import { tagContentType } from "../storage/_destination.ts";
import type { Outbox, OutboxInput } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import { countRemoved, OUTBOX_FULL } from "./_outbox_deliveries.ts";
import type { OutboxRetryPolicy } from "./_outbox_policy.ts";

/** The outcome of {@linkcode parkBatch}. */
export interface ParkResult {
  /** The entry's not-before time, when it was stored. */
  readonly notBefore?: number;
  /** A problem worth a diagnostic: `outbox_full` or `outbox_failed`. */
  readonly problem?: { readonly code: string; readonly message: string };
}

/**
 * Stores an undeliverable batch in the outbox (body as sent, no headers), counting it as
 * persisted, and counting what the outbox's bounds refused or evicted as dropped
 * (`outbox_too_large`, `outbox_full`) and what it removed for its age as `outbox_expired`. An
 * evicted entry that a drain in this process is redelivering right then (or was, when the
 * enqueue's result arrives late) is counted once: exported if the attempt succeeds, else dropped.
 * An outbox that fails to write counts the batch as failed (and has evicted nothing).
 *
 * @param outbox The outbox.
 * @param batch The batch: body, content type, span count and reason.
 * @param destination The exporter's destination tag (`destinationTag` of its URL).
 * @param retryAfterMillis The server's `Retry-After`, if any (a lower bound of the first delay).
 * @param policy Retry policy (its initial backoff is the first delay).
 * @param report Receives persisted / dropped / failed counts.
 * @returns The not-before time, or the problem to report.
 * @example
 * ```ts
 * import { parkBatch } from "./_outbox_park.ts";
 * import { outboxRetryPolicy } from "./_outbox_policy.ts";
 * import { MemoryStorage } from "../storage/memory.ts";
 * import { emptyReport } from "../processor/report.ts";
 * const { outbox } = new MemoryStorage();
 * const body = new TextEncoder().encode('{"resourceSpans":[]}');
 * const batch = { body, contentType: "application/json", spanCount: 0, reason: "http_503" };
 * await parkBatch(outbox, batch, "0a1b2c3d", undefined, outboxRetryPolicy(), emptyReport());
 * ```
 */
export async function parkBatch(
  outbox: Outbox,
  batch: Pick<OutboxInput, "body" | "contentType" | "spanCount" | "reason">,
  destination: string,
  retryAfterMillis: number | undefined,
  policy: OutboxRetryPolicy,
  report: FlushReport,
): Promise<ParkResult> {
  const count = batch.spanCount;
  const now = Date.now();
  const notBefore = now + Math.max(policy.initialDelayMillis, retryAfterMillis ?? 0);
  try {
    const contentType = tagContentType(batch.contentType, destination);
    const result = await outbox.enqueue({
      ...batch,
      contentType,
      createdAt: now,
      notBefore,
      attempts: 0,
    });
    if (result.accepted) report.persisted += count;
    else {addDropped(
        report,
        result.rejected === "too_large" ? "outbox_too_large" : "outbox_full",
        count,
      );}
    const lost = countRemoved(outbox, result, report);
    if (!result.accepted || lost) {
      return { notBefore, problem: { code: "outbox_full", message: OUTBOX_FULL } };
    }
    return { notBefore };
  } catch (error) {
    report.failed += count;
    const message = `Cannot write ${count} spans to the export outbox: ${safeString(error)}`;
    return { problem: { code: "outbox_failed", message } };
  }
}
