/**
 * The records of a task's stored objects, as exported in `dreadnode.objects` (inline values and
 * blob references) and named by inputs and outputs, and {@linkcode loadObjectValue}, which reads
 * a stored object's value back from the storage adapter's blob store (raw text or Python's JSON).
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { EMPTY_HASH } from "../hash/object_hash.ts";
import { parsePythonJson } from "../serialize/parse_python_json.ts";
import type { JsonSchema, JsonValue } from "../serialize/types.ts";
import type { TraceStorage } from "../storage/types.ts";
import { utf8Decoder } from "../utf8.ts";

/** The URI prefix of objects held in the storage adapter's blob store. */
export const OBJECT_URI_PREFIX = "storage:objects/";

/** An object stored inline. */
export interface InlineObject {
  /** The object hash. */
  readonly hash: string;
  /** The schema hash. */
  readonly schema_hash: string;
  /** The serialized (redacted) value. */
  readonly value: JsonValue;
  /** Discriminator. */
  readonly type: "val";
}

/** An object held in the blob store. */
export interface UriObject {
  /** The object hash. */
  readonly hash: string;
  /** The schema hash. */
  readonly schema_hash: string;
  /** `storage:objects/<data hash>`: blob key = data hash. */
  readonly uri: string;
  /** Size in bytes. */
  readonly size: number;
  /** Discriminator. */
  readonly type: "uri";
}

/** A stored object as exported in `dreadnode.objects`. */
export type StoredObject = InlineObject | UriObject;

/** A reference from an input or output to its object. */
export interface ObjectRef {
  /** The logged name. */
  readonly name: string;
  /** The cleaned label. */
  readonly label: string;
  /** The object hash. */
  readonly hash: string;
  /** Caller attributes (redacted). */
  readonly attributes: Record<string, JsonValue>;
}

/**
 * The blob records of this process whose value serialized to a string (a long string, bytes as
 * base64, a BigInt, a class whose `toJSON` returns a string): their blob holds the raw text
 * (Python's `str()`, as dreadnode hashes it), not JSON. `ObjectStore` adds each such record it
 * makes; {@linkcode loadObjectValue} reads it as text.
 */
export const TEXT_BLOBS: WeakSet<UriObject> = new WeakSet<UriObject>();

/** The schema types whose values are hashed, and stored, as raw text rather than JSON. */
const TEXT_TYPES: readonly unknown[] = ["string", "number", "integer", "boolean"];

/**
 * Reads the value of an object held in a blob store.
 *
 * A blob holds raw text when the value serialized to a string (or another scalar), JSON
 * otherwise. Which one is known from a record this process made, from the empty schema hash, or
 * from the schema: pass the task's `dreadnode.object_schemas` for records read back from an
 * export (without it, such a record of a non-empty schema is read as JSON).
 *
 * @param storage The storage adapter.
 * @param record The object record.
 * @param schemas The task's `dreadnode.object_schemas` (schema hash → schema), if at hand.
 * @returns The value (a string for objects whose value is text, parsed JSON otherwise, with the
 *   bare `NaN`, `Infinity` and `-Infinity` that Python's JSON writes read as numbers), or
 *   undefined.
 */
export async function loadObjectValue(
  storage: TraceStorage,
  record: StoredObject,
  schemas?: Readonly<Record<string, JsonSchema>>,
): Promise<JsonValue | undefined> {
  if (record.type === "val") return record.value;
  try {
    const bytes = await storage.getBlob(record.uri.slice(OBJECT_URI_PREFIX.length));
    if (bytes === undefined) return undefined;
    const text = utf8Decoder.decode(bytes);
    const schema = schemas?.[record.schema_hash] as { type?: unknown } | undefined;
    const isText = TEXT_BLOBS.has(record) || record.schema_hash === EMPTY_HASH ||
      TEXT_TYPES.includes(schema?.type);
    return isText ? text : parsePythonJson(text);
  } catch (error) {
    reportOnce(
      "object_load_failed",
      "warn",
      "object_load_failed",
      `Cannot load object ${record.hash}`,
      error,
    );
    return undefined;
  }
}
