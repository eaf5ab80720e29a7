/**
 * The limit an exporter's `forceFlush` and `shutdown` take, as the OTLP exporter's do: a bare
 * number or options with a `deadline`, either an epoch-ms deadline or a timeout in ms (below 10^12,
 * {@linkcode toDeadline}). `exporter.shutdown(5000)` waits up to 5 s, not until a time in 1970.
 *
 * @module
 */
import { toDeadline } from "../deadline.ts";
import { numberAtLeast } from "../number_option.ts";
import type { ExportOptions } from "../processor/types.ts";

/**
 * The epoch-ms deadline a flush or shutdown limit means, `Infinity` for none (no limit, `NaN`, a
 * negative number or something that is not a number).
 *
 * @param limit A timeout in ms or an epoch-ms deadline, bare or as the options' `deadline`.
 * @returns The epoch-ms deadline, or `Infinity`.
 */
export function flushDeadline(limit: ExportOptions | number | undefined): number {
  const given = typeof limit === "number" ? limit : limit?.deadline;
  return numberAtLeast(toDeadline(given), 0, Infinity);
}

/**
 * The options a flush or shutdown limit means for an exporter that takes only options with an
 * epoch-ms deadline (the {@linkcode SpanExporter} interface): a bare number becomes the deadline,
 * and a timeout (below 10^12) becomes now + it. Anything else is passed on as it is.
 *
 * @param limit A timeout in ms or an epoch-ms deadline, bare or as the options' `deadline`.
 * @returns Options whose `deadline`, if any, is in epoch ms.
 */
export function flushOptions(
  limit: ExportOptions | number | undefined,
): ExportOptions | undefined {
  if (typeof limit === "number") return { deadline: toDeadline(limit) };
  const deadline = limit?.deadline;
  return typeof deadline === "number" && deadline < 1e12
    ? { ...limit, deadline: toDeadline(deadline) }
    : limit;
}
