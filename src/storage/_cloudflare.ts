/**
 * Key layout and small helpers shared by the Cloudflare adapters (R2, KV, Durable Object).
 *
 * Every key starts with the adapter's prefix (default `tracelet/`), then one of:
 * - `l/<log>/~/<id>`: one append of a line log (`<log>` is the sanitized path, `~` ends it, so a
 *   log never lists another log's chunks; `<id>` sorts in append order);
 * - `b/<blob path>`: a blob (`artifacts/sha256/..` or `objects/<key>`, as in `_sanitize.ts`);
 * - `o/<id>`: an outbox entry.
 *
 * Sanitized segments never contain `/` and never start with `~`, so distinct paths give distinct
 * keys, and nothing is ever written outside the prefix. A log path longer than 240 characters
 * once sanitized is keyed as `~<hash>` instead: 32 hex digits, 128 bits of the SHA-256 of the
 * original path's JSON (see `segmentDigest`).
 *
 * @module
 */

import { TracerError } from "../errors.ts";
import { newOutboxId } from "./_outbox_entries.ts";
import {
  blobSegments,
  checkLines,
  checkPath,
  sanitizeSegment,
  segmentDigest,
} from "./_sanitize.ts";
import type { StoragePath } from "./types.ts";
import { utf8Encoder } from "../utf8.ts";

/** The default key prefix of the Cloudflare adapters. */
export const DEFAULT_PREFIX = "tracelet/";

/**
 * How many outbox entries one drain should deliver at most on Cloudflare (the outbox's
 * `maxDeliveriesPerDrain` hint): each delivery is a subrequest plus two or three binding
 * operations, and a Worker invocation may make only 50 subrequests on the Free plan and 1000 KV
 * operations.
 */
export const CLOUDFLARE_DELIVERIES_PER_DRAIN = 16;

/**
 * How long a flush may skip looking into a Cloudflare outbox after a look found nothing due
 * (`Outbox.idleRecheckMillis`): each look is a KV or R2 listing or a Durable Object request, and a
 * Worker flushes at the end of every invocation (the KV Free plan allows 1,000 listings a day).
 */
export const CLOUDFLARE_IDLE_RECHECK_MILLIS = 30_000;

/** Longest log part of a key before it is replaced by a hash (KV keys are at most 512 bytes). */
const MAX_LOG_KEY = 240;

/**
 * Validates a key prefix: a string of at most 128 UTF-8 bytes, without control characters or
 * unpaired surrogates (two such prefixes would become the same key), so that every key tracelet
 * builds on it stays within KV's 512-byte key limit.
 *
 * @param prefix The user's prefix, or undefined for the default.
 * @param adapter The adapter name, for the error message.
 * @returns The prefix.
 * @throws {TracerError} `INVALID_CONFIG` for anything else.
 */
export function checkPrefix(prefix: string | undefined, adapter: string): string {
  const value = prefix ?? DEFAULT_PREFIX;
  if (
    typeof value !== "string" || utf8Encoder.encode(value).byteLength > 128 ||
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f]|\p{Cs}/u.test(value)
  ) {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot create ${adapter} storage: prefix must be a string of at most 128 bytes of printable characters`,
    );
  }
  return value;
}

/**
 * The key prefix of a line log's chunks, ending in `/~/`.
 *
 * @param path The log path (validated).
 * @returns For example `l/projects/p/run/spans.jsonl/~/`.
 * @throws {TypeError} When the path is invalid.
 */
export function logPrefix(path: StoragePath): string {
  const joined = checkPath(path).map(sanitizeSegment).join("/");
  const log = joined.length <= MAX_LOG_KEY ? joined : `~${segmentDigest(JSON.stringify(path))}`;
  return `l/${log}/~/`;
}

/**
 * The key of a blob.
 *
 * @param key The blob key.
 * @returns For example `b/artifacts/sha256/ab/cd/abcd…` or `b/objects/name`.
 * @throws {TypeError} When the key is not a string.
 */
export function blobKey(key: string): string {
  return `b/${blobSegments(key).join("/")}`;
}

/**
 * The key of a new chunk of a line log (its id sorts in creation order within this isolate, see
 * `newOutboxId`), after validating the path and the lines.
 *
 * @param prefix The adapter's key prefix.
 * @param path The log path.
 * @param lines The lines to append.
 * @returns `<prefix>l/<log>/~/<id>`, or undefined when there are no lines (nothing to write).
 * @throws {TypeError} When the path or a line is invalid.
 */
export function newChunkKey(
  prefix: string,
  path: StoragePath,
  lines: readonly string[],
): string | undefined {
  const log = logPrefix(path);
  return checkLines(lines).length === 0 ? undefined : prefix + log + newOutboxId();
}

/**
 * Validates the arguments of `putBlob` and copies the bytes (the caller may reuse its buffer as
 * soon as the call returns).
 *
 * @param key The blob key.
 * @param bytes The content.
 * @returns A copy of the bytes over its own, exactly sized buffer (typed without
 *   `Uint8Array<ArrayBuffer>`, which TypeScript 5.6 and older reject in the shipped declarations).
 * @throws {TypeError} When the key is not a string or the bytes not a `Uint8Array`.
 */
export function copyBlob(
  key: unknown,
  bytes: unknown,
): Uint8Array & { readonly buffer: ArrayBuffer } {
  if (typeof key !== "string" || !(bytes instanceof Uint8Array)) {
    throw new TypeError("Cannot put blob: expected a string key and a Uint8Array");
  }
  return bytes.slice();
}

/**
 * Joins lines into one chunk text (the lines were validated; none contains a newline).
 *
 * @param lines At least one line.
 * @returns The text.
 */
export function joinLines(lines: readonly string[]): string {
  return lines.join("\n");
}

/**
 * Splits a chunk text back into its lines.
 *
 * @param text The chunk text.
 * @returns The lines.
 */
export function splitLines(text: string): string[] {
  return text.split("\n");
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping result order.
 *
 * @param items The inputs.
 * @param limit Maximum concurrency.
 * @param fn The async mapping.
 * @returns The results in input order.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Copies bytes into a fresh, exactly sized `ArrayBuffer` (bindings store whole buffers).
 *
 * @param bytes The bytes.
 * @returns A new buffer.
 */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}
