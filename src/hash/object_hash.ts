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
import { pythonJson, pythonStr } from "../serialize/python_json.ts";
import { errorMarker, MAX_OBJECT_BYTES, readSerializeOptions } from "../serialize/limits.ts";
import { isEmptySchema } from "../serialize/schema.ts";
import { serialize } from "../serialize/serialize.ts";
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
 */
export function hashedText(value: JsonValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === "object") return pythonJson(value);
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
    if (isEmptySchema(schema)) return EMPTY_HASH;
  } catch {
    // Unreadable: hashed in its serialized form (see pythonJson).
  }
  return short(pythonJson(schema));
}

/**
 * Computes the hashes of an already serialized value.
 *
 * @param serialized The output of {@linkcode serialize}.
 * @returns Data, schema and object hashes plus the hashed bytes.
 */
export function hashSerialized(serialized: Serialized): ObjectHashes {
  let text: string | undefined;
  try {
    text = hashedText(serialized.value);
  } catch (error) {
    text = errorMarker(error); // only for hand-made, absurdly deep values
  }
  let bytes: Uint8Array | undefined;
  let dataHash = EMPTY_HASH;
  if (text !== undefined) {
    bytes = utf8Encoder.encode(text);
    dataHash = short(bytes);
  }
  const schema = schemaHash(serialized.schema);
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
 * {@linkcode MAX_OBJECT_BYTES} and `pythonCompatible` to true (unreadable options become those
 * defaults alone).
 *
 * @param options The caller's options.
 * @returns Options to pass to {@linkcode serialize}.
 */
export function objectSerializeOptions(options?: SerializeOptions): SerializeOptions {
  const o: SerializeOptions = readSerializeOptions(options) ?? {};
  o.maxBytes ??= MAX_OBJECT_BYTES;
  o.pythonCompatible ??= true;
  return o;
}

/**
 * Serializes a value and computes its dreadnode-compatible hashes, synchronously. Never throws.
 *
 * @param value Any value.
 * @param options Serializer limits (as in {@linkcode serialize}, except that the output budget
 *   defaults to {@linkcode MAX_OBJECT_BYTES}, 16 MiB, so the whole value is hashed, and
 *   `pythonCompatible` to true, so `NaN` and Dates hash as in Python); if a limit cut the value,
 *   `serialized.truncated` is true and the hash is that of the cut value.
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
