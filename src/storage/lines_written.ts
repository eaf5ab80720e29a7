/**
 * How much of a failed append landed: a storage whose `appendLines` fails part-way (a full disk)
 * says on its error how many of the batch's first lines are in the log whole (`linesWritten`, see
 * `TraceStorage.appendLines`). Writers count those as written and only the rest as failed.
 *
 * @module
 */

/**
 * How many of a failed append's first lines its storage says are in the log whole, at most
 * `count`; 0 when it says nothing (or something unusable: not a number, negative, a throwing
 * getter).
 *
 * @param error What `appendLines` rejected with.
 * @param count How many lines the append had.
 * @returns The lines written whole.
 */
export function linesWritten(error: unknown, count: number): number {
  try {
    const n = (error as { linesWritten?: unknown } | null)?.linesWritten;
    return typeof n === "number" && n > 0 ? Math.min(Math.floor(n), count) : 0;
  } catch {
    return 0; // a throwing getter
  }
}
