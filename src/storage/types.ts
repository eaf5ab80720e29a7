/**
 * The storage contract every adapter implements: append-only line logs, content-addressed
 * blobs and a durable outbox of unsent export batches. Paths are given as segments; adapters
 * sanitize each segment so nothing is ever written outside their root.
 *
 * @module
 */

/** A log location as path segments, for example `["projects", "p", runId, "spans.jsonl"]`. */
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

/** An outbox entry without its body, with the body's size (what eviction reports). */
export interface OutboxEntryInfo extends Omit<OutboxEntry, "body"> {
  /** Byte length of the body. */
  readonly size: number;
}

/**
 * What an outbox does when a new entry does not fit its bounds: `"oldest"` evicts the oldest
 * entries until it fits (like the OpenTelemetry batch processor), `"newest"` refuses the new
 * entry and keeps what is stored (like the OpenAI Agents processor). The same choices as the
 * batch processor's `dropPolicy`.
 */
export type OutboxDropPolicy = "newest" | "oldest";

/** Outbox bounds every adapter with an outbox accepts. */
export interface OutboxOptions {
  /** Maximum total body bytes. Default 8 MiB. */
  readonly outboxMaxBytes?: number | undefined;
  /** Maximum number of entries. Default 1024. */
  readonly outboxMaxEntries?: number | undefined;
  /** What to drop when full. Default `"oldest"`. */
  readonly outboxDropPolicy?: OutboxDropPolicy | undefined;
  /**
   * Entries created longer ago than this (ms, by their `createdAt`) are removed by the next
   * enqueue, whatever endpoint they were meant for, and reported as `expired`. Default 7 days.
   */
  readonly outboxMaxAgeMillis?: number | undefined;
}

/** The result of an outbox enqueue. */
export interface EnqueueResult {
  /** False when the entry was not stored. */
  readonly accepted: boolean;
  /**
   * Why it was not stored: `too_large` (the body alone exceeds the byte bound) or `full`
   * (the `"newest"` drop policy refused it). Absent when accepted.
   */
  readonly rejected?: "too_large" | "full" | undefined;
  /** Older entries evicted to make room (oldest first), with their span counts and sizes. */
  readonly evicted: readonly OutboxEntryInfo[];
  /**
   * Entries removed because they were older than the outbox's maximum age (oldest first).
   * Absent from outboxes that do not expire entries.
   */
  readonly expired?: readonly OutboxEntryInfo[] | undefined;
}

/** Which entries {@linkcode Outbox.peek} returns. */
export interface OutboxPeekOptions {
  /**
   * A cursor: only entries whose id sorts after this id (an id an earlier `peek` returned), so a
   * reader can page through an outbox whose oldest entries it cannot use yet.
   */
  readonly after?: string | undefined;
  /**
   * Only entries due by this epoch-ms time (`notBefore <= dueBy`); the others are skipped
   * without reading their bodies.
   */
  readonly dueBy?: number | undefined;
  /**
   * Only entries meant for this destination: those whose content type carries the parameter
   * `tracelet-destination=<destination>`, and those that carry none. The others are skipped
   * without reading their bodies.
   */
  readonly destination?: string | undefined;
  /**
   * Claims the returned entries for `owner` for `millis` ms: until the claim ends, or the entry is
   * acked or updated, peeks that claim entries for another owner skip it (peeks without `lease`
   * still see it). So several drainers of one outbox do not deliver the same entry twice. The
   * claim lives in the process that runs the outbox: the Durable Object for
   * `DurableObjectStubStorage`, in files beside the entries for the file-system adapters (seen by
   * every thread and process on the root; a claim left by a killed process ends with its time),
   * this process for the other adapters. `owner` is any non-empty string (e.g. a random id per
   * drainer); `millis` is finite and >= 0.
   */
  readonly lease?: { readonly owner: string; readonly millis: number } | undefined;
}

/**
 * A durable FIFO of unsent export batches with a byte bound and an entry bound. Ids sort in
 * enqueue order, so `peek` returns entries oldest first. Read-your-writes: an entry is visible to
 * `peek` as soon as `enqueue` resolves.
 */
export interface Outbox {
  /**
   * A hint for drainers: how many entries one drain should deliver at most. The Cloudflare
   * adapters give 16 (a Worker invocation has a small budget of subrequests and binding
   * operations); absent means no particular bound.
   */
  readonly maxDeliveriesPerDrain?: number | undefined;
  /**
   * A hint for drainers: reading this outbox is a billed remote operation (a KV or R2 listing, a
   * Durable Object request), so a flush need not look again for this many milliseconds after a
   * look that found nothing due, unless its own exporter parked a batch since. The Cloudflare
   * adapters give 30 s; absent means every flush looks.
   */
  readonly idleRecheckMillis?: number | undefined;
  /**
   * True when the entries live only in this process's memory (`MemoryStorage`'s outbox) and are
   * gone when it ends: an exporter's closing flush then tries every entry, due or not.
   */
  readonly volatile?: boolean | undefined;
  /**
   * Stores an entry (its body is copied before the call returns); applies the drop policy if a
   * bound requires it. Rejects with a `TypeError` for a malformed entry, or on I/O failure.
   */
  enqueue(entry: OutboxInput): Promise<EnqueueResult>;
  /**
   * Up to `limit` entries, oldest first (`limit <= 0` gives none), optionally only those after a
   * cursor and due by a time. Rejects with a `TypeError` for malformed options.
   */
  peek(limit: number, options?: OutboxPeekOptions): Promise<OutboxEntry[]>;
  /**
   * Replaces an entry's retry bookkeeping (attempts, notBefore, reason) and ends its lease;
   * ignores unknown ids.
   */
  update(
    id: string,
    changes: Pick<OutboxEntry, "attempts" | "notBefore" | "reason">,
  ): Promise<void>;
  /** Removes an entry (after delivery or when giving up). Unknown ids are ignored. */
  ack(id: string): Promise<void>;
  /**
   * Optional: ends this process's lease on an entry (see `peek`'s `lease`) and leaves the entry
   * as it is, for a drainer that stops before delivering entries it leased, so another drainer
   * (maybe another process) need not wait for the lease to end. Unknown ids are ignored.
   */
  release?(id: string): Promise<void>;
  /** Total bytes of the bodies currently stored. */
  bytes(): Promise<number>;
}

/**
 * A storage backend. `appendLines` must be atomic per call with respect to other appends to the
 * same log from this process, and lines must read back in append order.
 *
 * Paths and blob keys may come from data (project, run id, session id): adapters map every segment
 * through `src/storage/_sanitize.ts` (or keep them as opaque keys), so distinct paths stay distinct
 * and nothing is written outside the adapter's root. A path that is a strict prefix of another
 * log's path is not supported (on a file system a file cannot also be a directory).
 */
export interface TraceStorage {
  /** A short name of the adapter, e.g. `memory`, `node-fs`. */
  readonly kind: string;
  /**
   * Optional: true when the adapter bounds its logs itself, evicting the oldest lines (as
   * `MemoryStorage` does), so a log per trace cannot pile up. The local JSONL exporter then does
   * not warn about a log per trace outside any run (`local_log_per_trace`). Unset: logs are kept
   * until someone deletes them (files, R2).
   */
  readonly boundedLogs?: boolean | undefined;
  /**
   * Appends lines to a log. A line must not contain `"\n"` and the path must not be empty (the
   * call rejects with a `TypeError` and writes nothing); an empty `lines` array does nothing.
   * When it rejects after part of the lines reached the log (the fs adapters on a full disk, which
   * never cut a file back: another process may have appended to it meanwhile), the error carries
   * `linesWritten`, how many of the first lines are in the log whole; the rest are not, but for a
   * torn start of the next one, which reads back as a malformed line of its own. An error without
   * `linesWritten` means none were written.
   */
  appendLines(path: StoragePath, lines: readonly string[]): Promise<void>;
  /** Reads every line of a log in order; an empty array when the log does not exist. */
  readLines(path: StoragePath): Promise<string[]>;
  /**
   * Stores bytes under a key if absent (write-once: a second put of the same key keeps the first
   * bytes). Keys `sha256:<64 lower-case hex>` are artifacts; any other string is an object key.
   * The bytes are copied before the call returns. Rejects when the adapter cannot keep the blob
   * (a full disk, a bound): a put that resolves means the blob can be read back.
   */
  putBlob(key: string, bytes: Uint8Array): Promise<void>;
  /**
   * Optional (the file-system adapters have it): like `putBlob`, with the bytes given in order as
   * chunks, so a blob larger than memory (a multi-GB artifact) can be stored. Write-once like
   * `putBlob`: when the key exists, the stored bytes are kept and `chunks` is not read. Chunks
   * are read one at a time, each written before the next is asked for. When `chunks` rejects
   * (or yields something not a `Uint8Array`: `TypeError`), the call rejects and nothing is
   * stored under the key.
   */
  putBlobStream?(key: string, chunks: AsyncIterable<Uint8Array>): Promise<void>;
  /** Reads a blob (a copy the caller may keep), or undefined when absent. */
  getBlob(key: string): Promise<Uint8Array | undefined>;
  /** True when a blob exists. */
  hasBlob(key: string): Promise<boolean>;
  /** The durable outbox of unsent export batches. */
  readonly outbox: Outbox;
  /** Waits for pending writes and releases open handles. Idempotent. */
  close?(): Promise<void>;
}
