/**
 * Reading the readable part of caller-supplied shapes the redaction policy handles, where any
 * property read may throw (a throwing getter, a revoked proxy): the scalar values of span
 * attributes, and the name and value of a header `[name, value]` pair.
 *
 * @module
 */
import { setOwn } from "../own_property.ts";
import { safeString } from "../safe_string.ts";
import { ownEntries } from "../serialize/own_entries.ts";
import type { Attributes, AttributeValue } from "../types.ts";

/**
 * The string, number and boolean values of an object's readable own properties.
 *
 * @param attributes Any object.
 * @returns The scalar attributes.
 */
export function readableScalars(attributes: object): Attributes {
  const copy = ownEntries(attributes) ?? {};
  const out: Attributes = {};
  for (const key of Object.keys(copy)) {
    const value = copy[key];
    const type = typeof value;
    if (type === "string" || type === "number" || type === "boolean") {
      setOwn(out, key, value as AttributeValue);
    }
  }
  return out;
}

/**
 * A header `[name, value]` pair with the name as a string; no name when it cannot be read.
 *
 * @param pair A header pair as given.
 * @returns The name (undefined when unreadable) and the value.
 */
export function readPair(pair: unknown): [string | undefined, unknown] {
  try {
    const [name, value] = pair as readonly [unknown, unknown];
    return [typeof name === "string" ? name : safeString(name), value];
  } catch {
    return [undefined, undefined];
  }
}
