/**
 * Retry policy helpers of the OTLP exporter: which outcomes are retryable, exponential backoff
 * with jitter, and an abortable sleep that leaves no timer behind.
 *
 * Defaults, compared with peers (reference/peers.md §1): OpenTelemetry JS retries 5 times from
 * 1 s, ×1.5, capped at 5 s, ±20 % jitter; OpenAI Agents makes 3 attempts from 1 s doubling to
 * 30 s and does not retry 429. tracelet makes up to 6 attempts from 1 s doubling to 16 s with
 * "equal jitter" (a uniform delay between half and all of the computed step, so retries spread
 * out but never fire immediately), retries 429, 502, 503, 504 (the OTLP/HTTP specification's list:
 * "all other 4xx or 5xx response status codes MUST NOT be retried"; 408 was retried until
 * 2026-12-06), network errors and timeouts, prefers the server's `Retry-After`, and stops at the
 * export's overall deadline.
 *
 * @module
 */

import { countAtLeastOne, numberAtLeast } from "../number_option.ts";

/** Backoff settings. */
export interface RetryOptions {
  /** Maximum attempts per export, the first included. Default 6. */
  maxAttempts?: number | undefined;
  /** Delay before the first retry, in ms. Default 1000. */
  initialDelayMillis?: number | undefined;
  /** Upper bound of one delay, in ms. Default 16 000. */
  maxDelayMillis?: number | undefined;
  /** Growth factor between retries. Default 2. */
  multiplier?: number | undefined;
}

/** Retry settings with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/**
 * Fills in the retry defaults.
 *
 * @param options Partial settings.
 * @returns The complete policy.
 */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    maxAttempts: countAtLeastOne(options.maxAttempts, 6),
    initialDelayMillis: numberAtLeast(options.initialDelayMillis, 0, 1000),
    maxDelayMillis: numberAtLeast(options.maxDelayMillis, 0, 16_000),
    multiplier: numberAtLeast(options.multiplier, 1, 2),
  };
}

/**
 * Whether an HTTP status is worth retrying: exactly the OTLP/HTTP specification's list.
 *
 * @param status The HTTP status.
 * @returns True for 429, 502, 503 and 504.
 */
export function isRetryableStatus(status: number): boolean {
  return [429, 502, 503, 504].includes(status);
}

/**
 * The delay before retry number `retry` (1 for the first retry).
 *
 * @param retry 1-based retry number.
 * @param policy The policy.
 * @param random A uniform random source in [0, 1).
 * @returns The delay in ms, between half and all of `min(max, initial × multiplier^(retry-1))`.
 */
export function backoffDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(
    policy.maxDelayMillis,
    policy.initialDelayMillis * policy.multiplier ** Math.max(0, retry - 1),
  );
  return (step * (1 + random())) / 2;
}

/**
 * Waits `ms` milliseconds unless `signal` aborts first; the timer is always cleared.
 *
 * @param ms The delay.
 * @param signal Optional abort signal.
 * @returns True when the full delay passed, false when aborted.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const done = (full: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(full);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(done, ms, true);
    signal?.addEventListener("abort", onAbort);
  });
}
