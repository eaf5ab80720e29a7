/**
 * Attribute validation and limits. Values are coerced to OpenTelemetry types the way dreadnode
 * does: strings, numbers and booleans pass through, homogeneous arrays of those stay arrays, and
 * anything else is JSON-encoded into a string, so nothing a caller logs is silently lost.
 *
 * @module
 */
import type { Attributes, AttributeValue } from "./types.ts";
import { serializeToJson } from "./serialize/serialize.ts";

/** Limits applied to every span (OpenTelemetry's defaults). */
export interface SpanLimits {
  /** Maximum attributes per span; further keys are dropped and counted. Default 128. */
  attributeCountLimit: number;
  /** Maximum length of a string attribute value (characters); longer ones are cut. Default unlimited. */
  attributeValueLengthLimit: number;
  /** Maximum events per span. Default 128. */
  eventCountLimit: number;
  /** Maximum links per span. Default 128. */
  linkCountLimit: number;
  /** Maximum attributes per event or link. Default 128. */
  attributePerEventCountLimit: number;
}

/** OpenTelemetry's default span limits. */
export const DEFAULT_SPAN_LIMITS: Readonly<SpanLimits> = Object.freeze({
  attributeCountLimit: 128,
  attributeValueLengthLimit: Infinity,
  eventCountLimit: 128,
  linkCountLimit: 128,
  attributePerEventCountLimit: 128,
});

function jsonEncode(value: unknown): string {
  return serializeToJson(value);
}

function finiteOrString(n: number): number | string {
  return Number.isFinite(n) ? n : String(n);
}

function homogeneousArray(values: readonly unknown[]): AttributeValue | undefined {
  if (values.length === 0) return [] as string[];
  const kind = typeof values[0];
  if (kind !== "string" && kind !== "number" && kind !== "boolean") return undefined;
  for (let i = 1; i < values.length; i++) {
    if (typeof values[i] !== typeof values[0]) return undefined;
  }
  if (kind === "number" && !values.every((n) => Number.isFinite(n))) return undefined;
  return values as readonly string[];
}

/**
 * Coerces any value to an attribute value. `undefined` and `null` yield `undefined` (the
 * attribute is skipped); non-finite numbers become strings (`"NaN"`, `"Infinity"`) so they never
 * produce invalid JSON; objects become JSON strings.
 *
 * @param value The caller's value.
 * @param maxLength Maximum string length (characters).
 * @returns The attribute value, or `undefined` to skip.
 */
export function toAttributeValue(
  value: unknown,
  maxLength: number = Infinity,
): AttributeValue | undefined {
  switch (typeof value) {
    case "string":
      return value.length > maxLength ? value.slice(0, maxLength) : value;
    case "number":
      return finiteOrString(value);
    case "boolean":
      return value;
    case "undefined":
      return undefined;
    case "bigint":
      return value.toString();
    default:
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const array = homogeneousArray(value);
        if (array !== undefined) return array;
      }
      return toAttributeValue(jsonEncode(value), maxLength);
  }
}

function isEmpty(target: Attributes): boolean {
  for (const _ in target) return false;
  return true;
}

/**
 * Copies `input` into `target` under a count limit.
 *
 * @param target The attribute map to fill.
 * @param input Raw caller attributes.
 * @param countLimit Maximum number of keys in `target`.
 * @param maxLength Maximum string length.
 * @returns How many attributes were dropped by the count limit.
 */
export function mergeAttributes(
  target: Attributes,
  input: Readonly<Record<string, unknown>> | undefined,
  countLimit: number,
  maxLength: number,
): number {
  if (input === undefined) return 0;
  // Fast path: into an empty map, at most `countLimit` keys can never hit the limit, so the
  // per-key "is it new?" bookkeeping below (a prototype-chain miss each) can be skipped.
  let keys = 0;
  for (const _ in input) keys++;
  if (keys <= countLimit && isEmpty(target)) {
    for (const key in input) {
      const value = toAttributeValue(input[key], maxLength);
      if (value !== undefined) target[key] = value;
    }
    return 0;
  }
  let dropped = 0;
  let count = -1;
  for (const key in input) {
    const value = toAttributeValue(input[key], maxLength);
    if (value === undefined) continue;
    if (!(key in target)) {
      if (count < 0) count = Object.keys(target).length;
      if (count >= countLimit) {
        dropped++;
        continue;
      }
      count++;
    }
    target[key] = value;
  }
  return dropped;
}
