/**
 * The delivery bookkeeping that drains and enqueues share, so an outbox entry's spans are counted
 * once. An enqueue (a batch parked, a split's parts stored) may evict or expire an entry a drain
 * has read: while the drain holds it (its page is reserved, or it is being delivered) the drain
 * counts it, once, and does not send it; an entry no drain is holding is counted by the enqueue
 * ({@linkcode countRemoved}). Records are kept per outbox, a few finished ones included, since an
 * enqueue's result may arrive well after the entry was removed (over a Durable Object RPC).
 *
 * @module
 */
import { addDropped } from "../processor/report.ts";
import type { EnqueueResult, Outbox, OutboxEntry } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import type { SendResult } from "./otlp_http_options.ts";

/**
 * An entry a drain read, as an enqueue that evicts it sees it: reserved when its page is read,
 * then delivered, or let go undelivered.
 */
export interface Delivery {
  /** The attempt is over, or will not be made. */
  done: boolean;
  /** It succeeded: the drain counts the spans exported. */
  exported: boolean;
  /**
   * An enqueue removed the entry before or during the attempt (`outbox_full` or
   * `outbox_expired`): the drain counts it so, unless the attempt succeeds (a removal seen before
   * the attempt means none is made). Also noted after the attempt, for a split that keeps the
   * entry after all.
   */
  evicted?: string;
  /**
   * The spans were counted dropped, by the drain (giving the entry up) or by an eviction reported
   * after the attempt failed: whichever comes second counts nothing.
   */
  dropped?: boolean;
}

/** Where a drain counts the spans of an entry evicted under it. */
export interface DropCounting {
  /** The outbox the drain reads. */
  readonly outbox: Outbox;
  /** Receives the dropped counts. */
  readonly report: FlushReport;
  /** Receives the `outbox_full` problem. */
  readonly onProblem?: (code: string, message: string) => void;
}

/** The `outbox_full` problem's message. */
export const OUTBOX_FULL = "Cannot keep every undelivered batch: the export outbox is full";

/** Finished deliveries remembered per outbox (an eviction can be reported after they end). */
const REMEMBERED = 256;
const deliveries = new WeakMap<Outbox, Map<string, Delivery>>();

/** The deliveries recorded for an outbox. */
function deliveriesOf(outbox: Outbox): Map<string, Delivery> {
  let known = deliveries.get(outbox);
  if (known === undefined) deliveries.set(outbox, known = new Map());
  return known;
}

/**
 * Reserves the entries of a page that the drain has not seen yet: until it delivers one or lets
 * it go, an enqueue that evicts it leaves the count to the drain ({@linkcode evictionDrops}),
 * which then does not send it. Without the reservation, the enqueue would count the entry
 * dropped while the drain, holding it in its page, would still send it and count it exported.
 * An entry another drain is delivering right now keeps that drain's record.
 *
 * @param outbox The outbox the page was read from.
 * @param entries The page.
 * @param after The drain's paging cursor before the page (entries up to it were seen).
 * @returns The reservations, by entry id.
 * @example
 * ```ts
 * import { letGo, reservePage } from "./_outbox_deliveries.ts";
 * import { MemoryStorage } from "../storage/memory.ts";
 * import { emptyReport } from "../processor/report.ts";
 * const { outbox } = new MemoryStorage();
 * const page = await outbox.peek(32);
 * const reserved = reservePage(outbox, page, undefined);
 * for (const entry of page) letGo({ outbox, report: emptyReport() }, reserved, entry);
 * ```
 */
export function reservePage(
  outbox: Outbox,
  entries: readonly OutboxEntry[],
  after: string | undefined,
): Map<string, Delivery> {
  const known = deliveriesOf(outbox);
  for (const [id, old] of known) {
    if (known.size < REMEMBERED) break;
    if (old.done) known.delete(id);
  }
  const reserved = new Map<string, Delivery>();
  for (const { id } of entries) {
    if ((after !== undefined && !(id > after)) || known.get(id)?.done === false) continue;
    const delivery: Delivery = { done: false, exported: false };
    known.set(id, delivery);
    reserved.set(id, delivery);
  }
  return reserved;
}

/**
 * Takes an entry's reservation for its delivery (a new record when it has none).
 *
 * @param outbox The outbox the entry is in.
 * @param reserved The page's reservations.
 * @param id The entry's id.
 * @returns The entry's delivery record.
 */
export function takeReservation(
  outbox: Outbox,
  reserved: Map<string, Delivery>,
  id: string,
): Delivery {
  const delivery = reserved.get(id);
  reserved.delete(id);
  if (delivery !== undefined) return delivery;
  const record: Delivery = { done: false, exported: false };
  deliveriesOf(outbox).set(id, record);
  return record;
}

/**
 * Lets a reserved entry go undelivered (not due, another destination's, or the drain stopped
 * first), ending its lease (`Outbox.release`, where the outbox has it): counted dropped when an enqueue evicted it meanwhile (that enqueue left it to the
 * drain), else forgotten, so that an eviction reported later is counted by its enqueue.
 *
 * @param ctx The drain's outbox, report and diagnostics.
 * @param reserved The page's reservations.
 * @param entry The entry (nothing happens when it is not reserved).
 */
export function letGo(
  ctx: DropCounting,
  reserved: Map<string, Delivery>,
  entry: OutboxEntry,
): void {
  const delivery = reserved.get(entry.id);
  if (delivery === undefined) return;
  reserved.delete(entry.id);
  delivery.done = true;
  // Its lease ends, so another drainer (a thread, a process on the same root) need not wait it out.
  void (async () => await ctx.outbox.release?.(entry.id))().catch(() => {});
  if (delivery.evicted !== undefined) countEvicted(ctx, entry, delivery, delivery.evicted);
  const known = deliveriesOf(ctx.outbox);
  if (known.get(entry.id) === delivery) known.delete(entry.id);
}

/**
 * Runs one attempt on its record, so a concurrent eviction of the entry is counted only once.
 *
 * @param delivery The entry's record.
 * @param attempt Sends the entry once.
 * @returns The attempt's result.
 */
export async function deliverTracked(
  delivery: Delivery,
  attempt: () => Promise<SendResult>,
): Promise<SendResult> {
  try {
    const result = await attempt();
    delivery.exported = result.ok;
    return result;
  } finally {
    delivery.done = true;
  }
}

/**
 * Counts an entry evicted before or during its attempt (`parkBatch` left it to the drain).
 *
 * @param ctx Where the drain counts.
 * @param entry The entry.
 * @param delivery Its record (nothing is counted when its spans already were).
 * @param reason `outbox_full` or `outbox_expired`.
 */
export function countEvicted(
  ctx: DropCounting,
  entry: OutboxEntry,
  delivery: Delivery,
  reason: string,
): void {
  if (!claimDrop(delivery)) return;
  addDropped(ctx.report, reason, entry.spanCount);
  if (reason === "outbox_full") ctx.onProblem?.("outbox_full", OUTBOX_FULL);
}

/**
 * Marks a delivery's spans counted dropped.
 *
 * @param delivery The record.
 * @returns False when they already were.
 */
export function claimDrop(delivery: Delivery): boolean {
  if (delivery.dropped) return false;
  delivery.dropped = true;
  return true;
}

/**
 * Tells whether an evicted entry's spans are dropped by the eviction: not when a drain delivered
 * them (counted exported), nor while a drain holds them in the page it is going through or is
 * delivering them (the drain counts them dropped, by `reason`, unless it delivers them), nor
 * when the drain already gave them up (counted `outbox_expired`). The enqueue's result may arrive
 * well after the entry was removed (over a Durable Object RPC), so the attempt may have ended
 * meanwhile.
 */
function evictionDrops(outbox: Outbox, id: string, reason: string): boolean {
  const delivery = deliveries.get(outbox)?.get(id);
  if (delivery === undefined) return true;
  if (delivery.done && delivery.exported) return false;
  delivery.evicted = reason;
  return delivery.done && claimDrop(delivery);
}

/**
 * Counts what an enqueue removed: expired entries as `outbox_expired`, evicted ones as
 * `outbox_full` (save those {@linkcode evictionDrops} leaves to a drain).
 *
 * @param outbox The outbox enqueued to.
 * @param result The enqueue's result.
 * @param report Receives the dropped counts.
 * @returns Whether it evicted spans that are lost.
 */
export function countRemoved(outbox: Outbox, result: EnqueueResult, report: FlushReport): boolean {
  for (const expired of result.expired ?? []) {
    if (evictionDrops(outbox, expired.id, "outbox_expired")) {
      addDropped(report, "outbox_expired", expired.spanCount);
    }
  }
  const lost = result.evicted.filter((e) => evictionDrops(outbox, e.id, "outbox_full"));
  for (const evicted of lost) addDropped(report, "outbox_full", evicted.spanCount);
  return lost.length > 0;
}
