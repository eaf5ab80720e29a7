/**
 * Redelivering an outbox entry the receiver refused as too large (413): its body is cut into two
 * requests of about half the size ({@linkcode halveOtlpBody}), sent at once by the same drain,
 * each halved again while refused, down to single spans; a single span refused is dropped
 * (`http_413`: no retry makes it smaller). Parked during an outage, a batch may meet a body limit
 * (a Collector's, a proxy's) that the live export would have halved around; without this, the
 * drain would retry the same body until it gives all its spans up.
 *
 * The parts are sent from memory while the entry stays stored, so a split that delivers every
 * part stores nothing and never needs room in the outbox (a full outbox dropping the oldest would
 * evict another batch for it). Parts left undelivered (a failure, the drain's deadline or budget,
 * an abort) replace the entry: stored before it is removed, so a crash sends spans twice rather
 * than losing them. A failed part counts one more attempt and is backed off (given up at
 * `maxAttempts`, as `outbox_expired`); a part not tried is due now. When no part was delivered
 * and one failed, the entry stays as it was and is backed off with that failure. Stored parts
 * keep the entry's `createdAt` (the outbox's maximum age still counts from when the spans were
 * parked) and its `attempts` (the 413 is not counted: splitting answers it).
 *
 * @module
 */
import { addDropped } from "../processor/report.ts";
import { safeString } from "../safe_string.ts";
import type { EnqueueResult, Outbox, OutboxEntry } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import { type CountedPart, halveOtlpBody } from "./_otlp_split.ts";
import type { SendResult } from "./otlp_http_options.ts";

/** Retry bookkeeping of a stored part. */
type Retry = Pick<OutboxEntry, "attempts" | "notBefore" | "reason">;

/** What splitting a refused entry needs from the drain. */
export interface SplitContext {
  /** The outbox the entry is in. */
  readonly outbox: Outbox;
  /** Receives the spans of a part that cannot be stored (dropped or failed). */
  readonly report: FlushReport;
  /**
   * Sends a part with a single attempt; undefined when the drain may start no more deliveries
   * (its budget, its deadline, an abort).
   */
  readonly send: (part: CountedPart) => Promise<SendResult | undefined>;
  /**
   * A part's body as it is sent and stored (gzipped again when the entry was stored gzip: parts
   * are cut from its uncompressed body, `_outbox_encoding.ts`); may reject.
   */
  readonly pack: (part: Uint8Array) => Promise<Uint8Array>;
  /** Counts a delivered part's spans exported. */
  readonly delivered: (spans: number, result: SendResult) => void;
  /** Counts a single span refused as too large dropped. */
  readonly tooLarge: () => void;
  /**
   * The bookkeeping of a part whose delivery failed (one more attempt, backed off); undefined
   * when that attempt was the last one, its spans then counted given up.
   */
  readonly backOff: (spans: number, failure: SendResult) => Retry | undefined;
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

/** How a split ended. */
export type SplitOutcome =
  /** The entry stays as it was; the drain backs it off with `failure` (else its own 413). */
  | { readonly kept: true; readonly failure?: SendResult }
  /**
   * The entry is gone: delivered, dropped or replaced by its undelivered parts, the earliest due
   * at `nextDue`. `stop` is the failure (retryable, or an abort) that ends the drain.
   */
  | { readonly kept: false; readonly nextDue: number; readonly stop?: SendResult };

/** A part not delivered, with its failed attempt (none when it was not tried). */
interface Undelivered {
  readonly part: CountedPart;
  readonly failure?: SendResult;
}

/**
 * Cuts a body into two (rarely three) parts of about half its size ({@linkcode halveOtlpBody}).
 *
 * @param body The uncompressed body.
 * @param type Its content type (without the destination tag).
 * @param spanCount The spans the entry says it holds.
 * @returns The parts, or undefined when the body cannot be split into parts whose span counts
 *   add up to `spanCount`.
 */
function halves(body: Uint8Array, type: string, spanCount: number): CountedPart[] | undefined {
  const parts = halveOtlpBody(body, type);
  const total = parts?.reduce((n, part) => n + part.spans, 0);
  return total === spanCount ? parts : undefined;
}

/**
 * Sends the halves of a refused body, in order, halving a part again while refused; stops at
 * the first retryable failure or abort, or when the drain may send no more.
 *
 * @returns The parts not delivered (in order), whether any spans were delivered or dropped,
 *   and the failure that stopped the sends.
 */
async function sendHalves(
  ctx: SplitContext,
  parts: CountedPart[],
  type: string,
): Promise<{ left: Undelivered[]; settled: boolean; stop?: SendResult }> {
  const left: Undelivered[] = [];
  let settled = false;
  let stop: SendResult | undefined;
  let sending = true;
  while (parts.length > 0) {
    const part = parts.shift()!;
    const result: SendResult | undefined = sending ? await ctx.send(part) : undefined;
    if (result === undefined || result.reason === "aborted") {
      sending = false;
      stop ??= result;
      left.push({ part });
    } else if (result.ok) {
      ctx.delivered(part.spans, result);
      settled = true;
    } else if (result.reason === "http_413" && part.spans === 1) {
      ctx.tooLarge();
      settled = true;
    } else {
      const smaller = result.reason === "http_413"
        ? halves(part.body, type, part.spans)
        : undefined;
      if (smaller !== undefined) parts.unshift(...smaller);
      else {
        left.push({ part, failure: result });
        if (result.retryable) [sending, stop] = [false, result];
      }
    }
  }
  return { left, settled, stop };
}

/**
 * Redelivers an entry refused as too large in parts (see the module notes).
 *
 * @param ctx The drain's sending, outbox, report and bookkeeping.
 * @param entry The refused entry (more than one span).
 * @param type Its content type without the destination tag.
 * @returns Whether the entry stays as it was, else when its stored parts are due and what
 *   stopped the drain.
 * @example
 * ```ts
 * import { splitRefusedEntry } from "./_outbox_split.ts";
 * import { MemoryStorage } from "../storage/memory.ts";
 * import { emptyReport } from "../processor/report.ts";
 * const { outbox } = new MemoryStorage();
 * const body = new TextEncoder().encode('{"resourceSpans":[]}');
 * const entry = { id: "x", body, contentType: "application/json", spanCount: 0, reason: "http_413",
 *   createdAt: 0, notBefore: 0, attempts: 0 };
 * const ctx = { outbox, report: emptyReport(), send: () => Promise.resolve(undefined),
 *   pack: (part: Uint8Array) => Promise.resolve(part),
 *   delivered() {}, tooLarge() {}, backOff: () => undefined, claim: () => true, release() {},
 *   countRemoved() {} };
 * console.log(await splitRefusedEntry(ctx, entry, "application/json")); // { kept: true }
 * ```
 */
export async function splitRefusedEntry(
  ctx: SplitContext,
  entry: OutboxEntry,
  type: string,
): Promise<SplitOutcome> {
  const parts = halves(entry.body, type, entry.spanCount);
  if (parts === undefined) return { kept: true };
  if (!ctx.claim()) {
    await ctx.outbox.ack(entry.id); // evicted meanwhile, and counted dropped: nothing left to send
    return { kept: false, nextDue: Infinity };
  }
  ctx.onProblem?.(
    "export_split",
    `The receiver refused ${entry.spanCount} spans from the outbox as too large (413); sending them in parts`,
  );
  const { left, settled, stop } = await sendHalves(ctx, parts, type);
  const failure = left.find((u) => u.failure !== undefined)?.failure;
  if (!settled && failure !== undefined) {
    ctx.release(); // nothing delivered: the entry stays whole, backed off as any failure
    return { kept: true, failure };
  }
  const nextDue = await replaceEntry(ctx, entry, left, !settled);
  if (nextDue === undefined) {
    ctx.release();
    return { kept: true };
  }
  return { kept: false, nextDue, stop };
}

/**
 * Stores the undelivered parts of an entry, then removes it. When the first part cannot be
 * stored (a full outbox dropping the newest, a write error) and the entry may stay (no span of
 * it was delivered or dropped), nothing changes. Otherwise a part that cannot be stored is tried
 * once more after the entry is removed (its room may take the part); still refused, its spans
 * are counted dropped (`outbox_full`, `outbox_too_large`) or failed (write error).
 *
 * @returns The earliest not-before time of the stored parts (`Infinity` for none), or
 *   undefined when the entry stays as it was.
 */
async function replaceEntry(
  ctx: SplitContext,
  entry: OutboxEntry,
  left: readonly Undelivered[],
  keepable: boolean,
): Promise<number | undefined> {
  const { outbox, report } = ctx;
  let stored = true; // the entry, until acked or removed by one of the enqueues below
  let error: unknown;
  const store = async (part: CountedPart, retry: Retry): Promise<string> => {
    try {
      const result = await outbox.enqueue({
        ...retry,
        body: await ctx.pack(part.body),
        contentType: entry.contentType,
        spanCount: part.spans,
        createdAt: entry.createdAt,
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
  let nextDue = Infinity;
  for (const [index, { part, failure }] of left.entries()) {
    const retry = failure === undefined
      ? { attempts: entry.attempts, notBefore: Date.now(), reason: "http_413" }
      : ctx.backOff(part.spans, failure);
    if (retry === undefined) continue; // given up, and counted so
    let outcome = await store(part, retry);
    if (outcome !== "stored" && stored) {
      if (index === 0 && keepable) return undefined;
      await remove();
      outcome = await store(part, retry);
    }
    if (outcome === "stored") nextDue = Math.min(nextDue, retry.notBefore);
    else if (outcome === "failed") {
      report.failed += part.spans;
      const why = safeString(error);
      ctx.onProblem?.(
        "outbox_failed",
        `Cannot write ${part.spans} spans to the export outbox: ${why}`,
      );
    } else {
      addDropped(report, outcome, part.spans);
      ctx.onProblem?.("outbox_full", `Cannot keep ${part.spans} spans in the outbox (${outcome})`);
    }
  }
  await remove();
  return nextDue;
}
