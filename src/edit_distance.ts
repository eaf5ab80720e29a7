/**
 * How far apart two names are, for suggesting the option a misspelled one meant.
 *
 * @module
 */

/**
 * The optimal-string-alignment distance of two strings: inserting, deleting or replacing a
 * character, or swapping two adjacent ones, each count one (`serviceNmae` is 1 from
 * `serviceName`). Counting stops past `max`: strings further apart than that (by length alone,
 * or once every alignment is) give `max + 1`, so a long string costs no more than a short one.
 *
 * @param a A string.
 * @param b Another string.
 * @param max The largest distance of interest.
 * @returns The distance, or `max + 1` when it is larger than `max`.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  // Three rows of the dynamic programming table: two back (for swaps), previous, current.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let smallest = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, before[j - 2] + 1);
      }
      current.push(d);
      smallest = Math.min(smallest, d);
    }
    if (smallest > max) return max + 1;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length], max + 1);
}
