/**
 * The batch processor options OpenTelemetry's `OTEL_BSP_*` variables set, for the options
 * `configure({ batch })` leaves unset (explicit options win field by field). Invalid values are
 * reported once (`invalid_env`) and ignored.
 *
 * @module
 */
import { envInteger, MAX_ENV_INTEGER } from "./env_integer.ts";
import type { EnvReader } from "./otlp/resource.ts";
import type { BatchSpanProcessorOptions } from "./processor/batch_options.ts";

type EnvBatchKey =
  | "scheduledDelayMillis"
  | "exportTimeoutMillis"
  | "maxQueueSize"
  | "maxExportBatchSize";

/** Each option, its variable, its smallest valid value, and how a valid value maps to it. */
const VARIABLES: ReadonlyArray<
  readonly [EnvBatchKey, string, number, (value: number) => number]
> = [
  // A duration: 0 is valid, and means the processor's shortest delay (1 ms).
  ["scheduledDelayMillis", "OTEL_BSP_SCHEDULE_DELAY", 0, (ms) => Math.max(ms, 1)],
  // A timeout: 0 means none, taken as the longest a timer can wait (2^31 − 1 ms).
  ["exportTimeoutMillis", "OTEL_BSP_EXPORT_TIMEOUT", 0, (ms) => ms || MAX_ENV_INTEGER],
  ["maxQueueSize", "OTEL_BSP_MAX_QUEUE_SIZE", 1, (size) => size],
  // Above the queue size it is lowered to it, as the processor does with the option.
  ["maxExportBatchSize", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 1, (size) => size],
];

/**
 * Reads `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BSP_MAX_QUEUE_SIZE` and
 * `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (integers: milliseconds, milliseconds, spans, spans) for the
 * options `given` leaves unset; the variable of an option given is not read. A schedule delay of
 * 0 means 1 ms; an export timeout of 0 (none) means 2^31 − 1 ms; sizes must be at least 1. A
 * batch size above the queue size is lowered to it by the processor.
 *
 * @param env Environment reader.
 * @param given The explicit `batch` option.
 * @returns The options the environment sets (only those `given` leaves unset).
 */
export function envBatchOptions(
  env: EnvReader | undefined,
  given: BatchSpanProcessorOptions | undefined,
): BatchSpanProcessorOptions {
  const options: BatchSpanProcessorOptions = {};
  for (const [key, name, min, map] of VARIABLES) {
    if (given?.[key] !== undefined) continue;
    const value = envInteger(env, name, min);
    if (value !== undefined) options[key] = map(value);
  }
  return options;
}
