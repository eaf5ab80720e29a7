/**
 * String conversion that cannot throw, for the span methods that must never throw.
 *
 * @module
 */

/**
 * `String(value)`, or `"<unprintable>"` when that throws (an object without a prototype, a
 * throwing `toString`, a revoked proxy).
 *
 * @param value Any value.
 * @returns Its string form.
 */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return "<unprintable>";
  }
}
