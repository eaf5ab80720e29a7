/**
 * The records the OpenAI traces backend exporter posts: each item's backend record, redacted,
 * shrunk to what the backend accepts when asked, and serialized as JSON, grouped by the API key
 * it must be sent with.
 *
 * @internal
 * @module
 */
import type { Warn } from "../exporter/_warn.ts";
import { isObject } from "../option_rules.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { safeString } from "../safe_string.ts";
import type { JsonValue } from "../serialize/types.ts";
import { queuedRedaction } from "./_queued_policy.ts";
import { sanitizeForBackend } from "./_sanitize.ts";
import type { ExportableTraceItem } from "./backend_exporter.ts";

/** How {@linkcode groupRecords} prepares each record. */
export interface RecordRules {
  /** The exporter's `redaction` option (undefined: the policy the item was queued under). */
  readonly redaction: RedactionPolicy | false | undefined;
  /** Whether records are shrunk to what the backend accepts. */
  readonly sanitize: boolean;
  /** Most UTF-8 bytes of `input` and of `output` when sanitizing. */
  readonly maxFieldBytes: number;
}

/**
 * A string option or API key, trimmed: undefined when not a non-blank string.
 *
 * @param value The value given.
 * @returns The trimmed string, or undefined.
 */
export function nonBlank(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * A record with sensitive values masked; a span's `error.message` is redacted as free text, since
 * an error's message may embed a JSON body that echoes a secret (`failed: {"api_key":…}`).
 */
function redactRecord(record: unknown, policy: RedactionPolicy): unknown {
  const out = policy.redactValue(record as JsonValue, { truncate: false });
  if (!isObject(out) || !isObject(out.error) || typeof out.error.message !== "string") return out;
  const message = policy.redactText(out.error.message, { truncate: false });
  return message === out.error.message ? out : { ...out, error: { ...out.error, message } };
}

/**
 * JSON records by API key (undefined: the exporter's key). Items whose record is null or undefined
 * are skipped; an item whose record cannot be made, redacted or serialized (a throwing getter, a
 * BigInt) is skipped alone and reported as `openai_export_item`.
 *
 * @param items Traces and spans (anything else than an array counts as none).
 * @param rules Redaction and sanitizing.
 * @param warn Reports a skipped item.
 * @returns The JSON records of each API key, in item order.
 */
export function groupRecords(
  items: readonly ExportableTraceItem[],
  rules: RecordRules,
  warn: Warn,
): Map<string | undefined, string[]> {
  const groups = new Map<string | undefined, string[]>();
  for (const item of Array.isArray(items) ? items : []) {
    let record: unknown;
    let key: string | undefined;
    try {
      record = typeof item.export === "function" ? item.export() : item.toJSON?.();
      key = nonBlank(item.tracingApiKey);
      if (record === null || record === undefined) continue;
      const policy = rules.redaction ?? queuedRedaction(item);
      if (policy !== false) record = redactRecord(record, policy);
      if (rules.sanitize) record = sanitizeForBackend(record, rules.maxFieldBytes);
      record = JSON.stringify(record);
    } catch (error) {
      warn(
        "openai_export_item",
        `A trace item was skipped, its record cannot be sent: ${safeString(error)}`,
      );
      continue;
    }
    if (typeof record !== "string") continue;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [record]);
    else group.push(record);
  }
  return groups;
}
