/**
 * Whether a promise settles in time, for tests of bounded waits (never a timing assertion on
 * tracelet's speed: the bound is generous).
 *
 * @module
 */

/**
 * Whether `promise` settles within `ms`.
 *
 * @param promise The promise.
 * @param ms How long to wait (default 5 s).
 * @returns True when it settled (resolved or rejected) in time.
 */
export async function settles(promise: Promise<unknown>, ms = 5_000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(resolve, ms, false));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
