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

const OBJECT_PROTOTYPE: object = Object.prototype;

/**
 * The fast path of {@linkcode mergeAttributes} into an empty map: a copy of `input` when copying
 * it as is gives exactly what merging would, i.e. `input` is a plain object (prototype
 * `Object.prototype` or `null`, no symbol keys, no `__proto__` key) with at most `countLimit`
 * keys whose values all pass unchanged (strings within `maxLength`, finite numbers, booleans).
 * One object-spread clone replaces per-key inserts, which is most of a span's attribute cost.
 *
 * @param input Raw caller attributes.
 * @param countLimit Maximum number of keys.
 * @param maxLength Maximum string length.
 * @returns The copy, or `undefined` when the general path is needed.
 */
export function copyPlainAttributes(
  input: Readonly<Record<string, unknown>>,
  countLimit: number,
  maxLength: number,
): Attributes | undefined {
  const proto: unknown = Object.getPrototypeOf(input);
  if (proto !== OBJECT_PROTOTYPE && proto !== null) return undefined;
  const copy = { ...input } as Attributes;
  let count = 0;
  for (const key in copy) {
    const value = copy[key];
    switch (typeof value) {
      case "string":
        if (value.length > maxLength) return undefined;
        break;
      case "number":
        if (value - value !== 0) return undefined; // NaN or ±Infinity
        break;
      case "boolean":
        break;
      default:
        return undefined;
    }
    if (key === "__proto__" || ++count > countLimit) return undefined;
  }
  return Object.getOwnPropertySymbols(input).length === 0 ? copy : undefined;
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
