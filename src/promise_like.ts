/**
 * The one thenable check of the library: the callback forms (`withSpan`, tasks) end their span
 * when a returned promise settles, and a value counts as a promise when it has a `then` method.
 *
 * @module
 */

/**
 * Tells whether a value is a thenable. Never throws: a value whose `then` cannot be read (a
 * revoked proxy, a throwing getter) is not a thenable, so the callback forms still end their span.
 *
 * @param value Any value.
 * @returns True when `value.then` is a function.
 */
export function isPromiseLike<T>(value: T): value is T & Promise<Awaited<T>> {
  try {
    return typeof (value as { then?: unknown } | null)?.then === "function";
  } catch {
    return false;
  }
}
