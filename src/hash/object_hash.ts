/**
 * dreadnode-compatible content hashes of logged objects (inputs, outputs, `logObject`):
 * synchronous 16-hex data, schema and object hashes.
 *
 * Bytes hashed: for a string, number or boolean, the UTF-8 of Python's `str(value)` (`True`,
 * `False`, `1`, `1.5`); for `null`/`undefined` nothing (data hash all zeros); for anything else
 * the compact, ASCII-escaped JSON of the serialized value (Python's
 * `json.dumps(separators=(",", ":"))`). `NaN`, `±Infinity` and Dates hash as Python's float and
 * datetime do. Differences from the Python values that cannot be avoided: an integer-valued
 * JavaScript number hashes like a Python `int` (`1.0` → `"1"`), integer-like object keys come
 * first (JavaScript key order), and JavaScript-only types (Map, BigInt, typed arrays, …) have
 * their own schemas. Arrays keep their order (dreadnode sorts sortable lists before hashing).
 *
 * @module
 */
import {
  pythonJson,
  pythonJsonOfPlainNumbers,
  pythonJsonOrThrow,
  pythonStr,
} from "../serialize/python_json.ts";
import {
  errorMarker,
  MAX_OBJECT_BYTES,
  MAX_OBJECT_DEPTH,
  readSerializeOptions,
} from "../serialize/limits.ts";
import { isEmptySchema } from "../serialize/schema.ts";
import { serialize } from "../serialize/serialize.ts";
import { wellFormed } from "../serialize/_well_formed.ts";
import type { JsonSchema, JsonValue, Serialized, SerializeOptions } from "../serialize/types.ts";
import { sha1Hex } from "./sha1.ts";
import { utf8Encoder } from "../utf8.ts";

/** The hash of "nothing": the data hash of `null` and the schema hash of the empty schema. */
export const EMPTY_HASH = "0000000000000000";

/** The hashes of one object, with the serialized form and the bytes that were hashed. */
export interface ObjectHashes {
  /** First 16 hex of SHA-1 of `bytes`, or {@linkcode EMPTY_HASH} for `null`/`undefined`. */
  dataHash: string;
  /** First 16 hex of SHA-1 of the schema's compact JSON, or {@linkcode EMPTY_HASH} for `{}`. */
  schemaHash: string;
  /** First 16 hex of SHA-1 of `"<dataHash>:<schemaHash>"`: the object's id. */
  objectHash: string;
  /** The serialized value and schema. */
  serialized: Serialized;
  /** The bytes that were hashed (also what a blob store should hold), or `undefined` for null. */
  bytes: Uint8Array | undefined;
}

function short(input: Uint8Array | string): string {
  return sha1Hex(input).slice(0, 16);
}

/**
 * The text whose UTF-8 bytes are hashed for a serialized value: Python `str()` for scalars,
 * compact ASCII JSON otherwise; `undefined` for `null`.
 *
 * @param value A serialized value.
 * @returns The text, or `undefined` when there are no bytes.
 * @throws When `value` is not an acyclic JSON value, or the stack runs out on a deep one.
 */
export function hashedText(value: JsonValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === "object") return pythonJsonOrThrow(value);
  return pythonStr(value);
}

/**
 * The 16-hex schema hash: SHA-1 of the compact ASCII JSON of the schema, or
 * {@linkcode EMPTY_HASH} for the empty schema.
 *
 * @param schema A JSON schema.
 * @returns The schema hash.
 */
export function schemaHash(schema: JsonSchema): string {
  try {
    return schemaHashOrThrow(schema);
  } catch {
    return short(pythonJson(schema)); // Unreadable: hashed in its serialized form.
  }
}

/** {@linkcode schemaHash}, throwing when the schema's JSON cannot be written as it is. */
function schemaHashOrThrow(schema: JsonSchema): string {
  return isEmptySchema(schema) ? EMPTY_HASH : short(pythonJsonOrThrow(schema));
}

/**
 * Computes the hashes of an already serialized value.
 *
 * @param serialized The output of {@linkcode serialize}.
 * @param jsonNumbers Whether `JSON.stringify` writes every number of the value as Python does
 *   (the serializer notes it, see `serializeTwice`): its JSON is then written natively.
 * @param text The value's hashed text (Python's compact ASCII JSON of a container), when the
 *   caller has written it already; it is then not written again.
 * @returns Data, schema and object hashes plus the hashed bytes. A string value is hashed as its
 *   UTF-8, in which a lone surrogate (half an emoji cut off) is U+FFFD: the returned `serialized`
 *   holds the string with U+FFFD in its place, so two values with one hash are one value.
 */
export function hashSerialized(
  serialized: Serialized,
  jsonNumbers = false,
  text?: string,
): ObjectHashes {
  if (typeof serialized.value === "string") {
    const value = wellFormed(serialized.value);
    if (value !== serialized.value) serialized = { ...serialized, value };
  }
  try {
    const value = serialized.value;
    text ??= jsonNumbers && typeof value === "object" && value !== null
      ? pythonJsonOfPlainNumbers(value)
      : hashedText(value);
  } catch {
    // Not an acyclic JSON value (hand-made), or the stack ran out on a deep one (a caller deep
    // in its own recursion): the bytes hashed are those of a cut form, which is flagged.
    serialized = { ...serialized, truncated: true };
    try {
      text = pythonJson(serialized.value);
    } catch (error) {
      text = errorMarker(error);
    }
  }
  let bytes: Uint8Array | undefined;
  let dataHash = EMPTY_HASH;
  if (text !== undefined) {
    bytes = utf8Encoder.encode(text);
    dataHash = short(bytes);
  }
  let schema: string;
  try {
    schema = schemaHashOrThrow(serialized.schema);
  } catch {
    // The schema's JSON could not be written as it is (it nests twice as deep as the value,
    // `properties` and the key): flagged as for the value.
    serialized = { ...serialized, truncated: true };
    schema = short(pythonJson(serialized.schema));
  }
  return {
    dataHash,
    schemaHash: schema,
    objectHash: short(`${dataHash}:${schema}`),
    serialized,
    bytes,
  };
}

/**
 * Serializer options for hashing: the caller's, with the output budget defaulting to
 * {@linkcode MAX_OBJECT_BYTES}, the depth to {@linkcode MAX_OBJECT_DEPTH}, `includeStack` to
 * false and `pythonCompatible` to true (unreadable options become those defaults alone).
 *
 * @param options The caller's options.
 * @returns Options to pass to {@linkcode serialize}.
 */
export function objectSerializeOptions(options?: SerializeOptions): SerializeOptions {
  const o: SerializeOptions = readSerializeOptions(options) ?? {};
  o.maxBytes ??= MAX_OBJECT_BYTES;
  o.maxDepth ??= MAX_OBJECT_DEPTH;
  o.includeStack ??= false;
  o.pythonCompatible ??= true;
  return o;
}

/**
 * Serializes a value and computes its dreadnode-compatible hashes, synchronously. Never throws.
 *
 * @param value Any value.
 * @param options Serializer limits (as in {@linkcode serialize}, except that the output budget
 *   defaults to {@linkcode MAX_OBJECT_BYTES}, 16 MiB, and the depth to
 *   {@linkcode MAX_OBJECT_DEPTH}, 512 levels, so the whole value is hashed, `includeStack` to
 *   false, so an error hashes the same wherever it was made, and `pythonCompatible` to true, so
 *   `NaN` and Dates hash as in Python); if a limit cut the value, `serialized.truncated` is true
 *   and the hash is that of the cut value.
 * @returns Data, schema and object hashes, the serialized value and the hashed bytes.
 * @example
 * ```ts
 * import { objectHashes } from "@tracelet/tracelet";
 * const h = objectHashes("hello");
 * h.dataHash;   // "aaf4c61ddcc5e8a2" (first 16 hex of SHA-1 of "hello")
 * h.schemaHash; // "0000000000000000" (primitives have the empty schema)
 * ```
 */
export function objectHashes(value: unknown, options?: SerializeOptions): ObjectHashes {
  return hashSerialized(serialize(value, objectSerializeOptions(options)));
}
