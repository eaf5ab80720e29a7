/**
 * Parking undeliverable batches in a storage adapter's durable outbox, and their redelivery:
 * oldest first, only entries whose not-before time has come, one attempt per entry per drain,
 * with per-entry backoff from 5 s doubling to 1 h (Sentry's offline-transport model, see
 * reference/peers.md §4.1).
 *
 * A retryable failure (network, timeout, 429/502/503/504) ends the drain, since the server is not
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
 * `maxDeliveriesPerDrain` hint, 16 on Cloudflare, else 256) and leases the entries it reads, so two
 * drainers of one shared outbox (a Durable Object) do not deliver the same entry twice.
 *
 * This module is the drain. Beside it: the retry policy (`_outbox_policy.ts`) and parking a batch
 * (`_outbox_park.ts`), both exported from here too, one entry's redelivery
 * (`_outbox_redeliver.ts`), and the delivery bookkeeping that counts an evicted entry once
 * (`_outbox_deliveries.ts`).
 *
 * @module
 */
import { newUuid } from "../ids.ts";
import { letGo, reservePage } from "./_outbox_deliveries.ts";
import {
  type DrainContext,
  type DrainProgress,
  mayDeliver,
  redeliver,
} from "./_outbox_redeliver.ts";

export type { DrainContext } from "./_outbox_redeliver.ts";
export { parkBatch, type ParkResult } from "./_outbox_park.ts";
export {
  outboxDelay,
  type OutboxRetryOptions,
  type OutboxRetryPolicy,
  outboxRetryPolicy,
} from "./_outbox_policy.ts";

const PEEK = 32;
/** Deliveries per drain when neither the options nor the outbox say otherwise. */
const MAX_PER_DRAIN = 256;
/** Longest lease a drain takes (past its deadline it starts nothing new anyway). */
const MAX_LEASE_MILLIS = 120_000;
/** Kept past the deadline, for an attempt that ends at the deadline to be acked. */
const LEASE_GRACE_MILLIS = 5_000;

/** The drain's delivery bound: the option, else the outbox's hint when usable, else 256. */
function deliveryBudget(ctx: DrainContext): number {
  const hint = ctx.outbox.maxDeliveriesPerDrain;
  const usable = typeof hint === "number" && Number.isSafeInteger(hint) && hint >= 1;
  return ctx.policy.maxDeliveriesPerDrain ?? (usable ? hint : MAX_PER_DRAIN);
}

/**
 * Drains due outbox entries (every entry with `all`), oldest first. It pages through the outbox
 * with a cursor and asks only for entries due now and meant for its destination, so entries that
 * are not due yet, or that belong to another exporter's destination, never hide newer due ones and
 * their bodies are not read (an outbox that ignores the peek options still works: what it returns
 * twice, early or for another destination is skipped here). It leases what it reads until shortly
 * after its deadline, and delivers at most its budget of entries, the parts of an entry it split
 * included. An entry of its page that an enqueue evicts before its turn is not sent, and counted
 * dropped once, by the drain.
 *
 * Its outbox calls are awaited as long as they take (an entry's delivery ends by the deadline): a
 * caller that must return in time races the drain against it and leaves it to settle in the
 * background (`OtlpOutbox.drain`); past its deadline the drain starts no delivery, so a late answer
 * only ends its leases or records a delivery already made.
 *
 * @param ctx The drain context.
 * @returns The earliest epoch ms at which another drain could deliver something that this drain
 *   knows of (`Infinity` when it knows of nothing; entries not due yet are not read, so the
 *   caller rechecks on its own schedule); `Date.now()` when the drain stopped early.
 * @example
 * ```ts
 * import { drainOutbox, outboxRetryPolicy } from "./_outbox.ts";
 * import { MemoryStorage } from "../storage/memory.ts";
 * import { emptyReport } from "../processor/report.ts";
 * const { outbox } = new MemoryStorage();
 * const report = emptyReport();
 * await drainOutbox({
 *   outbox,
 *   destination: "0a1b2c3d",
 *   deliver: () => Promise.resolve({ ok: true, attempts: 1, reason: "http_200" }),
 *   policy: outboxRetryPolicy(),
 *   deadline: Date.now() + 1000,
 *   report,
 * });
 * console.log(report.exported); // 0: nothing was parked
 * ```
 */
export async function drainOutbox(ctx: DrainContext): Promise<number> {
  const { outbox, destination } = ctx;
  const owner = ctx.leaseOwner ?? newUuid();
  const progress: DrainProgress = { nextDue: Infinity, processed: 0, budget: deliveryBudget(ctx) };
  for (;;) {
    const now = Date.now();
    if (!mayDeliver(ctx, progress, now)) return now;
    const page = Math.min(PEEK, progress.budget - progress.processed);
    const millis = Math.min(ctx.deadline - now, MAX_LEASE_MILLIS) + LEASE_GRACE_MILLIS;
    const lease = { owner, millis };
    const { after } = progress;
    const dueBy = ctx.all ? Infinity : now;
    const entries = await outbox.peek(page, { after, dueBy, destination, lease });
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
