/**
 * A flush's wait that a shutdown can end: once the shutdown has given up on the exports a flush
 * waits for (they may never settle), it wakes the flush.
 *
 * @module
 */

/**
 * Waits for `promise`, or until one of `wakers` is called. The waker is removed once the wait
 * ends, so the set holds only the flushes waiting now.
 *
 * @param promise What to wait for; it must not reject.
 * @param wakers The processor's waiting flushes.
 */
export async function untilWoken(
  promise: Promise<unknown>,
  wakers: Set<() => void>,
): Promise<void> {
  let wake!: () => void;
  await Promise.race([promise, new Promise<void>((resolve) => wakers.add(wake = resolve))]);
  wakers.delete(wake);
}
