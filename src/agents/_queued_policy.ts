/**
 * The process-wide redaction policy in force when each agent trace or span was queued for export:
 * `BatchTraceProcessor` notes it, `BackendSpanExporter` (without a `redaction` option) redacts the
 * item with it, so a later `configure()` or `setRedactionPolicy` cannot change how records already
 * queued are masked.
 *
 * @module
 */
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";

const queuedPolicies = new WeakMap<object, RedactionPolicy>();

/**
 * Notes the process-wide redaction policy in force now for an item being queued. Never throws.
 *
 * @param item The trace or span being queued.
 */
export function noteQueuedRedaction(item: unknown): void {
  if ((typeof item === "object" && item !== null) || typeof item === "function") {
    queuedPolicies.set(item, getRedactionPolicy());
  }
}

/**
 * The policy to redact `item` with: the one in force when it was queued, else the current one.
 *
 * @param item The trace or span being exported.
 * @returns A redaction policy.
 */
export function queuedRedaction(item: unknown): RedactionPolicy {
  return ((typeof item === "object" && item !== null) || typeof item === "function"
    ? queuedPolicies.get(item)
    : undefined) ?? getRedactionPolicy();
}
