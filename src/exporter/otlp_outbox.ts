/**
 * The OTLP exporter's durable outbox, injected into `OtlpHttpExporter` as an object so
 * a program without storage does not bundle it (`createOtlpExporter` wires one whenever it is
 * given a storage). Undeliverable batches are parked in a storage adapter's outbox (the body
 * as it was sent: gzip, marked `; encoding=gzip` in its content type, when the exporter
 * compresses; reason and not-before time stored, headers never stored: they are re-applied at
 * send time) and redelivered by later exports and `forceFlush`, by this or a later exporter
 * instance, oldest first, each only to the endpoint it was meant for.
 *
 * An outbox that does not answer (a Durable Object that hangs, a slow network mount) never holds an
 * export past its deadline: a drain is given up at its deadline and a write at the export's (see
 * {@linkcode OtlpOutbox}), with an `outbox_failed` warning, and the batch goes to the receiver
 * without waiting for them.
 *
 * @module
 */
import { newUuid } from "../ids.ts";
import { TracerError } from "../errors.ts";
import { emptyReport, mergeReport } from "../processor/report.ts";
import { safeString } from "../safe_string.ts";
import { settlesWithin } from "../settles_within.ts";
import type { TraceStorage } from "../storage/types.ts";
import type { FlushReport } from "../types.ts";
import type { SendResult } from "./otlp_http_options.ts";
import { destinationTag } from "../storage/_destination.ts";
import {
  drainOutbox,
  type OutboxRetryOptions,
  type OutboxRetryPolicy,
  outboxRetryPolicy,
  parkBatch,
} from "./_outbox.ts";

export type { OutboxRetryOptions } from "./_outbox.ts";

/** What an exporter lends its outbox: where it sends, how to send one body, how to warn. */
export interface OutboxLink {
  /** The exporter's traces URL (entries are tagged with a hash of it, never the URL itself). */
  readonly url: string;
  /**
   * Sends one stored body with a single attempt.
   *
   * @param body The stored body (gzip when its content type ends with `; encoding=gzip`).
   * @param contentType Its content type (the marker is sent as `Content-Encoding: gzip`).
   * @param deadline Epoch ms by which the attempt must be over.
   * @param signal Aborts the attempt.
   * @returns The classified outcome; never rejects.
   */
  send(
    body: Uint8Array,
    contentType: string,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<SendResult>;
  /**
   * Reports a (throttled, secret-masked) warning.
   *
   * @param code Stable diagnostic code.
   * @param message The sentence.
   */
  warn(code: string, message: string): void;
}

/** A batch that could not be delivered now. */
export interface UndeliveredBatch {
  /** The body as sent: gzip when its content type ends with `; encoding=gzip`. */
  readonly body: Uint8Array;
  /** Its content type. */
  readonly contentType: string;
  /** Spans in it. */
  readonly spanCount: number;
  /** Why it was not delivered (`http_400`, `network`, `shutdown`, …). */
  readonly reason: string;
}

/** Where an `OtlpHttpExporter` keeps batches it cannot deliver now. */
export interface ExportOutbox {
  /**
   * True when the batches are gone when the process ends (an in-memory outbox): the exporter's
   * closing flush (`forceFlush` with `closing`) then drains every batch, due or not, even while
   * it holds batches back from a receiver that did not answer.
   */
  readonly volatile?: boolean | undefined;
  /**
   * Stores an undeliverable batch, counting its spans as persisted (or dropped/failed). Never
   * rejects.
   *
   * @param link The exporter.
   * @param batch The batch.
   * @param retryAfterMillis The server's `Retry-After`, a lower bound of the first delay.
   * @param report Receives the counts.
   * @param deadline The export's epoch-ms deadline: a write not answered by then (or within a
   *   second, when less is left) is not waited for (its spans counted failed). Without it, the
   *   write is waited for as long as it takes.
   */
  park(
    link: OutboxLink,
    batch: UndeliveredBatch,
    retryAfterMillis: number | undefined,
    report: FlushReport,
    deadline?: number,
  ): Promise<void>;
  /**
   * Redelivers due batches. Never rejects, and returns by `deadline` even when the outbox does
   * not answer.
   *
   * @param link The exporter.
   * @param deadline Epoch ms after which no new delivery starts, and by which the drain returns.
   * @param signal Stops the drain.
   * @param report Receives exported / retried / dropped counts.
   * @param force `true` (forceFlush): drain now, or wait for a drain in progress; `false` (before
   *   an export): only when something may be due and no drain is running.
   * @param all Try the batches not due yet too (the closing flush of a volatile outbox).
   */
  drain(
    link: OutboxLink,
    deadline: number,
    signal: AbortSignal | undefined,
    report: FlushReport,
    force: boolean,
    all?: boolean,
  ): Promise<void>;
}

/**
 * How often an idle outbox is looked at again (another process may have parked batches); also the
 * longest time no drain starts after one was given up (its outbox did not answer) and before it
 * settles.
 */
const RECHECK_MILLIS = 30_000;
/**
 * The least time a write to the outbox is waited for, even at the export's deadline (a batch whose
 * request the receiver left unanswered until then).
 */
const PARK_MILLIS = 1000;
/**
 * A drain's deliveries end an eighth of its time, at most this many ms, before its deadline: the
 * outbox then has that time to record the last one (an ack, a backoff) before the drain is given up.
 */
const RECORD_MILLIS = 1000;

interface DrainState {
  readonly tag: string;
  /** Leases this exporter's drains take (random, made on first use). */
  owner?: string;
  nextDrainAt: number;
  /** Epoch ms of its last drain's start. */
  lookedAt: number;
  draining?: Promise<void>;
  /**
   * Until this epoch ms no drain starts: a drain was given up (its outbox did not answer in time)
   * and has not settled; 0 when none is pending.
   */
  stalledUntil: number;
}

/**
 * The durable outbox over a storage adapter's `outbox`: per-entry backoff from 5 s doubling to
 * 1 h, 20 attempts, then `outbox_expired`. Evictions by the storage's bounds are counted as
 * `outbox_full`, entries the storage removes for their age as `outbox_expired`. A drain delivers
 * at most `maxDeliveriesPerDrain` entries (16 on the Cloudflare adapters, else 256 by default).
 *
 * No export waits past its deadline for the storage: a drain is given up at its deadline, a write
 * at the export's (or after a second, when less is left), each with an `outbox_failed` warning. A
 * call answered late changes nothing that is counted or sent twice: the drain goes on in the
 * background but starts no delivery past its deadline, so a late read only ends its leases and a
 * late ack or backoff records a delivery already made; a late write keeps its batch (counted failed
 * in the export's report, it may still be delivered later). Until such a drain settles (at most
 * 30 s) no drain starts, and the next one leases under a new owner, so entries the first leased
 * stay out of its reach until their lease ends.
 *
 * @example
 * ```ts
 * import { MemoryStorage, OtlpHttpExporter, OtlpOutbox } from "@tracelet/tracelet";
 * const exporter = new OtlpHttpExporter({
 *   endpoint: "http://127.0.0.1:4318/v1/traces",
 *   outbox: new OtlpOutbox(new MemoryStorage()),
 * });
 * await exporter.shutdown();
 * ```
 */
export class OtlpOutbox implements ExportOutbox {
  readonly #storage: TraceStorage;
  readonly #policy: OutboxRetryPolicy;
  readonly #state = new Map<string, DrainState>();

  /**
   * Creates an outbox over a storage adapter.
   *
   * @param storage The storage whose `outbox` keeps the batches.
   * @param options Redelivery backoff.
   * @throws {TracerError} `INVALID_CONFIG` for a storage without an outbox or an invalid backoff
   *   setting.
   */
  constructor(storage: TraceStorage, options?: OutboxRetryOptions) {
    if (typeof storage?.outbox?.enqueue !== "function") {
      throw new TracerError(
        "INVALID_CONFIG",
        "Cannot create the export outbox: the storage has no outbox",
      );
    }
    this.#storage = storage;
    this.#policy = outboxRetryPolicy(options);
  }

  /** True when the storage's outbox lives in this process's memory. */
  get volatile(): boolean {
    return this.#storage.outbox.volatile === true;
  }

  #stateOf(url: string): DrainState {
    let state = this.#state.get(url);
    if (state === undefined) {
      state = { tag: destinationTag(url), nextDrainAt: 0, lookedAt: 0, stalledUntil: 0 };
      this.#state.set(url, state);
    }
    return state;
  }

  /**
   * Stores an undeliverable batch (see {@linkcode ExportOutbox.park}).
   *
   * @param link The exporter.
   * @param batch The batch.
   * @param retryAfterMillis The server's `Retry-After`, if any.
   * @param report Receives the counts.
   */
  async park(
    link: OutboxLink,
    batch: UndeliveredBatch,
    retryAfterMillis: number | undefined,
    report: FlushReport,
    deadline: number = Infinity,
  ): Promise<void> {
    const state = this.#stateOf(link.url);
    // Counted apart, and merged only when the write answers in time: a late one counts nothing.
    const counts = emptyReport();
    const parking = parkBatch(
      this.#storage.outbox,
      batch,
      state.tag,
      retryAfterMillis,
      this.#policy,
      counts,
    ).then((parked) => {
      // Also for a write that answers late: its entry is stored, and due then.
      if (parked.notBefore !== undefined) {
        state.nextDrainAt = Math.min(state.nextDrainAt, parked.notBefore);
      }
      return parked;
    });
    const millis = Math.max(deadline - Date.now(), PARK_MILLIS);
    if (!await settlesWithin(parking, millis)) {
      report.failed += batch.spanCount;
      link.warn(
        "outbox_failed",
        `Cannot write ${batch.spanCount} spans to the export outbox: it did not answer within ${millis} ms`,
      );
      return;
    }
    const { problem } = await parking;
    mergeReport(report, counts);
    if (problem !== undefined) link.warn(problem.code, problem.message);
  }

  /**
   * Redelivers due batches (see {@linkcode ExportOutbox.drain}).
   *
   * @param link The exporter.
   * @param deadline Epoch ms after which no new delivery starts, and by which it returns.
   * @param signal Stops the drain.
   * @param report Receives the counts.
   * @param force Drain now (or wait for the drain in progress, until the deadline).
   * @param all Try the batches not due yet too.
   */
  async drain(
    link: OutboxLink,
    deadline: number,
    signal: AbortSignal | undefined,
    report: FlushReport,
    force: boolean,
    all?: boolean,
  ): Promise<void> {
    const state = this.#stateOf(link.url);
    while (state.draining !== undefined) {
      // Another drain's outbox may not answer either: waited for until this one's deadline.
      if (!force || !await settlesWithin(state.draining, deadline - Date.now())) return;
      if (!all) return; // else the entries that drain left as not due yet are tried too
    }
    // Before an export: not before anything this exporter knows of is due (its last drain's
    // earliest entry, what it parked since), or its last look is RECHECK_MILLIS old. A flush looks
    // anyway, but in an outbox whose reads are billed (`idleRecheckMillis`: a KV or R2 listing, a
    // Durable Object request), which a Worker would pay on every invocation, not within that time
    // of its last look. A closing drain of every entry always looks. None while a drain given up on
    // has not settled: its outbox still owes it an answer, and this one would wait as long.
    const now = Date.now();
    const recheck = this.#storage.outbox.idleRecheckMillis;
    if (
      now < state.stalledUntil ||
      !all && now < state.nextDrainAt &&
        (!force || recheck !== undefined && now < state.lookedAt + recheck)
    ) return;
    state.lookedAt = now;
    const deliverBy = deadline - Math.min(RECORD_MILLIS, Math.max(0, deadline - now) / 8);
    // Counted apart: what the drain counts after it was given up is not reported.
    const counts = emptyReport();
    let givenUp = false;
    const run = async (): Promise<void> => {
      try {
        const nextDue = await drainOutbox({
          outbox: this.#storage.outbox,
          deliver: (entry, type) => link.send(entry.body, type, deliverBy, signal),
          destination: state.tag,
          leaseOwner: state.owner ??= newUuid(),
          policy: this.#policy,
          deadline: deliverBy,
          signal,
          report: counts,
          all,
          onProblem: (code, message) => link.warn(code, message),
        });
        state.nextDrainAt = Math.min(nextDue, Date.now() + RECHECK_MILLIS);
      } catch (error) {
        state.nextDrainAt = Date.now() + this.#policy.initialDelayMillis;
        if (!givenUp) { // a drain given up on was reported so
          link.warn(
            "outbox_failed",
            `Cannot read the export outbox, so parked batches are not redelivered: ${
              safeString(error)
            }`,
          );
        }
      }
    };
    const running = state.draining = run();
    const answered = await settlesWithin(running, deadline - Date.now());
    if (state.draining === running) state.draining = undefined;
    mergeReport(report, counts);
    if (answered) return;
    // The outbox did not answer in time (a read, an ack or a write that hangs or is slow): the
    // export goes on without it. The drain goes on in the background, starting no delivery (its
    // deadline is past); until it settles no drain starts, and the next one leases under a new
    // owner, so the entries this one leased (a late read's) stay out of its reach until their
    // lease ends: no entry is delivered twice.
    givenUp = true;
    state.owner = undefined;
    const until = state.stalledUntil = Date.now() + RECHECK_MILLIS;
    void running.then(() => {
      if (state.stalledUntil === until) state.stalledUntil = 0;
    });
    link.warn(
      "outbox_failed",
      `The export outbox did not answer within ${
        Math.max(0, deadline - now)
      } ms, so parked batches are not redelivered now`,
    );
  }
}
