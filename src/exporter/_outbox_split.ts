/**
 * Splitting an outbox entry the receiver refused as too large (413) on redelivery: its body is
 * cut into two requests of about half the size ({@linkcode splitOtlpBody}), stored as new
 * entries due now (so the same drain, or the next, sends them; a part refused again is halved
 * again), and the entry is removed. Parked during an outage, a batch may meet a body limit (a
 * Collector's, a proxy's) that the live export would have halved around; without this, the
 * drain would retry the same body until it gives all its spans up.
 *
 * The parts keep the entry's `createdAt` (the outbox's maximum age still counts from when the
 * spans were parked) and its `attempts` (the 413 is not counted: splitting answers it; a span's
 * other failed deliveries still count towards `maxAttempts`, whichever part carries it, so a
 * split never lengthens its retries). Parts are stored before the entry is removed, so a crash
 * in between sends spans twice rather than losing them.
 *
 * @module
 */
import { addDropped } from "../processor/report.ts";
import { safeString } from "../safe_string.ts";
import type { EnqueueResult, Outbox, OutboxEntry } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import { type OtlpPart, splitOtlpBody } from "./_otlp_split.ts";

/** What splitting a refused entry needs from the drain. */
export interface SplitContext {
  /** The outbox the entry is in. */
  readonly outbox: Outbox;
  /** Receives the spans of a part that cannot be stored (dropped or failed). */
  readonly report: FlushReport;
  /**
   * Claims the entry's spans for the split, so that an eviction of the entry reported meanwhile
   * counts nothing (they live on in the parts); false when an eviction counted them already.
   */
  readonly claim: () => boolean;
  /** Gives the claim back when the entry stays stored after all. */
  readonly release: () => void;
  /** Counts what an enqueue evicted or expired, as parking a batch does. */
  readonly countRemoved: (result: EnqueueResult) => void;
  /** Receives the `export_split` notice and `outbox_full` / `outbox_failed` problems. */
  readonly onProblem?: (code: string, message: string) => void;
}

/** A part of a split body with its span count. */
type Part = OtlpPart & { readonly spans: number };

/**
 * Cuts a body into two parts of about half its size, spans kept in order. Packing to half the
 * size fills the first part to at most half and usually leaves a small third part; packing again
 * to the size of what follows the first part moves the cut by about one span and leaves two.
 *
 * @param body The uncompressed body.
 * @param type Its content type (without the destination tag).
 * @param spanCount The spans the entry says it holds.
 * @returns Two (rarely three) parts, or undefined when the body cannot be split into parts
 *   whose span counts add up to `spanCount`.
 */
function halves(body: Uint8Array, type: string, spanCount: number): Part[] | undefined {
  const half = Math.ceil(body.length / 2);
  let parts = splitOtlpBody(body, type, half);
  if (parts.length > 2) {
    const wider = splitOtlpBody(body, type, body.length - parts[0].body.length);
    if (wider.length === 2) parts = wider;
  }
  const counted = parts.every((part) => part.spans !== undefined && part.spans > 0);
  const total = parts.reduce((n, part) => n + (part.spans ?? 0), 0);
  return parts.length > 1 && counted && total === spanCount ? parts as Part[] : undefined;
}

/**
 * Replaces an entry refused as too large by its halves (see the module notes). When the first
 * part cannot be stored (a `drop-newest` outbox without room, a write error), nothing changes
 * and the caller backs the entry off as before. When a later one cannot, the entry is removed
 * first (its room may take the part) and the part tried once more; still refused, its spans are
 * counted dropped (`outbox_full`, `outbox_too_large`) or failed (write error).
 *
 * @param ctx The drain's outbox, report and bookkeeping.
 * @param entry The refused entry (more than one span).
 * @param type Its content type without the destination tag.
 * @returns False when the entry was not split and stays stored as it was.
 * @example
 * ```ts
 * import { splitRefusedEntry } from "./_outbox_split.ts";
 * import { MemoryStorage } from "../storage/memory.ts";
 * import { emptyReport } from "../processor/report.ts";
 * const { outbox } = new MemoryStorage();
 * const body = new TextEncoder().encode('{"resourceSpans":[]}');
 * const entry = { id: "x", body, contentType: "application/json", spanCount: 0, reason: "http_413",
 *   createdAt: 0, notBefore: 0, attempts: 0 };
 * const ctx = { outbox, report: emptyReport(), claim: () => true, release() {}, countRemoved() {} };
 * console.log(await splitRefusedEntry(ctx, entry, "application/json")); // false: nothing to split
 * ```
 */
export async function splitRefusedEntry(
  ctx: SplitContext,
  entry: OutboxEntry,
  type: string,
): Promise<boolean> {
  const parts = halves(entry.body, type, entry.spanCount);
  if (parts === undefined) return false;
  const { outbox, report } = ctx;
  if (!ctx.claim()) {
    await outbox.ack(entry.id); // evicted meanwhile, and counted dropped: nothing left to split
    return true;
  }
  let stored = true; // the entry, until acked or removed by one of the enqueues below
  let error: unknown;
  const store = async (part: Part): Promise<string> => {
    try {
      const result = await outbox.enqueue({
        body: part.body,
        contentType: entry.contentType,
        spanCount: part.spans,
        reason: "http_413",
        createdAt: entry.createdAt,
        notBefore: Date.now(),
        attempts: entry.attempts,
      });
      ctx.countRemoved(result);
      const removed = [...result.evicted, ...result.expired ?? []];
      if (removed.some((e) => e.id === entry.id)) stored = false;
      if (result.accepted) return "stored";
      return result.rejected === "too_large" ? "outbox_too_large" : "outbox_full";
    } catch (thrown) {
      error = thrown;
      return "failed";
    }
  };
  const remove = async (): Promise<void> => {
    if (stored) await outbox.ack(entry.id);
    stored = false;
  };
  for (const [index, part] of parts.entries()) {
    let outcome = await store(part);
    if (outcome !== "stored" && stored) {
      if (index === 0) {
        ctx.release();
        return false;
      }
      await remove();
      outcome = await store(part);
    }
    if (outcome === "failed") {
      report.failed += part.spans;
      const why = safeString(error);
      ctx.onProblem?.(
        "outbox_failed",
        `Cannot write ${part.spans} spans to the export outbox: ${why}`,
      );
    } else if (outcome !== "stored") {
      addDropped(report, outcome, part.spans);
      ctx.onProblem?.("outbox_full", `Cannot keep ${part.spans} spans in the outbox (${outcome})`);
    }
  }
  await remove();
  ctx.onProblem?.(
    "export_split",
    `The receiver refused ${entry.spanCount} spans from the outbox as too large (413); sending them in ${parts.length} parts`,
  );
  return true;
}
