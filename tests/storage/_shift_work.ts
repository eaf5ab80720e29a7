/**
 * A count of work for queue tests: how many items `Array.prototype.shift` moved on long arrays.
 * Shifting a long array moves every remaining item (O(n) on V8), so a queue drained that way
 * costs O(n²) overall; a count that does not grow with the queue shows it was not drained so.
 *
 * @module
 */

/**
 * Runs `fn` counting the items `Array.prototype.shift` moves on arrays of over `atLeast` items.
 *
 * @param atLeast Arrays this long or shorter are not counted (the runtime's own small queues).
 * @param fn The work.
 * @returns How many items were moved.
 */
export async function itemsShifted(atLeast: number, fn: () => unknown): Promise<number> {
  const shift = Array.prototype.shift;
  let moved = 0;
  Array.prototype.shift = function (this: unknown[]) {
    if (this.length > atLeast) moved += this.length - 1;
    return shift.call(this);
  };
  try {
    await fn();
  } finally {
    Array.prototype.shift = shift;
  }
  return moved;
}
