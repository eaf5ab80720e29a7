/**
 * The length of a value's JSON text, which the task layer's export budgets count.
 *
 * @internal
 * @module
 */

/**
 * The length of a value's JSON text.
 *
 * @param value Any value.
 * @returns Its `JSON.stringify` length, or undefined when it has none (a BigInt, a cycle, a
 *   throwing getter).
 */
export function jsonLength(value: unknown): number | undefined {
  try {
    return JSON.stringify(value).length;
  } catch {
    return undefined;
  }
}
