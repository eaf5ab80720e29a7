/**
 * The outbox's retry policy: how long a parked batch waits before its first redelivery and after
 * each failed one (per-entry backoff from 5 s doubling to 1 h, Sentry's offline-transport model,
 * see reference/peers.md §4.1), how many attempts an entry gets, and how many entries one drain
 * delivers.
 *
 * @module
 */
import { checkRules, isFiniteAtLeast, isPositiveInteger, type Rule } from "../option_rules.ts";
import type { OutboxEntry } from "../storage/types.ts";
import type { SendResult } from "./otlp_http_options.ts";

/** Outbox retry settings. */
export interface OutboxRetryOptions {
  /** First delay after a batch is parked, in ms (finite, >= 0). Default 5000. */
  initialDelayMillis?: number | undefined;
  /** Largest delay, in ms (finite, >= 0). Default 3 600 000 (1 h). */
  maxDelayMillis?: number | undefined;
  /** Delivery attempts from the outbox before an entry is given up (integer >= 1). Default 20. */
  maxAttempts?: number | undefined;
  /**
   * Most entries one drain delivers (integer >= 1); the rest wait for the next drain. Default:
   * what the storage's outbox suggests (16 for the Cloudflare adapters, whose Worker invocations
   * have a small budget of subrequests and binding operations), else 256.
   */
  maxDeliveriesPerDrain?: number | undefined;
}

/** Outbox retry settings with the defaults filled in (the drain bound may stay unset). */
export type OutboxRetryPolicy =
  & Required<Omit<OutboxRetryOptions, "maxDeliveriesPerDrain">>
  & Pick<OutboxRetryOptions, "maxDeliveriesPerDrain">;

const CONTEXT = "Cannot configure the export outbox";
const POLICY_RULES: readonly Rule[] = [
  [["initialDelayMillis", "maxDelayMillis"], isFiniteAtLeast(0), "a finite number >= 0"],
  [["maxAttempts", "maxDeliveriesPerDrain"], isPositiveInteger, "an integer >= 1"],
];

/**
 * Fills in the outbox retry defaults.
 *
 * @param options Partial settings.
 * @returns The complete policy.
 * @throws {TracerError} `INVALID_CONFIG` for a delay that is not a finite number >= 0 or a
 *   `maxAttempts` or `maxDeliveriesPerDrain` that is not an integer >= 1 (a NaN delay would make
 *   every parked batch fail).
 * @example
 * ```ts
 * import { outboxRetryPolicy } from "./_outbox_policy.ts";
 * console.log(outboxRetryPolicy({ maxAttempts: 5 }));
 * // { initialDelayMillis: 5000, maxDelayMillis: 3600000, maxAttempts: 5 }
 * ```
 */
export function outboxRetryPolicy(options: OutboxRetryOptions = {}): OutboxRetryPolicy {
  checkRules(options, POLICY_RULES, CONTEXT);
  const { maxDeliveriesPerDrain } = options;
  return {
    initialDelayMillis: options.initialDelayMillis ?? 5000,
    maxDelayMillis: options.maxDelayMillis ?? 3_600_000,
    maxAttempts: options.maxAttempts ?? 20,
    ...(maxDeliveriesPerDrain === undefined ? {} : { maxDeliveriesPerDrain }),
  };
}

/**
 * The not-before delay after `attempts` failed outbox deliveries (0 when first parked).
 *
 * @param attempts Failed deliveries so far.
 * @param policy The policy.
 * @returns The delay in ms.
 */
export function outboxDelay(attempts: number, policy: OutboxRetryPolicy): number {
  return Math.min(policy.maxDelayMillis, policy.initialDelayMillis * Math.pow(2, attempts));
}

/**
 * The retry bookkeeping after a failed delivery: one more attempt, backed off (at least the
 * server's `Retry-After`).
 *
 * @param policy The policy.
 * @param attempts Failed deliveries so far, this one included.
 * @param failure The failed delivery.
 * @returns The entry's new attempts, not-before time and reason.
 */
export function backedOff(
  policy: OutboxRetryPolicy,
  attempts: number,
  failure: SendResult,
): Pick<OutboxEntry, "attempts" | "notBefore" | "reason"> {
  const delay = Math.max(outboxDelay(attempts, policy), failure.retryAfterMillis ?? 0);
  return { attempts, notBefore: Date.now() + delay, reason: failure.reason };
}
