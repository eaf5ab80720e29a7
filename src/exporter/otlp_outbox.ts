/**
 * The OTLP exporter's durable outbox, injected into `OtlpHttpExporter` as an object so
 * a program without storage does not bundle it (`createOtlpExporter` wires one whenever it is
 * given a storage). Undeliverable batches are parked in a storage adapter's outbox (the body
 * as it was sent: gzip, marked `; encoding=gzip` in its content type, when the exporter
 * compresses; reason and not-before time stored, headers never stored: they are re-applied at
 * send time) and redelivered by later exports and `forceFlush`, by this or a later exporter
 * instance, oldest first, each only to the endpoint it was meant for.
 *
 * @module
 */
import { TracerError } from "../errors.ts";
import { safeString } from "../safe_string.ts";
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
   */
  park(
    link: OutboxLink,
    batch: UndeliveredBatch,
    retryAfterMillis: number | undefined,
    report: FlushReport,
  ): Promise<void>;
  /**
   * Redelivers due batches. Never rejects.
   *
   * @param link The exporter.
   * @param deadline Epoch ms after which no new delivery starts.
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

/** How often an idle outbox is looked at again (another process may have parked batches). */
const RECHECK_MILLIS = 30_000;

interface DrainState {
  readonly tag: string;
  /** Leases this exporter's drains take (random, made on first use). */
  owner?: string;
  nextDrainAt: number;
  /** Epoch ms of its last drain's start. */
  lookedAt: number;
  draining?: Promise<void>;
}

/**
 * The durable outbox over a storage adapter's `outbox`: per-entry backoff from 5 s doubling to
 * 1 h, 20 attempts, then `outbox_expired`. Evictions by the storage's bounds are counted as
 * `outbox_full`, entries the storage removes for their age as `outbox_expired`. A drain delivers
 * at most `maxDeliveriesPerDrain` entries (16 on the Cloudflare adapters, else 256 by default).
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
      state = { tag: destinationTag(url), nextDrainAt: 0, lookedAt: 0 };
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
  ): Promise<void> {
    const state = this.#stateOf(link.url);
    const parked = await parkBatch(
      this.#storage.outbox,
      batch,
      state.tag,
      retryAfterMillis,
      this.#policy,
      report,
    );
    if (parked.notBefore !== undefined) {
      state.nextDrainAt = Math.min(state.nextDrainAt, parked.notBefore);
    }
    if (parked.problem !== undefined) link.warn(parked.problem.code, parked.problem.message);
  }

  /**
   * Redelivers due batches (see {@linkcode ExportOutbox.drain}).
   *
   * @param link The exporter.
   * @param deadline Epoch ms after which no new delivery starts.
   * @param signal Stops the drain.
   * @param report Receives the counts.
   * @param force Drain now (or wait for the drain in progress).
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
      if (!force) return;
      await state.draining;
      if (!all) return; // else the entries that drain left as not due yet are tried too
    }
    // Before an export: not before anything this exporter knows of is due (its last drain's
    // earliest entry, what it parked since), or its last look is RECHECK_MILLIS old. A flush looks
    // anyway, but in an outbox whose reads are billed (`idleRecheckMillis`: a KV or R2 listing, a
    // Durable Object request), which a Worker would pay on every invocation, not within that time
    // of its last look. A closing drain of every entry always looks.
    const now = Date.now();
    const recheck = this.#storage.outbox.idleRecheckMillis;
    if (
      !all && now < state.nextDrainAt &&
      (!force || recheck !== undefined && now < state.lookedAt + recheck)
    ) return;
    state.lookedAt = now;
    const run = async (): Promise<void> => {
      try {
        const nextDue = await drainOutbox({
          outbox: this.#storage.outbox,
          deliver: (entry, type) => link.send(entry.body, type, deadline, signal),
          destination: state.tag,
          leaseOwner: state.owner ??= crypto.randomUUID(),
          policy: this.#policy,
          deadline,
          signal,
          report,
          all,
          onProblem: (code, message) => link.warn(code, message),
        });
        state.nextDrainAt = Math.min(nextDue, Date.now() + RECHECK_MILLIS);
      } catch (error) {
        state.nextDrainAt = Date.now() + this.#policy.initialDelayMillis;
        link.warn(
          "outbox_failed",
          `Cannot read the export outbox, so parked batches are not redelivered: ${
            safeString(error)
          }`,
        );
      }
    };
    state.draining = run();
    try {
      await state.draining;
    } finally {
      state.draining = undefined;
    }
  }
}
