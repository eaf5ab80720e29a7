/**
 * Ready-made samplers for a tracer's `sampler` option, and OpenTelemetry's `OTEL_TRACES_SAMPLER`
 * variables. A sampler decides, as each span starts, whether it reaches the processors (see
 * {@linkcode Sampler}); an unsampled span propagates its trace flags with the sampled bit clear
 * (`00`, or `02` in a trace whose id tracelet made: W3C Level 2's random bit stays).
 *
 * @example
 * ```ts
 * import { parentBased, traceIdRatio, Tracer } from "@tracelet/tracelet";
 * // Keep a tenth of new traces; follow the caller's decision for continued ones.
 * const tracer = new Tracer({ sampler: parentBased(traceIdRatio(0.1)) });
 * tracer.startSpan("work").end();
 * ```
 *
 * @module
 */
import { TracerError } from "./errors.ts";
import { envWarn } from "./env_warn.ts";
import { type EnvReader, readEnv } from "./otlp/resource.ts";
import type { Sampler } from "./span_types.ts";

export type { Sampler } from "./span_types.ts";

/** Samples every span, whatever its parent decided (`always_on`). */
export const alwaysOn: Sampler = (): boolean => true;

/** Samples no span (`always_off`): nothing reaches a processor. */
export const alwaysOff: Sampler = (): boolean => false;

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_56 = 72_057_594_037_927_936;

/**
 * Samples a share of traces, decided by the trace id alone, so every service that sees the trace
 * id with the same ratio decides the same way (`traceidratio`). The randomness is the trace id's
 * rightmost 56 bits, as W3C Trace Context Level 2 makes them random and as OpenTelemetry's
 * threshold sampling reads them: the span is sampled when they are at least `(1 - ratio) × 2^56`,
 * so a trace kept at one ratio is kept at every larger one (the threshold is not written into
 * `tracestate` as `ot=th:…`). It ignores the parent; wrap it in {@linkcode parentBased} to follow
 * callers.
 *
 * @param ratio The share of traces to keep, from 0 to 1.
 * @returns The sampler.
 * @throws {TracerError} `INVALID_CONFIG` when `ratio` is not a number from 0 to 1.
 */
export function traceIdRatio(ratio: number): Sampler {
  if (!(typeof ratio === "number" && ratio >= 0 && ratio <= 1)) {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot sample: the ratio must be a number from 0 to 1, not ${String(ratio)}`,
    );
  }
  const threshold = TWO_POW_56 - ratio * TWO_POW_56; // not (1 - ratio) × 2^56: tiny ratios stay > 0
  if (ratio === 0) return alwaysOff;
  const thresholdHigh = Math.floor(threshold / TWO_POW_32);
  const thresholdLow = Math.ceil(threshold - thresholdHigh * TWO_POW_32);
  return (traceId) => {
    // 14 hex digits = 56 bits: the high 24 and the low 32, each exact as a double.
    const high = parseInt(traceId.slice(18, 24), 16);
    const low = parseInt(traceId.slice(24, 32), 16);
    // Compared in two exact halves (the 56-bit sum would round past 2^53).
    return high > thresholdHigh || high === thresholdHigh && low >= thresholdLow;
  };
}

/**
 * Follows the parent's sampled flag, local or remote, and asks `root` for spans without a parent
 * (`parentbased_*`). `parentBased(alwaysOn)` is what a tracer without a sampler does.
 *
 * @param root The sampler for root spans.
 * @returns The sampler.
 */
export function parentBased(root: Sampler): Sampler {
  return (traceId, parent, name, attributes) =>
    parent === undefined
      ? root(traceId, parent, name, attributes)
      : ((parent.traceFlags ?? 1) & 1) === 1; // no flags: sampled, as the tracer reads them
}

/**
 * The sampler that OpenTelemetry's `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` ask for:
 * `always_on`, `always_off`, `traceidratio`, `parentbased_always_on` (the default),
 * `parentbased_always_off`, `parentbased_traceidratio`; the ratio defaults to 1. Values are read
 * case-insensitively; an unknown sampler or a ratio outside 0-1 is reported (`invalid_env`) and
 * the default is used, as the specification asks.
 *
 * @param env Reads environment variables.
 * @returns The sampler, or undefined for the default (the tracer's own parent-based behaviour).
 */
export function samplerFromEnv(env: EnvReader | undefined): Sampler | undefined {
  const name = readEnv(env, "OTEL_TRACES_SAMPLER")?.toLowerCase();
  if (name === undefined || name === "parentbased_always_on") return undefined;
  const ratio = (): Sampler => {
    const arg = readEnv(env, "OTEL_TRACES_SAMPLER_ARG");
    const value = arg === undefined ? 1 : Number(arg);
    if (value >= 0 && value <= 1) return traceIdRatio(value);
    envWarn("OTEL_TRACES_SAMPLER_ARG", "the ratio must be a number from 0 to 1");
    return alwaysOn;
  };
  switch (name) {
    case "always_on":
      return alwaysOn;
    case "always_off":
      return alwaysOff;
    case "traceidratio":
      return ratio();
    case "parentbased_always_off":
      return parentBased(alwaysOff);
    case "parentbased_traceidratio":
      return parentBased(ratio());
  }
  envWarn("OTEL_TRACES_SAMPLER", `"${name}" is not a sampler tracelet knows`);
  return undefined;
}
