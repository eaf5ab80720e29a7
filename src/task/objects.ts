/**
 * The object store of one task: content-addressed objects (inputs, outputs, `logObject`, metric
 * origins) keyed by dreadnode's synchronous 16-hex object hash. Values are redacted before they
 * are hashed (the whole policy, except string truncation), and hashed in full up to
 * `MAX_OBJECT_BYTES` (16 MiB) and `MAX_OBJECT_DEPTH` (512 levels; the redaction policy walks 64
 * of them); a value cut by one of those limits is reported (`object_truncated`, once), as values
 * that differ only in the cut part share its hash. Objects whose hashed bytes are at most 10 KiB
 * are kept inline on the span; larger ones are written to the storage adapter's blob store (key =
 * data hash, bytes = exactly what was hashed: Python's JSON, with bare `NaN`/`Infinity` as
 * dreadnode writes them) and referenced as `{type: "uri", uri, size}` once the write has
 * succeeded. Until then, and when it fails, the object is exported inline (its strings cut by the
 * redaction policy), so an exported reference always points to a stored blob. So is an object
 * logged while the process already holds `MAX_BLOB_BACKLOG_BYTES` (64 MiB) of blobs on their way to
 * the store (`object_blob_backlog`): memory stays bounded when logging outruns the storage. The inline copy is
 * the default serialization (cut at 1 MiB and 32 levels), which JSON can hold: non-finite numbers
 * are the strings `"NaN"`, `"Infinity"` and `"-Infinity"`, dates ISO strings, errors with their
 * stack. The inline values of one task's export share
 * {@linkcode MAX_INLINE_OBJECT_CHARS_PER_TASK} characters of JSON: an object past it keeps its
 * hash and schema, with {@linkcode OMITTED_OBJECT_VALUE} as its value (reported once as
 * `task_objects_budget_full`, counted in the store's `dropped`). A task stores at most
 * {@linkcode MAX_OBJECTS_PER_TASK} objects: a new value past them is hashed but not stored
 * (`task_objects_full`, once), and nothing that refers to it is exported — an input or output of
 * it is dropped, a metric point keeps no `dreadnode.origin.hash` (see
 * {@linkcode ObjectStore.logReferenced}) — so every exported reference names an object in
 * `dreadnode.objects`.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { objectSerializeOptions } from "../hash/object_hash.ts";
import { MAX_REDACTION_DEPTH } from "../redact/policy.ts";
import { MAX_OBJECT_BYTES, MAX_OBJECT_DEPTH } from "../serialize/limits.ts";
import { serializeTwice } from "../serialize/_serialize_twice.ts";
import type { JsonObject, JsonSchema, JsonValue } from "../serialize/types.ts";
import { wellFormed } from "../serialize/_well_formed.ts";
import { failureReason } from "../storage/_failure_reason.ts";
import type { TraceStorage } from "../storage/types.ts";
import { MAX_BLOB_BACKLOG_BYTES, tryHoldBlobBytes } from "./_blob_backlog.ts";
import { jsonLength } from "./_json_length.ts";
import { numberArrayForms } from "./_number_array.ts";
import { storedHashes } from "./_object_hashes.ts";
import {
  OBJECT_URI_PREFIX,
  type StoredObject,
  TEXT_BLOBS,
  type UriObject,
} from "./_object_records.ts";
import { cutOnSpan, redactForSpan, redactStored, serializedForSpan } from "./_redact.ts";

export { loadObjectValue, OBJECT_URI_PREFIX } from "./_object_records.ts";
export type { InlineObject, ObjectRef, StoredObject, UriObject } from "./_object_records.ts";

/** Objects larger than this many bytes go to the blob store. */
export const INLINE_OBJECT_LIMIT: number = 10 * 1024;

/**
 * The most objects one task keeps; later ones are hashed but not stored, and not referenced: an
 * input or output of one is dropped, a metric point logged with one as its origin keeps no origin.
 */
export const MAX_OBJECTS_PER_TASK: number = 10_000;

/**
 * The most characters of inline object values one task exports in `dreadnode.objects` (4 MiB of
 * ASCII), in the order the objects were logged; blob references take none of it.
 */
export const MAX_INLINE_OBJECT_CHARS_PER_TASK: number = 4 * 1024 * 1024;

/** The value exported for an inline object past {@linkcode MAX_INLINE_OBJECT_CHARS_PER_TASK}. */
export const OMITTED_OBJECT_VALUE = "<omitted: the task's inline objects reached their budget>";

function isContainer(value: JsonValue | undefined): value is JsonValue[] | JsonObject {
  return typeof value === "object" && value !== null;
}

/**
 * Whether redaction cut a serialized value: a container {@linkcode MAX_REDACTION_DEPTH} levels deep
 * or more became a string (one under a sensitive key higher up was masked, not cut). Only the
 * parts redaction changed are walked (it keeps unchanged parts by reference), without recursion.
 *
 * @param original The serialized value.
 * @param redacted What redaction made of it.
 */
function redactionCut(original: JsonValue, redacted: JsonValue): boolean {
  const pending: [JsonValue, JsonValue, number][] = [[original, redacted, 0]];
  while (pending.length > 0) {
    const [o, r, depth] = pending.pop()!;
    if (o === r || !isContainer(o) || !isContainer(r)) continue;
    const a = o as Record<string, JsonValue>;
    const b = r as Record<string, JsonValue>;
    for (const key of Object.keys(a)) {
      if (!isContainer(a[key])) continue;
      if (isContainer(b[key])) pending.push([a[key], b[key], depth + 1]);
      else if (depth + 1 >= MAX_REDACTION_DEPTH) return true;
    }
  }
  return false;
}

interface Entry {
  record: StoredObject;
  runtime: unknown;
  /** The JSON length of the inline record's value, once measured. */
  chars?: number;
}

/** The object store of one task. */
export class ObjectStore {
  readonly #storage: TraceStorage | undefined;
  readonly #objects = new Map<string, Entry>();
  readonly #schemas = new Map<string, JsonSchema>();
  readonly #pending = new Set<Promise<void>>();
  #full = 0;
  #omitted = 0;

  /** @param storage Blob store for large objects; without one everything is inline. */
  constructor(storage: TraceStorage | undefined) {
    this.#storage = storage;
  }

  /** Number of stored objects. */
  get size(): number {
    return this.#objects.size;
  }

  /**
   * Objects not stored because the task held {@linkcode MAX_OBJECTS_PER_TASK}, plus the inline
   * objects whose value the latest {@linkcode ObjectStore.objectsJson} left out
   * ({@linkcode MAX_INLINE_OBJECT_CHARS_PER_TASK}).
   */
  get dropped(): number {
    return this.#full + this.#omitted;
  }

  /** Number of blob writes not finished yet. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Stores a value (first value wins per hash) and returns its object hash; past
   * {@linkcode MAX_OBJECTS_PER_TASK} objects a new value is hashed, not stored (use
   * {@linkcode ObjectStore.logReferenced} for a value a reference will name). Never throws.
   *
   * @param value Any value.
   * @param name The name it is logged under (used for key-based redaction).
   * @returns The 16-hex object hash.
   */
  log(value: unknown, name?: string): string {
    const { serialized, defaultForm, jsonNumbers, finiteNumbers } = serializeTwice(
      value,
      objectSerializeOptions(),
    );
    const stored = redactStored(serialized.value, name);
    // An array of numbers is printed once for its hash, span copy and length (see numberArrayForms).
    const numbers = stored === serialized.value
      ? numberArrayForms(value, serialized, jsonNumbers)
      : undefined;
    // Redaction writes strings only: the numbers left are the serializer's.
    const hashes = numbers?.hashes ?? storedHashes(serialized, stored, jsonNumbers, finiteNumbers);
    const hash = hashes.objectHash;
    if (serialized.truncated || redactionCut(serialized.value, stored)) {
      reportOnce(
        "object_truncated",
        "warn",
        "object_truncated",
        `Object ${hash} was cut before it was hashed and stored: it is nested deeper than ${MAX_OBJECT_DEPTH} levels (${MAX_REDACTION_DEPTH} when redaction is on), or its JSON is larger than ${MAX_OBJECT_BYTES} bytes; values that differ only in the cut part share this hash`,
      );
    }
    if (this.#objects.has(hash)) return hash;
    if (this.#objects.size >= MAX_OBJECTS_PER_TASK) {
      this.#full++;
      reportOnce(
        "task_objects_full",
        "warn",
        "task_objects_full",
        `Cannot store object ${hash}: the task holds ${MAX_OBJECTS_PER_TASK} objects ` +
          `(MAX_OBJECTS_PER_TASK); an input or output of a value not stored yet is dropped, ` +
          `a metric point keeps no origin (counted in droppedCounts, reported once)`,
      );
      return hash;
    }
    if (!this.#schemas.has(hashes.schemaHash)) {
      this.#schemas.set(hashes.schemaHash, serialized.schema);
    }
    const bytes = hashes.bytes;
    // The span copy: the default serialization (NaN, ±Infinity as strings, which JSON keeps, and
    // ISO dates), cut at the usual 1 MiB budget (a span attribute is no place for 16 MiB); past
    // it, strings are cut to the policy's length first, so a huge one keeps its siblings. The hash
    // and the blob above are of the full value. A string is the hashed one: lone surrogates
    // become U+FFFD there (see hashSerialized). When the default serialization is the hashed
    // one (nothing cut, no Date, NaN or error, see serializeTwice), or an array of numbers whose
    // cut is known from its text, the value is not walked again.
    const spanValue = numbers !== undefined
      ? redactForSpan(numbers.spanValue, name)
      : defaultForm
      ? redactForSpan(serialized.value, name)
      : serializedForSpan(value, name);
    const entry: Entry = {
      record: {
        hash,
        schema_hash: hashes.schemaHash,
        value: typeof spanValue !== "string"
          ? spanValue
          : spanValue === serialized.value
          ? hashes.serialized.value // Made well-formed already.
          : wellFormed(spanValue),
        type: "val",
      },
      runtime: value,
    };
    if (numbers !== undefined && spanValue === numbers.spanValue) entry.chars = numbers.spanChars;
    // A value that fits inline (10 KiB) but holds a string the policy cuts on the span (a 5,000
    // character completion) is stored as a blob too: the span's copy is not the whole value (an
    // array of numbers has no string to cut).
    if (
      this.#storage !== undefined && bytes !== undefined &&
      (bytes.length > INLINE_OBJECT_LIMIT || numbers === undefined && cutOnSpan(stored))
    ) {
      const stored: UriObject = {
        hash,
        schema_hash: hashes.schemaHash,
        uri: OBJECT_URI_PREFIX + hashes.dataHash,
        size: bytes.length,
        type: "uri",
      };
      if (typeof hashes.serialized.value !== "object") TEXT_BLOBS.add(stored);
      this.#write(bytes, entry, stored);
    }
    this.#objects.set(hash, entry);
    return hash;
  }

  /**
   * Stores a value that a reference will name (an input, an output, a metric's origin): as
   * {@linkcode ObjectStore.log}, but the hash is returned only when the store holds the object,
   * so that no exported reference names an object missing from `dreadnode.objects`. A value
   * stored before is found past {@linkcode MAX_OBJECTS_PER_TASK} as well. Never throws.
   *
   * @param value Any value.
   * @param name The name it is logged under (used for key-based redaction).
   * @returns The 16-hex object hash, or undefined when the task holds
   *   {@linkcode MAX_OBJECTS_PER_TASK} other objects (counted in `dropped`, reported once).
   */
  logReferenced(value: unknown, name?: string): string | undefined {
    const hash = this.log(value, name);
    return this.#objects.has(hash) ? hash : undefined;
  }

  /** Writes a blob; the entry switches to `stored` only once the blob is known to exist. */
  #write(bytes: Uint8Array, entry: Entry, stored: UriObject): void {
    const storage = this.#storage!;
    const key = stored.uri.slice(OBJECT_URI_PREFIX.length);
    const release = tryHoldBlobBytes(bytes.length);
    if (release === undefined) {
      reportOnce(
        "object_blob_backlog",
        "warn",
        "object_blob_backlog",
        `Cannot store object ${stored.hash} in the blob store now: ${MAX_BLOB_BACKLOG_BYTES} bytes of blobs are still being written (the storage is slower than the logging); it is exported inline, with its strings cut to the redaction policy's length`,
      );
      return;
    }
    const p = (async () => {
      try {
        if (!(await storage.hasBlob(key))) await storage.putBlob(key, bytes);
        entry.record = stored;
      } catch (error) {
        reportOnce(
          "object_blob_failed",
          "warn",
          "object_blob_failed",
          `Cannot store object ${stored.hash} in the blob store (${
            failureReason(error)
          }): it is exported inline, with its strings cut to the redaction policy's length`,
          error,
        );
      } finally {
        release();
      }
    })();
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  /**
   * The stored record of an object.
   *
   * @param hash The object hash.
   * @returns The record, or undefined.
   */
  get(hash: string): StoredObject | undefined {
    return this.#objects.get(hash)?.record;
  }

  /**
   * The live value an object was logged with (kept in memory, never exported).
   *
   * @param hash The object hash.
   * @returns The value, or undefined.
   */
  runtimeValue(hash: string): unknown {
    return this.#objects.get(hash)?.runtime;
  }

  /** @returns Whether an object is stored. */
  has(hash: string): boolean {
    return this.#objects.has(hash);
  }

  /** @returns Resolves when every blob write started so far has finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /**
   * `dreadnode.objects`, with inline values past {@linkcode MAX_INLINE_OBJECT_CHARS_PER_TASK}
   * replaced by {@linkcode OMITTED_OBJECT_VALUE} (reported once, counted in `dropped`).
   *
   * @returns Hash → record.
   */
  objectsJson(): Record<string, StoredObject> {
    const out: Record<string, StoredObject> = {};
    let left = MAX_INLINE_OBJECT_CHARS_PER_TASK;
    let omitted = 0;
    for (const [hash, entry] of this.#objects) {
      const record = entry.record;
      if (record.type === "val") {
        // A value without JSON (it cannot be encoded) is never kept.
        const chars = entry.chars ??= jsonLength(record.value) ?? Infinity;
        if (chars > left) {
          omitted++;
          out[hash] = { ...record, value: OMITTED_OBJECT_VALUE };
          continue;
        }
        left -= chars;
      }
      out[hash] = record;
    }
    this.#omitted = omitted;
    if (omitted > 0) {
      reportOnce(
        "task_objects_budget_full",
        "warn",
        "task_objects_budget_full",
        `Cannot export the values of ${omitted} inline object(s): the task's inline objects reached their ${MAX_INLINE_OBJECT_CHARS_PER_TASK} characters of JSON (MAX_INLINE_OBJECT_CHARS_PER_TASK); they keep their hash and schema`,
      );
    }
    return out;
  }

  /** @returns `dreadnode.object_schemas`: schema hash → schema. */
  schemasJson(): Record<string, JsonSchema> {
    return Object.fromEntries(this.#schemas);
  }
}
