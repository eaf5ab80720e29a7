/**
 * One logged metric point `{value, step, timestamp, attributes}`: the {@linkcode MetricPoint}
 * shape a series stores, the {@linkcode Metric} a caller logs, and {@linkcode toMetricValue},
 * which reads a logged value (a number, boolean or BigInt) as a metric number, as dreadnode's
 * `float(value)` does.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { metricTimeMs } from "./_metric_time.ts";
import { readRecord, readUserOptions } from "./_read.ts";
import { safeString } from "../safe_string.ts";
import { cutText } from "../cut_text.ts";

/** One stored metric point. */
export interface MetricPoint {
  /** The stored value (the running aggregate when an aggregation mode was used). */
  readonly value: number;
  /** Caller-supplied x-axis index (default 0). */
  readonly step: number;
  /** Wall-clock time, epoch milliseconds. */
  readonly timestamp: number;
  /** Point attributes (caller's, plus `original`, `aggregation`, `dreadnode.origin.hash`). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

const POINT_KEYS = ["step", "timestamp", "attributes"] as const;

/** A metric value as logged. */
export class Metric implements MetricPoint {
  /** The value. */
  readonly value: number;
  /** The step (default 0). */
  readonly step: number;
  /** Epoch milliseconds (default now). */
  readonly timestamp: number;
  /** Attributes. */
  readonly attributes: Readonly<Record<string, unknown>>;

  /**
   * Creates a metric point.
   *
   * @param value A finite number (validate with {@linkcode toMetricValue} first).
   * @param options Step, timestamp (`Date`, epoch ms or an ISO-8601 date-time string, UTC when it
   *   has no offset; now when missing or outside 1970–2540; Unix seconds are read as
   *   milliseconds, in January 1970) and attributes.
   */
  constructor(
    value: number,
    options: {
      step?: number | undefined;
      timestamp?: Date | number | string | undefined;
      attributes?: Record<string, unknown> | undefined;
    } = {},
  ) {
    const { step, timestamp, attributes } = readUserOptions(options, POINT_KEYS, "new Metric()", {
      positional: "step",
    });
    this.value = value;
    this.step = metricStep(step);
    this.timestamp = metricTimeMs(timestamp);
    this.attributes = Object.freeze(readRecord(attributes, "metric attributes"));
  }
}

/**
 * A metric's step: a finite number as given; a BigInt or a string of decimal digits (a step read
 * from a file or an argument) as the number it names, of any length: past 2^53 the nearest number,
 * the string rounded as the BigInt of its digits is (past ±1.8e308 neither has a number); left
 * out, 0. Anything else (NaN, ±Infinity, a fraction or exponent in a string, an object) is 0,
 * reported once (`metric_invalid_step`), where dreadnode would store it as given.
 *
 * @param step The step given.
 * @returns The step.
 */
export function metricStep(step: unknown): number {
  if (typeof step === "number" && Number.isFinite(step)) return step;
  if (step === undefined) return 0;
  if (typeof step === "bigint" && Number.isFinite(Number(step))) return Number(step);
  if (typeof step === "string" && /^\s*-?\d+\s*$/.test(step)) {
    // Exact up to 2^53; past it, through BigInt, so that "2^60 + 1" rounds as 2n ** 60n + 1n.
    const number = Number(step);
    if (Number.isSafeInteger(number)) return number;
    const rounded = Number.isFinite(number) ? Number(BigInt(step)) : number;
    if (Number.isFinite(rounded)) return rounded;
  }
  reportOnce(
    "metric_invalid_step",
    "warn",
    "metric_invalid_step",
    `A metric step must be a finite number; ${
      cutText(safeString(step), 40)
    } is stored as step 0 (reported once)`,
  );
  return 0;
}

/**
 * Converts a logged value to a metric number, as dreadnode's `float(value)`: booleans become 1/0,
 * finite numbers pass, a BigInt (a token count, say) becomes the nearest number (a BigInt that a
 * number cannot hold exactly is reported once, `metric_precision_lost`), and everything else (NaN,
 * ±Infinity, a BigInt past ±1.8e308, strings, …) is rejected.
 *
 * @param value The logged value.
 * @returns The number, or `undefined` when it cannot be a metric.
 */
export function toMetricValue(value: unknown): number | undefined {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") {
    const number = Number(value);
    if (!Number.isFinite(number)) return undefined;
    if (BigInt(number) !== value) {
      reportOnce(
        "metric_precision_lost",
        "info",
        "metric_precision_lost",
        `Metric value ${value} has no exact number form; it is stored as ${number}`,
      );
    }
    return number;
  }
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return undefined;
}
