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
import { MAX_OBJECT_DEPTH } from "../serialize/limits.ts";
import { asciiJson, withPythonNumbers } from "../serialize/python_json.ts";
import type { JsonValue, Serialized } from "../serialize/types.ts";

/**
 * `hashSerialized` of a logged value, with its redacted form `stored` as the value, the same
 * hashes, bytes and flags; a container holding a number `JSON.stringify` writes otherwise than
 * Python (`jsonNumbers` false) has its text written natively when it holds no non-finite number.
 *
 * @param serialized The value as the serializer wrote it.
 * @param stored Its redacted form (the value hashed and stored).
 * @param jsonNumbers Whether `JSON.stringify` writes each number of it as Python does.
 * @returns The hashes.
 */
export function storedHashes(
  serialized: Serialized,
  stored: JsonValue,
  jsonNumbers: boolean,
): ObjectHashes {
  const text = jsonNumbers ? undefined : nativePythonJson(stored);
  return hashSerialized({ ...serialized, value: stored }, jsonNumbers, text);
}

/**
 * Python's compact ASCII JSON of a serialized container, from `JSON.stringify`'s text, or
 * undefined where that text cannot give it: a non-finite number (`JSON.stringify` writes `null`,
 * Python `NaN`), a scalar, a value nested past the serializer's depth or a writer that throws.
 */
function nativePythonJson(value: JsonValue): string | undefined {
  if (typeof value !== "object" || value === null || !finiteNumbers(value)) return undefined;
  try {
    return asciiJson(withPythonNumbers(JSON.stringify(value)));
  } catch {
    return undefined;
  }
}

/**
 * Whether every number in a JSON container is finite (and it is no deeper than the serializer
 * writes: anything deeper is left to the writer that reports it).
 */
function finiteNumbers(value: JsonValue): boolean {
  const pending: [JsonValue, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [container, depth] = pending.pop()!;
    if (depth > MAX_OBJECT_DEPTH) return false;
    const items = Array.isArray(container)
      ? container
      : Object.values(container as Record<string, JsonValue>);
    for (const item of items) {
      if (typeof item === "number") {
        if (!Number.isFinite(item)) return false;
      } else if (typeof item === "object" && item !== null) {
        pending.push([item, depth + 1]);
      }
    }
  }
  return true;
}
