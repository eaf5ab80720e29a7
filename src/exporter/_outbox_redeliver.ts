/**
 * Redelivering one outbox entry a drain has read, when it is meant for the drain's destination
 * and due: acked when delivered; an entry of several spans refused as too large (413) is sent in
 * parts (`_outbox_split.ts`), a single span refused so is dropped (`http_413`); any other failure
 * backs the entry off, or gives it up after `maxAttempts` (`outbox_expired`). A retryable failure
 * (network, timeout, 429/502/503/504) ends the drain, since the server is not healthy right now; a
 * non-retryable one (for example 400) only backs that entry off and the drain goes on with the
 * next. An entry an enqueue evicted before its turn is not sent, and counted dropped once
 * (`_outbox_deliveries.ts`).
 *
 * @module
 */
import { addDropped } from "../processor/report.ts";
import { splitContentType } from "../storage/_destination.ts";
import type { Outbox, OutboxEntry } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import {
  claimDrop,
  countEvicted,
  countRemoved,
  deliverTracked,
  type Delivery,
  letGo,
  OUTBOX_FULL,
  takeReservation,
} from "./_outbox_deliveries.ts";
import { backedOff, type OutboxRetryPolicy } from "./_outbox_policy.ts";
import { type SplitContext, type SplitOutcome, splitRefusedEntry } from "./_outbox_split.ts";
import { partsEncoding } from "./_outbox_encoding.ts";
import type { SendResult } from "./otlp_http_options.ts";

/** What a drain needs. */
export interface DrainContext {
  /** The outbox. */
  readonly outbox: Outbox;
  /** Delivers one entry's body (sent with `contentType`) with a single attempt. */
  readonly deliver: (entry: OutboxEntry, contentType: string) => Promise<SendResult>;
  /** This exporter's destination tag; entries tagged for another destination are left alone. */
  readonly destination: string;
  /**
   * Who leases the entries this drain reads (keep it per drainer, so its next drain is not held
   * back by its own leases). Default: a new random owner per drain.
   */
  readonly leaseOwner?: string;
  /** Retry policy. */
  readonly policy: OutboxRetryPolicy;
  /** Epoch ms after which no new delivery starts. */
  readonly deadline: number;
  /** Stops the drain. */
  readonly signal?: AbortSignal;
  /** Receives exported / retried / dropped counts. */
  readonly report: FlushReport;
  /**
   * Entries not due yet are tried too: the last drain of an outbox that ends with the process
   * (their backoff would outlast them).
   */
  readonly all?: boolean;
  /** Called for partial-success rejections and give-ups, for diagnostics. */
  readonly onProblem?: (code: string, message: string) => void;
}

/** Where a drain is. */
export interface DrainProgress {
  /** The paging cursor: the id of the last entry read. */
  after?: string;
  /** The earliest not-before time of an entry it knows is waiting. */
  nextDue: number;
  /** Deliveries started, parts of a split entry included. */
  processed: number;
  /** The most deliveries it may start. */
  readonly budget: number;
}

/**
 * Whether the drain may start another delivery: not aborted, before its deadline, in budget.
 *
 * @param ctx The drain context.
 * @param progress Where the drain is.
 * @param now The current epoch ms.
 * @returns True when it may.
 */
export function mayDeliver(ctx: DrainContext, progress: DrainProgress, now: number): boolean {
  return !ctx.signal?.aborted && now < ctx.deadline && progress.processed < progress.budget;
}

/** Counts a delivered body's spans exported (those a partial success rejected, dropped). */
function countDelivered(ctx: DrainContext, spans: number, result: SendResult): void {
  const rejected = Math.min(spans, result.partial?.rejectedSpans ?? 0);
  ctx.report.exported += spans - rejected;
  ctx.report.retried += spans - rejected;
  addDropped(ctx.report, "partial_success_rejected", rejected);
  if (result.partial !== undefined) {
    ctx.onProblem?.(
      "export_partial_success",
      `The receiver rejected ${rejected} redelivered spans`,
    );
  }
}

/** Counts spans given up after `attempts` failed deliveries (`outbox_expired`), with a warning. */
function countGivenUp(ctx: DrainContext, spans: number, attempts: number, reason: string): void {
  addDropped(ctx.report, "outbox_expired", spans);
  ctx.onProblem?.(
    "export_dropped",
    `Cannot deliver ${spans} spans from the outbox after ${attempts} attempts (${reason}); giving up`,
  );
}

/**
 * What splitting a refused entry needs: sending its parts within this drain's deadline and
 * budget, its delivery's claim (given back, an eviction seen meanwhile then counted, when the
 * entry stays), the counts of delivered, dropped and given-up parts, and eviction counting as in
 * `parkBatch`.
 */
function splitContext(
  ctx: DrainContext,
  progress: DrainProgress,
  entry: OutboxEntry,
  type: string,
  delivery: Delivery,
  pack: (part: Uint8Array) => Promise<Uint8Array>,
): SplitContext {
  const { outbox, report, onProblem } = ctx;
  return {
    outbox,
    report,
    onProblem,
    pack,
    send: async (part) => {
      if (!mayDeliver(ctx, progress, Date.now())) return undefined;
      progress.processed++;
      let body: Uint8Array;
      try {
        body = await pack(part.body);
      } catch {
        return undefined; // cannot gzip it now: stored for a later drain, as when out of time
      }
      return await ctx.deliver({ ...entry, body, spanCount: part.spans }, type);
    },
    delivered: (spans, result) => countDelivered(ctx, spans, result),
    tooLarge: () => countTooLarge(ctx),
    backOff: (spans, failure) => {
      const attempts = entry.attempts + 1;
      if (attempts < ctx.policy.maxAttempts) return backedOff(ctx.policy, attempts, failure);
      countGivenUp(ctx, spans, attempts, failure.reason);
      return undefined;
    },
    claim: () => claimDrop(delivery),
    release: () => {
      delivery.dropped = false;
      if (delivery.evicted !== undefined) countEvicted(ctx, entry, delivery, delivery.evicted);
    },
    countRemoved: (result) => {
      if (countRemoved(outbox, result, report)) onProblem?.("outbox_full", OUTBOX_FULL);
    },
  };
}

/**
 * Counts a span refused as too large on its own (413) dropped, as `http_413`: no retry makes its
 * body smaller (the live export drops such a span too).
 */
function countTooLarge(ctx: DrainContext): void {
  addDropped(ctx.report, "http_413", 1);
  ctx.onProblem?.(
    "export_dropped",
    "The receiver refused a redelivered span as too large on its own (413); dropping it",
  );
}

/**
 * Redelivers one entry of a page, when it is for this destination and due: acked when delivered,
 * else split (413), backed off or given up.
 *
 * @param ctx The drain context.
 * @param progress Where the drain is (its count of deliveries and next due time are updated).
 * @param entry The entry.
 * @param reserved The page's reservations (the entry's is taken, or let go).
 * @returns When the drain stops (its stop time), else undefined.
 */
export async function redeliver(
  ctx: DrainContext,
  progress: DrainProgress,
  entry: OutboxEntry,
  reserved: Map<string, Delivery>,
): Promise<number | undefined> {
  const { type, destination: tag } = splitContentType(entry.contentType);
  const foreign = tag !== undefined && tag !== ctx.destination;
  const now = Date.now();
  if (foreign || entry.notBefore > now && !ctx.all) {
    if (!foreign) progress.nextDue = Math.min(progress.nextDue, entry.notBefore);
    letGo(ctx, reserved, entry);
    return undefined;
  }
  if (!mayDeliver(ctx, progress, now)) return now;
  const delivery = takeReservation(ctx.outbox, reserved, entry.id);
  if (delivery.evicted !== undefined) { // removed since the page was read: nothing to send
    delivery.done = true;
    countEvicted(ctx, entry, delivery, delivery.evicted);
    return undefined;
  }
  progress.processed++;
  const result = await deliverTracked(delivery, () => ctx.deliver(entry, type));
  if (result.ok) {
    await ctx.outbox.ack(entry.id);
    countDelivered(ctx, entry.spanCount, result);
    return undefined;
  }
  return await settleFailure(ctx, progress, entry, type, delivery, result);
}

/**
 * Settles a failed delivery: an entry refused as too large (413) is split, or dropped when it
 * holds one span; an entry an enqueue evicted meanwhile is counted dropped; any other is backed
 * off, or given up after `maxAttempts`. A retryable failure (or an abort) stops the drain.
 *
 * @returns When the drain stops (its stop time), else undefined.
 */
async function settleFailure(
  ctx: DrainContext,
  progress: DrainProgress,
  entry: OutboxEntry,
  type: string,
  delivery: Delivery,
  result: SendResult,
): Promise<number | undefined> {
  const { outbox, policy } = ctx;
  let failure = result;
  if (result.reason === "http_413" && delivery.evicted === undefined) {
    if (entry.spanCount === 1) {
      const mine = claimDrop(delivery); // before the ack, as when giving an entry up
      await outbox.ack(entry.id);
      if (mine) countTooLarge(ctx);
      return undefined;
    }
    // A gzip entry is cut as its uncompressed body (undefined: corrupt, kept and backed off).
    const encoding = await partsEncoding(entry.body, type);
    const split: SplitOutcome = encoding === undefined ? { kept: true } : await splitRefusedEntry(
      splitContext(ctx, progress, entry, type, delivery, encoding.pack),
      { ...entry, body: encoding.body },
      type,
    );
    if (!split.kept) {
      progress.nextDue = Math.min(progress.nextDue, split.nextDue);
      return split.stop === undefined ? undefined : stopTime(ctx, progress, split.stop);
    }
    failure = split.failure ?? result;
  }
  const evicted = delivery.evicted;
  if (evicted !== undefined) countEvicted(ctx, entry, delivery, evicted);
  if (failure.reason === "aborted") return Date.now();
  if (evicted === undefined) { // an evicted entry is gone: nothing to give up or back off
    const changes = backedOff(policy, entry.attempts + 1, failure);
    if (changes.attempts >= policy.maxAttempts) {
      // Claimed before the ack: an enqueue that evicted the entry may report it meanwhile.
      const mine = claimDrop(delivery);
      await outbox.ack(entry.id);
      if (mine) countGivenUp(ctx, entry.spanCount, changes.attempts, failure.reason);
    } else {
      await outbox.update(entry.id, changes);
      progress.nextDue = Math.min(progress.nextDue, changes.notBefore);
    }
  }
  return stopTime(ctx, progress, failure);
}

/**
 * Whether a failure stops the drain: an abort does, and so does a retryable failure (the server
 * is not healthy right now); a non-retryable one concerns that body only.
 *
 * @returns The drain's stop time, or undefined when it goes on.
 */
function stopTime(
  ctx: DrainContext,
  progress: DrainProgress,
  failure: SendResult,
): number | undefined {
  const now = Date.now();
  if (failure.reason === "aborted") return now;
  if (failure.retryable) return Math.min(progress.nextDue, now + ctx.policy.initialDelayMillis);
  return undefined;
}
