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
 * several spans refused as too large (413) is replaced by its halves, due now
 * (`_outbox_split.ts`).
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

/** One redelivery from an outbox, as an enqueue that evicts the entry meanwhile sees it. */
interface Delivery {
  /** The attempt is over. */
  done: boolean;
  /** It succeeded: the drain counts the spans exported. */
  exported: boolean;
  /**
   * An enqueue removed the entry during the attempt (`outbox_full` or `outbox_expired`): the
   * drain counts it so if the attempt fails. Also noted after the attempt, for a split that keeps
   * the entry after all.
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

/** Runs one attempt, recorded so a concurrent eviction of the entry is counted only once. */
async function deliverTracked(
  ctx: DrainContext,
  entry: OutboxEntry,
  type: string,
): Promise<{ result: SendResult; delivery: Delivery }> {
  let known = deliveries.get(ctx.outbox);
  if (known === undefined) deliveries.set(ctx.outbox, known = new Map());
  for (const [id, old] of known) {
    if (known.size < REMEMBERED) break;
    if (old.done) known.delete(id);
  }
  const delivery: Delivery = { done: false, exported: false };
  known.set(entry.id, delivery);
  try {
    const result = await ctx.deliver(entry, type);
    delivery.exported = result.ok;
    return { result, delivery };
  } finally {
    delivery.done = true;
  }
}

/** Counts a failed attempt at an entry evicted meanwhile (`parkBatch` left it to the drain). */
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
 * them (counted exported), nor while a drain is delivering them (the drain counts them dropped, by
 * `reason`, if the attempt fails), nor when the drain already gave them up (counted
 * `outbox_expired`). The enqueue's result may arrive well after the entry was removed (over a
 * Durable Object RPC), so the attempt may have ended meanwhile.
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

/**
 * What splitting a refused entry needs: its delivery's claim (given back, an eviction seen
 * meanwhile then counted, when the entry stays) and eviction counting as in `parkBatch`.
 */
function splitContext(ctx: DrainContext, entry: OutboxEntry, delivery: Delivery): SplitContext {
  const { outbox, report, onProblem } = ctx;
  return {
    outbox,
    report,
    onProblem,
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
 * deadline, and delivers at most its budget of entries, the halves of an entry it split included.
 *
 * @param ctx The drain context.
 * @returns The earliest epoch ms at which another drain could deliver something that this drain
 *   knows of (`Infinity` when it knows of nothing; entries not due yet are not read, so the
 *   caller rechecks on its own schedule); `Date.now()` when the drain stopped early.
 */
export async function drainOutbox(ctx: DrainContext): Promise<number> {
  const { outbox, policy, report, destination } = ctx;
  const budget = deliveryBudget(ctx);
  const owner = ctx.leaseOwner ?? crypto.randomUUID();
  let after: string | undefined;
  let nextDue = Infinity;
  let processed = 0;
  for (;;) {
    let split = false; // an entry was replaced by its halves, due now: read on past a short page
    const now = Date.now();
    if (ctx.signal?.aborted || now >= ctx.deadline || processed >= budget) return now;
    const page = Math.min(PEEK, budget - processed);
    const millis = Math.min(ctx.deadline - now, MAX_LEASE_MILLIS) + LEASE_GRACE_MILLIS;
    const lease = { owner, millis };
    const entries = await outbox.peek(page, { after, dueBy: now, destination, lease });
    let advanced = false;
    for (const entry of entries) {
      if (after !== undefined && !(entry.id > after)) continue;
      after = entry.id;
      advanced = true;
      const { type, destination: tag } = splitContentType(entry.contentType);
      if (tag !== undefined && tag !== destination) continue;
      const now = Date.now();
      if (entry.notBefore > now) {
        nextDue = Math.min(nextDue, entry.notBefore);
        continue;
      }
      if (ctx.signal?.aborted || now >= ctx.deadline || processed >= budget) return now;
      processed++;
      const { result, delivery } = await deliverTracked(ctx, entry, type);
      const evicted = delivery.evicted;
      if (result.ok) {
        await outbox.ack(entry.id);
        const rejected = Math.min(entry.spanCount, result.partial?.rejectedSpans ?? 0);
        report.exported += entry.spanCount - rejected;
        report.retried += entry.spanCount - rejected;
        addDropped(report, "partial_success_rejected", rejected);
        if (result.partial !== undefined) {
          ctx.onProblem?.(
            "export_partial_success",
            `The receiver rejected ${rejected} redelivered spans`,
          );
        }
        continue;
      }
      if (evicted !== undefined) countEvicted(ctx, entry, delivery, evicted);
      if (result.reason === "aborted") return Date.now();
      if (evicted === undefined) { // an evicted entry is gone: nothing to give up or back off
        if (
          result.reason === "http_413" && entry.spanCount > 1 &&
          await splitRefusedEntry(splitContext(ctx, entry, delivery), entry, type)
        ) {
          split = true;
          continue;
        }
        const attempts = entry.attempts + 1;
        if (attempts >= policy.maxAttempts) {
          // Claimed before the ack: an enqueue that evicted the entry may report it meanwhile.
          const mine = claimDrop(delivery);
          await outbox.ack(entry.id);
          if (!mine) continue; // that eviction counted it (outbox_full)
          addDropped(report, "outbox_expired", entry.spanCount);
          ctx.onProblem?.(
            "export_dropped",
            `Cannot deliver ${entry.spanCount} spans from the outbox after ${attempts} attempts (${result.reason}); giving up`,
          );
          continue;
        }
        const notBefore = Date.now() +
          Math.max(outboxDelay(attempts, policy), result.retryAfterMillis ?? 0);
        await outbox.update(entry.id, { attempts, notBefore, reason: result.reason });
        nextDue = Math.min(nextDue, notBefore);
      }
      if (result.retryable) return Math.min(nextDue, Date.now() + policy.initialBackoffMillis);
    }
    if (!advanced || (entries.length < page && !split)) return nextDue;
  }
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
