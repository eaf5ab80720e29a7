/**
 * Timers that never keep a process alive: `unref()` on Node and Bun, `Deno.unrefTimer` on Deno.
 *
 * @module
 */

/**
 * The longest delay timers honour (2^31 − 1 ms, 24.8 days): a longer one fires at once, so every
 * delay and deadline the library turns into a timer is capped here.
 */
export const MAX_TIMER_MS: number = 2 ** 31 - 1;

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
  const handle = setTimeout(fn, Math.min(ms, MAX_TIMER_MS)) as unknown as { unref?: () => void };
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
