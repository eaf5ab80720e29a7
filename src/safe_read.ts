/**
 * Type checks on values from callers that cannot throw: `instanceof` and `Array.isArray` both
 * throw on a revoked proxy, and reading an array can hit a throwing trap.
 *
 * @module
 */

/**
 * `value instanceof type`, false when the check itself throws (a revoked proxy).
 *
 * @param value Any value.
 * @param type A class.
 * @returns Whether `value` is an instance of `type`.
 */
export function isInstance<T>(
  value: unknown,
  type: abstract new (...args: never[]) => T,
): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

/**
 * A copy of an array, or undefined when `value` is not an array or cannot be read.
 *
 * @param value The list as given.
 * @returns Its items.
 */
export function readArray(value: unknown): unknown[] | undefined {
  try {
    return Array.isArray(value) ? Array.from(value) : undefined;
  } catch {
    return undefined; // An unreadable proxy.
  }
}
