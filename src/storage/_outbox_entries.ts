/**
 * Outbox entries: the sortable id format ({@linkcode newOutboxId}, {@linkcode isOutboxId}), the
 * validation of entry fields and peek options given by callers or read back from a store, and the
 * bounds ({@linkcode outboxLimits}, with the `DEFAULT_OUTBOX_*` defaults). The outbox itself, which
 * applies them, is `BoundedOutbox` in `_outbox.ts`.
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import type {
  OutboxDropPolicy,
  OutboxEntryInfo,
  OutboxOptions,
  OutboxPeekOptions,
} from "./types.ts";

/** Default outbox byte bound: 8 MiB of bodies. */
export const DEFAULT_OUTBOX_MAX_BYTES: number = 8 * 1024 * 1024;
/** Default outbox entry bound. */
export const DEFAULT_OUTBOX_MAX_ENTRIES = 1024;
/** Default age after which an entry is removed by the next enqueue: 7 days. */
export const DEFAULT_OUTBOX_MAX_AGE_MILLIS: number = 7 * 24 * 60 * 60 * 1000;

const ID_PATTERN = /^\d{15}-\d{6}-[0-9a-f]{8}$/;
let lastTime = 0;
let sequence = 0;

/**
 * A new outbox id `<15-digit epoch ms>-<6-digit sequence>-<8 random hex>`. Ids made in one
 * process sort in creation order, even if the wall clock steps back; the random part keeps ids of
 * different processes sharing one directory apart.
 *
 * @returns The id.
 */
export function newOutboxId(): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
  } else if (++sequence > 999_999) {
    lastTime++;
    sequence = 0;
  }
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(16).padStart(8, "0");
  return `${String(lastTime).padStart(15, "0")}-${String(sequence).padStart(6, "0")}-${random}`;
}

/**
 * True for strings shaped like {@linkcode newOutboxId} output (safe to use as a file name).
 *
 * @param id Any value.
 * @returns Whether it is an outbox id.
 */
export function isOutboxId(id: unknown): id is string {
  return typeof id === "string" && ID_PATTERN.test(id);
}

/** Validated {@linkcode OutboxPeekOptions}. */
export interface PeekFilter {
  /** The cursor (`""` sorts before every id). */
  readonly after: string;
  /** The due time (`Infinity` when absent). */
  readonly dueBy: number;
  /** The destination tag, if any. */
  readonly destination?: string;
  /** The claim to take on the returned entries, if any. */
  readonly lease?: { readonly owner: string; readonly millis: number };
}

/**
 * Reads {@linkcode OutboxPeekOptions} given by a caller (possibly over a Durable Object RPC).
 *
 * @param options The options.
 * @returns The validated options, with `after` `""` and `dueBy` `Infinity` when absent.
 * @throws {TypeError} When `after` or `destination` is not a string, `dueBy` is not a number, or
 *   `lease` is not `{ owner: non-empty string, millis: finite number >= 0 }`.
 */
export function checkPeekOptions(options: unknown): PeekFilter {
  if (options === undefined || options === null) return { after: "", dueBy: Infinity };
  if (typeof options !== "object") peekFail("options must be an object");
  const { after, dueBy, destination, lease } = options as OutboxPeekOptions;
  if (after !== undefined && typeof after !== "string") {
    peekFail("after must be an outbox entry id");
  }
  if (dueBy !== undefined && (typeof dueBy !== "number" || Number.isNaN(dueBy))) {
    peekFail("dueBy must be epoch milliseconds");
  }
  if (destination !== undefined && typeof destination !== "string") {
    peekFail("destination must be a string");
  }
  if (
    lease !== undefined &&
    (typeof lease?.owner !== "string" || lease.owner === "" ||
      !(Number.isFinite(lease.millis) && lease.millis >= 0))
  ) {
    peekFail("lease must be { owner: a non-empty string, millis: a finite number >= 0 }");
  }
  return {
    after: after ?? "",
    dueBy: dueBy ?? Infinity,
    ...(destination === undefined ? {} : { destination }),
    ...(lease === undefined ? {} : { lease: { owner: lease.owner, millis: lease.millis } }),
  };
}

function peekFail(what: string): never {
  throw new TypeError(`Cannot peek the outbox: ${what}`);
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Validates the metadata fields of an outbox entry (everything except `id` and `body`).
 *
 * @param fields The candidate fields.
 * @param action What the caller was doing, for the error message (e.g. `enqueue`).
 * @throws {TypeError} Naming the first invalid field.
 */
export function checkOutboxFields(fields: Partial<OutboxEntryInfo>, action: string): void {
  if (typeof fields.contentType !== "string") fail(action, "contentType must be a string");
  if (!isCount(fields.spanCount)) fail(action, "spanCount must be a non-negative integer");
  if (!Number.isFinite(fields.createdAt)) fail(action, "createdAt must be a finite number");
  checkRetryFields(fields, action);
}

/**
 * Builds an entry's metadata from stored or given fields, keeping only the known fields.
 *
 * @param id The entry id.
 * @param fields The candidate fields, `size` included.
 * @param action What the caller was doing, for the error message (e.g. `read`).
 * @returns The validated metadata.
 * @throws {TypeError} Naming the first invalid field.
 */
export function toOutboxInfo(
  id: string,
  fields: Partial<OutboxEntryInfo>,
  action: string,
): OutboxEntryInfo {
  checkOutboxFields(fields, action);
  if (!isCount(fields.size)) fail(action, "size must be a non-negative integer");
  const { contentType, spanCount, reason, createdAt, notBefore, attempts, size } = fields;
  return {
    id,
    contentType,
    spanCount,
    reason,
    createdAt,
    notBefore,
    attempts,
    size,
  } as OutboxEntryInfo;
}

/**
 * Validates the retry bookkeeping of an outbox entry (`reason`, `attempts` and `notBefore`).
 *
 * @param fields The candidate fields.
 * @param action What the caller was doing, for the error message (e.g. `update`).
 * @throws {TypeError} Naming the first invalid field.
 */
export function checkRetryFields(fields: Partial<OutboxEntryInfo>, action: string): void {
  if (typeof fields.reason !== "string") fail(action, "reason must be a string");
  if (!isCount(fields.attempts)) fail(action, "attempts must be a non-negative integer");
  if (!Number.isFinite(fields.notBefore)) fail(action, "notBefore must be a finite number");
}

function fail(action: string, what: string): never {
  throw new TypeError(`Cannot ${action} outbox entry: ${what}`);
}

/** Validated outbox bounds. */
export interface OutboxLimits {
  /** Maximum total body bytes. */
  readonly maxBytes: number;
  /** Maximum number of entries. */
  readonly maxEntries: number;
  /** What to drop when full. */
  readonly policy: OutboxDropPolicy;
  /** Age (ms since `createdAt`) past which an enqueue removes an entry. */
  readonly maxAgeMillis: number;
}

/**
 * Resolves and validates {@linkcode OutboxOptions} with their defaults.
 *
 * @param options The adapter's options.
 * @returns The bounds.
 * @throws {TracerError} `INVALID_CONFIG` for a non-positive bound or maximum age, or an unknown
 *   policy.
 */
export function outboxLimits(options: OutboxOptions = {}): OutboxLimits {
  const maxBytes = options.outboxMaxBytes ?? DEFAULT_OUTBOX_MAX_BYTES;
  const maxEntries = options.outboxMaxEntries ?? DEFAULT_OUTBOX_MAX_ENTRIES;
  const policy = options.outboxDropPolicy ?? "oldest";
  const maxAgeMillis = options.outboxMaxAgeMillis ?? DEFAULT_OUTBOX_MAX_AGE_MILLIS;
  const positive = (value: unknown) => isCount(value) && value !== 0;
  if (!positive(maxBytes) || !positive(maxEntries) || !positive(maxAgeMillis)) {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot configure outbox: outboxMaxBytes, outboxMaxEntries and outboxMaxAgeMillis must be positive integers",
    );
  }
  if (policy !== "oldest" && policy !== "newest") {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot configure outbox: outboxDropPolicy must be "newest" or "oldest", not "${policy}"`,
    );
  }
  return { maxBytes, maxEntries, policy, maxAgeMillis };
}
