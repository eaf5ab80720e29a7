/**
 * The storage contract every adapter implements: append-only line logs, content-addressed
 * blobs and a durable outbox of unsent export batches. Paths are given as segments; adapters
 * sanitize each segment so nothing is ever written outside their root.
 *
 * @module
 */

/** A log or blob location as path segments, for example `["projects", "p", runId, "spans.jsonl"]`. */
export type StoragePath = readonly string[];

/** One unsent export batch waiting in the outbox. */
export interface OutboxEntry {
  /** Unique, sortable id assigned by the adapter on enqueue (oldest sorts first). */
  readonly id: string;
  /** The encoded request body (not compressed). */
  readonly body: Uint8Array;
  /** Content type of `body`, e.g. `application/x-protobuf`. */
  readonly contentType: string;
  /** How many spans the batch holds. */
  readonly spanCount: number;
  /** Why it is in the outbox (e.g. `deadline`, `http_503`, `network`). */
  readonly reason: string;
  /** Epoch ms when it was first enqueued. */
  readonly createdAt: number;
  /** Epoch ms before which it should not be retried. */
  readonly notBefore: number;
  /** Delivery attempts made from the outbox so far. */
  readonly attempts: number;
}

/** What the caller provides to enqueue; the adapter assigns the id. */
export type OutboxInput = Omit<OutboxEntry, "id">;

/** The result of an outbox enqueue. */
export interface EnqueueResult {
  /** False when the entry itself could not be stored (e.g. larger than the whole bound). */
  readonly accepted: boolean;
  /** Older entries evicted to make room, with their span counts. */
  readonly evicted: readonly OutboxEntry[];
}

/** A durable FIFO of unsent export batches with a byte bound. */
export interface Outbox {
  /** Stores an entry; evicts the oldest entries if the byte bound requires it. */
  enqueue(entry: OutboxInput): Promise<EnqueueResult>;
  /** Up to `limit` entries, oldest first. */
  peek(limit: number): Promise<OutboxEntry[]>;
  /** Replaces the retry bookkeeping of an entry (attempts, notBefore, reason). */
  update(id: string, changes: Pick<OutboxEntry, "attempts" | "notBefore" | "reason">): Promise<void>;
  /** Removes an entry (after delivery or when giving up). Unknown ids are ignored. */
  ack(id: string): Promise<void>;
  /** Total bytes of the bodies currently stored. */
  bytes(): Promise<number>;
}

/**
 * A storage backend. `appendLines` must be atomic per call with respect to other appends to the
 * same log from this process, and lines must read back in append order.
 */
export interface TraceStorage {
  /** A short name of the adapter, e.g. `memory`, `node-fs`. */
  readonly kind: string;
  /** Appends lines (without trailing newlines) to a log. */
  appendLines(path: StoragePath, lines: readonly string[]): Promise<void>;
  /** Reads every line of a log in order; an empty array when the log does not exist. */
  readLines(path: StoragePath): Promise<string[]>;
  /** Stores bytes under a key if absent (write-once). */
  putBlob(key: string, bytes: Uint8Array): Promise<void>;
  /** Reads a blob, or undefined when absent. */
  getBlob(key: string): Promise<Uint8Array | undefined>;
  /** True when a blob exists. */
  hasBlob(key: string): Promise<boolean>;
  /** The durable outbox of unsent export batches. */
  readonly outbox: Outbox;
  /** Releases open handles. Idempotent. */
  close?(): Promise<void>;
}
