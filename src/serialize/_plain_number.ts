/**
 * Whether a number is written alike by `JSON.stringify` and Python's `json`: the fact the
 * serializer notes for each number of its `pythonCompatible` form, so that a value holding only
 * such numbers can be written by the native JSON writer (see `serializeTwice`).
 *
 * @internal
 * @module
 */

/**
 * Whether `JSON.stringify` writes a number as Python's `json` does: a safe integer (JavaScript
 * writes larger ones rounded or with an exponent, Python all their digits) or a finite fraction
 * not below 1e-4 (Python writes smaller ones with an exponent, `1e-05`).
 *
 * @param n A number.
 * @returns True when both write the same digits.
 */
export function plainNumber(n: number): boolean {
  const a = n < 0 ? -n : n;
  return Number.isInteger(a) ? a <= Number.MAX_SAFE_INTEGER : a >= 1e-4 && a < 1e21;
}
