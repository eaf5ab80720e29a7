/**
 * The order a `Set`'s items are stored and hashed in. A set has no order of its own (JavaScript
 * iterates in insertion order, Python in hash order), so equal sets must give one value and one
 * content hash: dreadnode sorts a set's items when Python can (`sorted()`), and so does this —
 * strings by code point and numbers (booleans as 0/1, BigInts by value) numerically, exactly as
 * Python orders them. Where Python cannot sort (mixed kinds, objects) dreadnode keeps Python's
 * arbitrary iteration order; tracelet orders by each item's JSON text instead, so equal sets of
 * any items still hash alike.
 *
 * @module
 */
import { byCodePoint } from "./code_point_order.ts";
import type { JsonValue } from "./types.ts";

/**
 * A set's items sorted as Python's `sorted()` sorts them, when it can: all strings (by code
 * point), or all numbers, booleans and BigInts (numerically).
 *
 * @param items The set's items, in iteration order.
 * @returns A sorted copy, or undefined when Python could not sort them.
 */
export function sortedLikePython(items: readonly unknown[]): unknown[] | undefined {
  if (items.every((item) => typeof item === "string")) {
    return [...items as string[]].sort(byCodePoint);
  }
  if (items.every(isNumeric)) return [...items].sort(byNumber);
  return undefined;
}

/**
 * The order of other sets' items (mixed kinds, objects): by the JSON text of each serialized item.
 *
 * @param items The serialized items, in iteration order.
 * @returns The item indexes, sorted.
 */
export function jsonTextOrder(items: readonly JsonValue[]): number[] {
  const texts = items.map((item) => JSON.stringify(item) ?? "");
  return items.map((_, i) => i).sort((a, b) => byCodePoint(texts[a], texts[b]));
}

/** A number (or `NaN`), boolean or BigInt, as Python's numeric tower orders them. */
function isNumeric(item: unknown): item is number | boolean | bigint {
  return typeof item === "number" || typeof item === "boolean" || typeof item === "bigint";
}

/** Numeric order with `NaN` last (Python leaves it where it falls; a total order needs a place). */
function byNumber(a: unknown, b: unknown): number {
  const x = a as number, y = b as number; // `<` compares booleans as 0/1 and BigInts by value
  const xNaN = x !== x, yNaN = y !== y;
  if (xNaN || yNaN) return xNaN === yNaN ? 0 : xNaN ? 1 : -1;
  return x < y ? -1 : y < x ? 1 : 0;
}
