/**
 * Reading a numeric option given by a caller.
 *
 * @module
 */

/**
 * A numeric option: `value` when it is a finite number of at least `min`, else `fallback`. `NaN`,
 * `Infinity`, a string or a value below `min` mean the default, so a bad option can never turn a
 * bound, a retry count or a timeout into `NaN` (every comparison with which is false: a loop that
 * never ends, a slot that never frees) or lift a bound altogether.
 *
 * @param value The option as given.
 * @param min The smallest accepted value.
 * @param fallback The default.
 * @returns The option to use.
 */
export function numberAtLeast(value: unknown, min: number, fallback: number): number {
  return typeof value === "number" && value >= min && value < Infinity ? value : fallback;
}

/**
 * A count option (a bound, an attempt count, a number of requests): a finite number of at least
 * 1, rounded down, else `fallback` (so `0.5` means the default, not an empty bound).
 *
 * @param value The option as given.
 * @param fallback The default.
 * @returns The count to use.
 */
export function countAtLeastOne(value: unknown, fallback: number): number {
  return Math.floor(numberAtLeast(value, 1, fallback));
}
