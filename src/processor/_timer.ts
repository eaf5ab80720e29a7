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
  const handle: unknown = setTimeout(fn, ms);
  if (typeof handle === "object" && handle !== null) {
    (handle as { unref?: () => void }).unref?.();
  } else if (typeof handle === "number") {
    const deno = (globalThis as { Deno?: DenoTimers }).Deno;
    try {
      deno?.unrefTimer?.(handle);
    } catch {
      // Not unref-able here; the timer is short-lived anyway.
    }
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
