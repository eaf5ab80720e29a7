/**
 * The hashes of a logged object with its hashed text written natively: `JSON.stringify` of the
 * serialized value, its numbers rewritten in Python's forms where they stand and its non-ASCII
 * characters escaped. That is the text `hashSerialized` writes with Python's `json.dumps` forms,
 * each number printed once by the native writer instead of one by one.
 *
 * @internal
 * @module
 */
import { hashSerialized, type ObjectHashes } from "../hash/object_hash.ts";
import { asciiJson, withPythonNumbers } from "../serialize/python_json.ts";
import type { JsonValue, Serialized } from "../serialize/types.ts";

/**
 * `hashSerialized` of a logged value, with its redacted form `stored` as the value, the same
 * hashes, bytes and flags; a container holding a number `JSON.stringify` writes otherwise than
 * Python (`jsonNumbers` false) has its text written natively when it holds no non-finite number
 * (`finiteNumbers`). The serializer noted both as it walked the value (see `serializeTwice`);
 * redaction writes strings only, and the serializer nests no container past its depth limit
 * (`MAX_OBJECT_DEPTH`), so the stored value is not walked again to learn them.
 *
 * @param serialized The value as the serializer wrote it.
 * @param stored Its redacted form (the value hashed and stored).
 * @param jsonNumbers Whether `JSON.stringify` writes each number of it as Python does.
 * @param finiteNumbers Whether each number of it is finite (`JSON.stringify` writes it as a number).
 * @returns The hashes.
 */
export function storedHashes(
  serialized: Serialized,
  stored: JsonValue,
  jsonNumbers: boolean,
  finiteNumbers: boolean,
): ObjectHashes {
  const text = jsonNumbers || !finiteNumbers ? undefined : nativePythonJson(stored);
  return hashSerialized({ ...serialized, value: stored }, jsonNumbers, text);
}

/**
 * Python's compact ASCII JSON of a serialized container whose numbers are all finite, from
 * `JSON.stringify`'s text, or undefined where that text cannot give it: a scalar, or a writer
 * that throws (left to the writer that reports it).
 */
function nativePythonJson(value: JsonValue): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  try {
    return asciiJson(withPythonNumbers(JSON.stringify(value)));
  } catch {
    return undefined;
  }
}
