/**
 * The limits that `shutdown()` and `forceFlush()` take, everywhere public (tracer, configured
 * pipeline, processors, exporters), are epoch milliseconds (`Date.now() + 5000`) or timeouts. A
 * number below 10^12 (a date before September 2001) cannot be meant as a deadline: it is a
 * timeout in milliseconds from now, as other SDKs' `shutdown(timeoutMillis)` take it. Before,
 * `shutdown(5000)` meant a deadline in 1970: every queued span was dropped at once, silently.
 *
 * @module
 */

/**
 * The epoch-ms deadline `value` means: itself, or now + `value` for a number below 10^12 (a
 * timeout in ms). `undefined`, `NaN` and `Infinity` stay as they are (no deadline).
 *
 * @param value An epoch-ms deadline or a timeout in ms.
 * @returns The epoch-ms deadline.
 * @example
 * ```ts
 * import { toDeadline } from "./deadline.ts";
 * toDeadline(5_000); // Date.now() + 5000
 * toDeadline(Date.now() + 5_000); // unchanged
 * ```
 */
export function toDeadline(value: number | undefined): number | undefined {
  return value! < 1e12 ? Date.now() + value! : value;
}
