/**
 * Python's `bool(value)` for a JavaScript value, as design_research_agents reads a run's
 * `bool(result.success)`.
 *
 * @module
 */

/**
 * Whether Python would take the value as true: false for `undefined`, `null`, `false`, `0`,
 * `-0`, `0n`, `""`, an empty array, `Map` or `Set` and a plain object without keys (an empty
 * `dict`); true for everything else, `NaN` too (`bool(float("nan"))` is `True`) and any other
 * object (Python objects are true unless they are empty containers). Never throws: an object that
 * cannot be looked at (a revoked proxy) is true.
 *
 * @param value Any value.
 * @returns Its truth.
 */
export function pythonTruthy(value: unknown): boolean {
  if (typeof value === "number") return value !== 0; // NaN !== 0
  if (typeof value !== "object" || value === null) return Boolean(value);
  try {
    return !isEmptyContainer(value);
  } catch {
    return true;
  }
}

/** Whether an object is an empty container (a list, dict, set or map without entries). */
function isEmptyContainer(value: object): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.keys(value).length === 0;
}
