/**
 * Copying the readable part of an untrusted object.
 *
 * @module
 */
import { setOwn } from "../own_property.ts";
import { errorMarker } from "./limits.ts";

/**
 * A plain copy of an object's own enumerable string-keyed properties. A property whose read
 * throws is copied as the serializer's `"<error: message>"` placeholder; a `__proto__` key is
 * copied as an own data property.
 *
 * @param value Any object.
 * @returns The copy, or `undefined` when the keys cannot be listed (a revoked proxy, a throwing
 *   `ownKeys` trap).
 */
export function ownEntries(value: object): Record<string, unknown> | undefined {
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    return undefined;
  }
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    let item: unknown;
    try {
      item = source[key];
    } catch (error) {
      item = errorMarker(error);
    }
    setOwn(out, key, item);
  }
  return out;
}
