/**
 * The process-wide default redaction policy, shared by every copy of tracelet through a
 * `Symbol.for` slot on `globalThis`.
 *
 * @module
 */
import { RedactionPolicy } from "./policy.ts";
import type { RedactionOptions } from "./options.ts";

interface RedactionSlot {
  policy: RedactionPolicy | undefined;
}

const SLOT = Symbol.for("tracelet.redaction");
const slots = globalThis as unknown as Record<symbol, RedactionSlot | undefined>;
const slot: RedactionSlot = slots[SLOT] ??= { policy: undefined };

/**
 * Returns the default redaction policy (created with the default options on first use).
 *
 * @returns The current default policy.
 */
export function getRedactionPolicy(): RedactionPolicy {
  return slot.policy ??= new RedactionPolicy();
}

/**
 * Replaces the default redaction policy used by exporters that were not given their own.
 *
 * @param policy A policy, options to build one from, or `undefined` to restore the defaults.
 * @returns The previous policy.
 * @example
 * ```ts
 * import { setRedactionPolicy } from "@tracelet/tracelet";
 * setRedactionPolicy({ extraKeys: ["session_key"], maxStringLength: 4096 });
 * ```
 */
export function setRedactionPolicy(
  policy: RedactionPolicy | RedactionOptions | undefined,
): RedactionPolicy {
  const previous = getRedactionPolicy();
  slot.policy = policy === undefined
    ? undefined
    : isPolicy(policy)
    ? policy
    : new RedactionPolicy(policy);
  return previous;
}

function isPolicy(value: unknown): value is RedactionPolicy {
  try {
    return value instanceof RedactionPolicy;
  } catch {
    return false; // A revoked proxy: read as (unreadable) options.
  }
}
