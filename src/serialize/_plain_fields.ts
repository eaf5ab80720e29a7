/**
 * The own fields of a plain object, read once each: the first step of serializing a record field
 * by field (agent span records, event attributes), so one large field can be cut inside itself
 * without pushing out the fields beside it.
 *
 * @internal
 * @module
 */
import { errorMarker } from "./limits.ts";

/**
 * The own enumerable fields of a plain object (prototype `Object.prototype` or null), in key
 * order: a getter that throws gives its error marker, an `undefined` value is left out (as the
 * serializer leaves it out). `undefined` for anything else, or an object whose keys cannot be read
 * (a hostile proxy): the caller serializes it whole. Never throws.
 *
 * @param value Any value.
 * @returns The fields, or `undefined`.
 */
export function plainFields(value: unknown): Map<string, unknown> | undefined {
  let keys: string[];
  try {
    const proto = typeof value === "object" && value !== null && Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return undefined;
    keys = Object.keys(value as object);
  } catch {
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const fields = new Map<string, unknown>();
  for (const key of keys) {
    let field: unknown;
    try {
      field = record[key];
    } catch (error) {
      field = errorMarker(error);
    }
    if (field !== undefined) fields.set(key, field);
  }
  return fields;
}
