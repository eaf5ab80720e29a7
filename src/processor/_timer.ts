/**
 * Timers that never keep a process alive: `unref()` on Node and Bun, `Deno.unrefTimer` on Deno.
 *
 * @module
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

interface DenoTimers {
  unrefTimer?(id: number): void;
}

/**
 * Schedules `fn` after `ms` without keeping the process alive.
 *
 * @param fn The callback.
 * @param ms Delay in milliseconds.
 * @returns The handle for {@linkcode clearBackgroundTimer}.
 */
export function setBackgroundTimer(fn: () => void, ms: number): TimerHandle {
  // Capped where timers still work: a delay past 2^31 - 1 ms (24.8 days) would fire at once.
  const handle = setTimeout(fn, Math.min(ms, 2 ** 31 - 1)) as unknown as { unref?: () => void };
  try {
    // Node and Bun return an object with `unref()`; Deno a number for `Deno.unrefTimer`.
    if (typeof handle === "number") {
      (globalThis as { Deno?: DenoTimers }).Deno?.unrefTimer?.(handle);
    } else handle.unref?.();
  } catch {
    // Not unref-able here; the timer is short-lived anyway.
  }
  return handle;
}

/**
 * Cancels a timer from {@linkcode setBackgroundTimer}.
 *
 * @param handle The handle.
 */
export function clearBackgroundTimer(handle: TimerHandle): void {
  clearTimeout(handle as number);
}
