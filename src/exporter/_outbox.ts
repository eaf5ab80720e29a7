/**
 * Parking undeliverable batches in a storage adapter's durable outbox, and their redelivery:
 * oldest first, only entries
 * whose not-before time has come, one attempt per entry per drain, with per-entry backoff from
 * 5 s doubling to 1 h (Sentry's offline-transport model, see reference/peers.md §4.1).
 *
 * A retryable failure (network, timeout, 408/429/5xx) ends the drain, since the server is not
 * healthy right now; a non-retryable one (for example 400) only backs that entry off and the
 * drain goes on with the next. An entry that failed `maxAttempts` times is given up and counted
 * as dropped (`outbox_expired`), as are entries the outbox removes for their age. An entry of
 * several spans refused as too large (413) is sent in parts, halved while refused
 * (`_outbox_split.ts`); a single span refused so is dropped (`http_413`).
 *
 * An enqueue (a batch parked, parts stored) may evict an entry a drain has read: the drain then
 * counts it, once, and does not send it; an entry the drain is not holding is counted by the
 * enqueue.
 *
 * A drain delivers at most `maxDeliveriesPerDrain` entries (default: the outbox's
 * `deliveriesPerDrain` hint, 16 on Cloudflare, else 256) and leases the entries it reads, so two
 * drainers of one shared outbox (a Durable Object) do not deliver the same entry twice.
 *
 * @module
 */
import { checkRules, isFiniteAtLeast, isPositiveInteger, type Rule } from "../option_rules.ts";
import { addDropped } from "../processor/report.ts";
import { safeString } from "../safe_string.ts";
import { splitContentType, tagContentType } from "../storage/_destination.ts";
import type { EnqueueResult, Outbox, OutboxEntry, OutboxInput } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import { type SplitContext, splitRefusedEntry } from "./_outbox_split.ts";
import type { SendResult } from "./otlp_http.ts";

/** Outbox retry settings. */
export interface OutboxRetryOptions {
  /** First delay after a batch is parked, in ms (finite, >= 0). Default 5000. */
  initialBackoffMillis?: number;
  /** Largest delay, in ms (finite, >= 0). Default 3 600 000 (1 h). */
  maxBackoffMillis?: number;
  /** Delivery attempts from the outbox before an entry is given up (integer >= 1). Default 20. */
  maxAttempts?: number;
  /**
   * Most entries one drain delivers (integer >= 1); the rest wait for the next drain. Default:
   * what the storage's outbox suggests (16 for the Cloudflare adapters, whose Worker invocations
   * have a small budget of subrequests and binding operations), else 256.
   */
  maxDeliveriesPerDrain?: number;
}

/** Outbox retry settings with the defaults filled in (the drain bound may stay unset). */
export type OutboxRetryPolicy =
  & Required<Omit<OutboxRetryOptions, "maxDeliveriesPerDrain">>
  & Pick<OutboxRetryOptions, "maxDeliveriesPerDrain">;

const CONTEXT = "Cannot configure the export outbox";
const POLICY_RULES: readonly Rule[] = [
  [["initialBackoffMillis", "maxBackoffMillis"], isFiniteAtLeast(0), "a finite number >= 0"],
  [["maxAttempts", "maxDeliveriesPerDrain"], isPositiveInteger, "an integer >= 1"],
];

/**
 * Fills in the outbox retry defaults.
 *
 * @param options Partial settings.
 * @returns The complete policy.
 * @throws {TracerError} `INVALID_CONFIG` for a delay that is not a finite number >= 0 or a
 *   `maxAttempts` or `maxDeliveriesPerDrain` that is not an integer >= 1 (a NaN delay would make
 *   every parked batch fail).
 */
export function outboxRetryPolicy(options: OutboxRetryOptions = {}): OutboxRetryPolicy {
  checkRules(options, POLICY_RULES, CONTEXT);
  const { maxDeliveriesPerDrain } = options;
  return {
    initialBackoffMillis: options.initialBackoffMillis ?? 5000,
    maxBackoffMillis: options.maxBackoffMillis ?? 3_600_000,
    maxAttempts: options.maxAttempts ?? 20,
    ...(maxDeliveriesPerDrain === undefined ? {} : { maxDeliveriesPerDrain }),
  };
}

/**
 * The not-before delay after `attempts` failed outbox deliveries (0 when first parked).
 *
 * @param attempts Failed deliveries so far.
 * @param policy The policy.
 * @returns The delay in ms.
 */
export function outboxDelay(attempts: number, policy: OutboxRetryPolicy): number {
  return Math.min(policy.maxBackoffMillis, policy.initialBackoffMillis * Math.pow(2, attempts));
}

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
  /** Called for partial-success rejections and give-ups, for diagnostics. */
  readonly onProblem?: (code: string, message: string) => void;
}

const PEEK = 32;
/** Deliveries per drain when neither the options nor the outbox say otherwise. */
const MAX_PER_DRAIN = 256;
/** Longest lease a drain takes (past its deadline it starts nothing new anyway). */
const MAX_LEASE_MILLIS = 120_000;
/** Kept past the deadline, for an attempt that ends at the deadline to be acked. */
const LEASE_GRACE_MILLIS = 5_000;

/**
 * An entry a drain read, as an enqueue that evicts it sees it: reserved when its page is read,
 * then delivered, or let go undelivered.
 */
interface Delivery {
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
 * @returns The reservations, by entry id.
 */
function reservePage(
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

/** Takes an entry's reservation for its delivery (a new record when it has none). */
function takeReservation(
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
 * first): counted dropped when an enqueue evicted it meanwhile (that enqueue left it to the
 * drain), else forgotten, so that an eviction reported later is counted by its enqueue.
 */
function letGo(ctx: DrainContext, reserved: Map<string, Delivery>, entry: OutboxEntry): void {
  const delivery = reserved.get(entry.id);
  if (delivery === undefined) return;
  reserved.delete(entry.id);
  delivery.done = true;
  if (delivery.evicted !== undefined) countEvicted(ctx, entry, delivery, delivery.evicted);
  const known = deliveriesOf(ctx.outbox);
  if (known.get(entry.id) === delivery) known.delete(entry.id);
}

/** Runs one attempt on its record, so a concurrent eviction of the entry is counted only once. */
async function deliverTracked(
  ctx: DrainContext,
  entry: OutboxEntry,
  type: string,
  delivery: Delivery,
): Promise<SendResult> {
  try {
    const result = await ctx.deliver(entry, type);
    delivery.exported = result.ok;
    return result;
  } finally {
    delivery.done = true;
  }
}

/** Counts an entry evicted before or during its attempt (`parkBatch` left it to the drain). */
function countEvicted(
  ctx: DrainContext,
  entry: OutboxEntry,
  delivery: Delivery,
  reason: string,
): void {
  if (!claimDrop(delivery)) return;
  addDropped(ctx.report, reason, entry.spanCount);
  if (reason === "outbox_full") ctx.onProblem?.("outbox_full", OUTBOX_FULL);
}

const OUTBOX_FULL = "Cannot keep every undelivered batch: the export outbox is full";

/** Marks a delivery's spans counted dropped; false when they already were. */
function claimDrop(delivery: Delivery): boolean {
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
 * @returns Whether it evicted spans that are lost.
 */
function countRemoved(outbox: Outbox, result: EnqueueResult, report: FlushReport): boolean {
  for (const expired of result.expired ?? []) {
    if (evictionDrops(outbox, expired.id, "outbox_expired")) {
      addDropped(report, "outbox_expired", expired.spanCount);
    }
  }
  const lost = result.evicted.filter((e) => evictionDrops(outbox, e.id, "outbox_full"));
  for (const evicted of lost) addDropped(report, "outbox_full", evicted.spanCount);
  return lost.length > 0;
}

/** Where a drain is. */
interface DrainProgress {
  /** The paging cursor: the id of the last entry read. */
  after?: string;
  /** The earliest not-before time of an entry it knows is waiting. */
  nextDue: number;
  /** Deliveries started, parts of a split entry included. */
  processed: number;
  /** The most deliveries it may start. */
  readonly budget: number;
}

/** Whether the drain may start another delivery: not aborted, before its deadline, in budget. */
function mayDeliver(ctx: DrainContext, progress: DrainProgress, now: number): boolean {
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
 * The retry bookkeeping after a failed delivery: one more attempt, backed off (at least the
 * server's `Retry-After`).
 */
function backedOff(
  policy: OutboxRetryPolicy,
  attempts: number,
  failure: SendResult,
): Pick<OutboxEntry, "attempts" | "notBefore" | "reason"> {
  const delay = Math.max(outboxDelay(attempts, policy), failure.retryAfterMillis ?? 0);
  return { attempts, notBefore: Date.now() + delay, reason: failure.reason };
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
): SplitContext {
  const { outbox, report, onProblem } = ctx;
  return {
    outbox,
    report,
    onProblem,
    send: (part) => {
      if (!mayDeliver(ctx, progress, Date.now())) return Promise.resolve(undefined);
      progress.processed++;
      return ctx.deliver({ ...entry, body: part.body, spanCount: part.spans }, type);
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

/** The drain's delivery bound: the option, else the outbox's hint when usable, else 256. */
function deliveryBudget(ctx: DrainContext): number {
  const hint = ctx.outbox.deliveriesPerDrain;
  const usable = typeof hint === "number" && Number.isSafeInteger(hint) && hint >= 1;
  return ctx.policy.maxDeliveriesPerDrain ?? (usable ? hint : MAX_PER_DRAIN);
}

/**
 * Drains due outbox entries, oldest first. It pages through the outbox with a cursor and asks
 * only for entries due now and meant for its destination, so entries that are not due yet, or
 * that belong to another exporter's destination, never hide newer due ones and their bodies are
 * not read (an outbox that ignores the peek options still works: what it returns twice, early or
 * for another destination is skipped here). It leases what it reads until shortly after its
 * deadline, and delivers at most its budget of entries, the parts of an entry it split included.
 * An entry of its page that an enqueue evicts before its turn is not sent, and counted dropped
 * once, by the drain.
 *
 * @param ctx The drain context.
 * @returns The earliest epoch ms at which another drain could deliver something that this drain
 *   knows of (`Infinity` when it knows of nothing; entries not due yet are not read, so the
 *   caller rechecks on its own schedule); `Date.now()` when the drain stopped early.
 */
export async function drainOutbox(ctx: DrainContext): Promise<number> {
  const { outbox, destination } = ctx;
  const owner = ctx.leaseOwner ?? crypto.randomUUID();
  const progress: DrainProgress = { nextDue: Infinity, processed: 0, budget: deliveryBudget(ctx) };
  for (;;) {
    const now = Date.now();
    if (!mayDeliver(ctx, progress, now)) return now;
    const page = Math.min(PEEK, progress.budget - progress.processed);
    const millis = Math.min(ctx.deadline - now, MAX_LEASE_MILLIS) + LEASE_GRACE_MILLIS;
    const lease = { owner, millis };
    const { after } = progress;
    const entries = await outbox.peek(page, { after, dueBy: now, destination, lease });
    const reserved = reservePage(outbox, entries, after);
    let advanced = false;
    try {
      for (const entry of entries) {
        if (progress.after !== undefined && !(entry.id > progress.after)) continue;
        progress.after = entry.id;
        advanced = true;
        const stoppedAt = await redeliver(ctx, progress, entry, reserved);
        if (stoppedAt !== undefined) return stoppedAt;
      }
    } finally {
      for (const entry of entries) letGo(ctx, reserved, entry); // those not delivered
    }
    if (!advanced || entries.length < page) return progress.nextDue;
  }
}

/**
 * Redelivers one entry of a page, when it is for this destination and due: acked when delivered,
 * else split (413), backed off or given up.
 *
 * @returns When the drain stops (its stop time), else undefined.
 */
async function redeliver(
  ctx: DrainContext,
  progress: DrainProgress,
  entry: OutboxEntry,
  reserved: Map<string, Delivery>,
): Promise<number | undefined> {
  const { type, destination: tag } = splitContentType(entry.contentType);
  const foreign = tag !== undefined && tag !== ctx.destination;
  const now = Date.now();
  if (foreign || entry.notBefore > now) {
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
  const result = await deliverTracked(ctx, entry, type, delivery);
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
    const split = await splitRefusedEntry(
      splitContext(ctx, progress, entry, type, delivery),
      entry,
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
  if (failure.retryable) return Math.min(progress.nextDue, now + ctx.policy.initialBackoffMillis);
  return undefined;
}

/** The outcome of {@linkcode parkBatch}. */
export interface ParkResult {
  /** The entry's not-before time, when it was stored. */
  readonly notBefore?: number;
  /** A problem worth a diagnostic: `outbox_full` or `outbox_failed`. */
  readonly problem?: { readonly code: string; readonly message: string };
}

/**
 * Stores an undeliverable batch in the outbox (body uncompressed, no headers), counting it as
 * persisted, and counting what the outbox's bounds refused or evicted as dropped
 * (`outbox_too_large`, `outbox_full`) and what it removed for its age as `outbox_expired`. An
 * evicted entry that a drain in this process is redelivering right then (or was, when the enqueue's
 * result arrives late) is counted once: exported if the attempt succeeds, else dropped. An outbox that fails to write counts the
 * batch as failed (and has evicted nothing).
 *
 * @param outbox The outbox.
 * @param batch The batch: body, content type, span count and reason.
 * @param destination The exporter's destination tag (`destinationTag` of its URL).
 * @param retryAfterMillis The server's `Retry-After`, if any (a lower bound of the first delay).
 * @param policy Retry policy (its initial backoff is the first delay).
 * @param report Receives persisted / dropped / failed counts.
 * @returns The not-before time, or the problem to report.
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
  const notBefore = now + Math.max(policy.initialBackoffMillis, retryAfterMillis ?? 0);
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
