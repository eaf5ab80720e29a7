/**
 * Retry policy helpers of the OTLP exporter: which outcomes are retryable, exponential backoff
 * with jitter, an abortable sleep that leaves no timer behind, and a small concurrency limiter.
 *
 * Defaults, compared with peers (reference/peers.md §1): OpenTelemetry JS retries 5 times from
 * 1 s, ×1.5, capped at 5 s, ±20 % jitter; OpenAI Agents makes 3 attempts from 1 s doubling to
 * 30 s and does not retry 429. tracelet makes up to 6 attempts from 1 s doubling to 16 s with
 * "equal jitter" (a uniform delay between half and all of the computed step, so retries spread
 * out but never fire immediately), retries 408, 429, 502, 503, 504, network errors and timeouts,
 * prefers the server's `Retry-After`, and stops at the export's overall deadline.
 *
 * @module
 */

/** Backoff settings. */
export interface RetryOptions {
  /** Maximum attempts per export, the first included. Default 6. */
  maxAttempts?: number;
  /** Delay before the first retry, in ms. Default 1000. */
  initialDelayMillis?: number;
  /** Upper bound of one delay, in ms. Default 16 000. */
  maxDelayMillis?: number;
  /** Growth factor between retries. Default 2. */
  multiplier?: number;
}

/** Retry settings with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults of {@linkcode RetryOptions}. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  initialDelayMillis: 1000,
  maxDelayMillis: 16_000,
  multiplier: 2,
});

/**
 * Fills in the retry defaults.
 *
 * @param options Partial settings.
 * @returns The complete policy.
 */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  return {
    maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? DEFAULT_RETRY.maxAttempts)),
    initialDelayMillis: Math.max(0, options.initialDelayMillis ?? DEFAULT_RETRY.initialDelayMillis),
    maxDelayMillis: Math.max(0, options.maxDelayMillis ?? DEFAULT_RETRY.maxDelayMillis),
    multiplier: Math.max(1, options.multiplier ?? DEFAULT_RETRY.multiplier),
  };
}

const RETRYABLE = new Set([408, 429, 502, 503, 504]);

/**
 * Whether an HTTP status is worth retrying (OTLP/HTTP's list plus 408).
 *
 * @param status The HTTP status.
 * @returns True for 408, 429, 502, 503 and 504.
 */
export function isRetryableStatus(status: number): boolean {
  return RETRYABLE.has(status);
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
    policy.initialDelayMillis * Math.pow(policy.multiplier, Math.max(0, retry - 1)),
  );
  return step / 2 + random() * (step / 2);
}

/**
 * Waits `ms` milliseconds unless `signal` aborts first; the timer is always cleared.
 *
 * @param ms The delay.
 * @param signal Optional abort signal.
 * @returns True when the full delay passed, false when aborted.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Allows at most `max` holders at once; waiters are served first come, first served. */
export class Limiter {
  readonly #max: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /** @param max Maximum concurrent holders (at least 1). */
  constructor(max: number) {
    this.#max = Math.max(1, Math.floor(max));
  }

  /** How many holders are active. */
  get active(): number {
    return this.#active;
  }

  /**
   * Waits for a free slot.
   *
   * @returns Resolves once the caller holds a slot; release it with {@linkcode Limiter.release}.
   */
  acquire(): Promise<void> {
    if (this.#active < this.#max) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Releases a slot, handing it to the next waiter if any. */
  release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else if (this.#active > 0) this.#active--;
  }
}
