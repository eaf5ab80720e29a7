/**
 * The time limits of a `BatchTraceProcessor`: the deadline of a `forceFlush` or `shutdown` (a
 * timeout in ms, or an epoch-ms deadline of 10^12 or more, capped by `exportTimeoutMillis`), how
 * long one export is waited for (half a second past its deadline), and the diagnostics of a
 * wait that ran out (`agent_export_timeout`, `agent_processor_timeout`).
 *
 * @internal
 * @module
 */
import { toDeadline } from "../deadline.ts";
import { report } from "../diagnostics.ts";
import { numberAtLeast } from "../number_option.ts";
import { MAX_TIMER_MS } from "../processor/_timer.ts";
import { settlesWithin } from "../settles_within.ts";

/** How long past its deadline an export is still waited for (as the core batch processor does). */
const EXPORT_GRACE_MS = 500;

/**
 * The deadline a caller gave `forceFlush` or `shutdown`. A deadline that is not a number (NaN, a
 * string) means none, as a bad option does.
 *
 * @param timeout A timeout in ms, or an epoch-ms deadline (10^12 or more).
 * @returns The epoch-ms deadline; Infinity when there is none.
 */
export function givenDeadline(timeout: number | undefined): number {
  return numberAtLeast(toDeadline(timeout), 0, Infinity);
}

/**
 * The deadline of a `forceFlush`: the one given, if sooner than `exportTimeoutMillis` from now.
 *
 * @param timeout A timeout in ms, or an epoch-ms deadline (10^12 or more).
 * @param exportTimeoutMillis The processor's longest flush, in ms.
 * @returns The epoch-ms deadline.
 */
export function flushDeadline(timeout: number | undefined, exportTimeoutMillis: number): number {
  return Math.min(givenDeadline(timeout), Date.now() + exportTimeoutMillis);
}

/**
 * How long a `shutdown` waits: until its deadline, and `exportTimeoutMillis` at most (as a
 * `forceFlush`, and the core `BatchSpanProcessor`), never longer than a timer can wait.
 *
 * @param given The deadline given ({@linkcode givenDeadline}); Infinity for none.
 * @param exportTimeoutMillis The processor's longest shutdown, in ms.
 * @returns The wait in ms.
 */
export function shutdownWaitMs(given: number, exportTimeoutMillis: number): number {
  return Math.min(Math.max(0, given - Date.now()), exportTimeoutMillis, MAX_TIMER_MS);
}

/**
 * Whether a drain's deadline has come.
 *
 * @param deadline Epoch-ms deadline, or undefined for none.
 * @returns True once `Date.now()` reached it; always false without one.
 */
export function pastDeadline(deadline: number | undefined): boolean {
  return deadline !== undefined && Date.now() >= deadline;
}

/**
 * How long one export is waited for: until half a second past its deadline, or past
 * `exportTimeoutMillis` from now without one.
 *
 * @param deadline The flush's or shutdown's epoch-ms deadline, if any.
 * @param exportTimeoutMillis The processor's longest export without a deadline, in ms.
 * @returns The wait in ms.
 */
export function exportWaitMs(deadline: number | undefined, exportTimeoutMillis: number): number {
  const end = deadline ?? Date.now() + exportTimeoutMillis;
  return end + EXPORT_GRACE_MS - Date.now();
}

/**
 * Reports an export no longer waited for (`agent_export_timeout`).
 *
 * @param ms How long it was waited for.
 * @param count The traces and spans of its batch.
 */
export function reportExportTimeout(ms: number, count: number): void {
  report(
    "warn",
    "agent_export_timeout",
    `A trace exporter did not settle within ${Math.round(ms)} ms: the next export starts ` +
      `without waiting for it (its ${count} traces and spans may still be delivered, ` +
      `and are not counted as delivered)`,
  );
}

/**
 * Waits for `work` at most `ms`; reports when it did not finish in time
 * (`agent_processor_timeout`).
 *
 * @param work The drain of a flush or shutdown.
 * @param ms The longest wait.
 * @param method `forceFlush` or `shutdown`, for the diagnostic.
 * @returns Whether `work` settled in time.
 */
export async function waitWithin(
  work: Promise<void>,
  ms: number,
  method: string,
): Promise<boolean> {
  const done = await settlesWithin(work, ms);
  if (!done) {
    report(
      "warn",
      "agent_processor_timeout",
      `BatchTraceProcessor ${method} did not finish within ${ms} ms`,
    );
  }
  return done;
}
