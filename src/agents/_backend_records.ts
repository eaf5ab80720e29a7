/**
 * The records the OpenAI traces backend exporter posts: each item's backend record, redacted,
 * shrunk to what the backend accepts when asked, and serialized as JSON, grouped by the API key
 * it must be sent with; and an item prepared so ahead of its export (see {@linkcode
 * preparedItem}).
 *
 * @internal
 * @module
 */
import { isObject } from "../option_rules.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { safeString } from "../safe_string.ts";
import type { JsonValue } from "../serialize/types.ts";
import { queuedRedaction } from "./_queued_policy.ts";
import { sanitizeForBackend } from "./_sanitize.ts";
import type { ExportableTraceItem } from "./backend_exporter.ts";
import type { SpanView, TraceView } from "./processors.ts";

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

/** The JSON record of each item made by {@linkcode preparedItem}. */
const prepared = new WeakMap<object, string>();

/**
 * An item's record as it is posted: redacted (with the policy in force when it was queued),
 * shrunk when asked, as JSON; undefined when it has none (null or undefined, or not
 * serializable to a string). Throws when it cannot be made, redacted or serialized.
 */
function recordOf(item: ExportableTraceItem, rules: RecordRules): string | undefined {
  const ready = prepared.get(item);
  if (ready !== undefined) return ready;
  let record = typeof item.export === "function" ? item.export() : item.toJSON?.();
  if (record === null || record === undefined) return undefined;
  const policy = rules.redaction ?? queuedRedaction(item);
  if (policy !== false) record = redactRecord(record, policy);
  if (rules.sanitize) record = sanitizeForBackend(record, rules.maxFieldBytes);
  const json = JSON.stringify(record);
  return typeof json === "string" ? json : undefined;
}

/**
 * A stand-in for `item` holding only its record as it will be posted (made now: redacted with
 * the policy in force now, shrunk when the rules say so), for a queue to keep instead of the item
 * and the data it holds. {@linkcode groupRecords} posts its record as is.
 *
 * @param item A trace or span.
 * @param rules Redaction and sanitizing.
 * @returns The stand-in and its estimated bytes (its JSON's length); undefined when the item
 *   has no record. Throws when the record cannot be made (the item would be skipped at export).
 */
export function preparedItem(
  item: ExportableTraceItem,
  rules: RecordRules,
): { item: TraceView | SpanView; bytes: number } | undefined {
  const json = recordOf(item, rules);
  if (json === undefined) return undefined;
  const tracingApiKey = nonBlank(item.tracingApiKey);
  const stand = { tracingApiKey, toJSON: (): unknown => JSON.parse(json) };
  prepared.set(stand, json);
  return { item: stand as unknown as TraceView | SpanView, bytes: json.length };
}

/**
 * JSON records by API key (undefined: the exporter's key). Items whose record is null or undefined
 * are skipped; an item whose record cannot be made, redacted or serialized (a throwing getter, a
 * BigInt) is skipped alone and handed to `unsendable`.
 *
 * @param items Traces and spans (anything else than an array counts as none).
 * @param rules Redaction and sanitizing.
 * @param unsendable Told of each item skipped because its record cannot be sent, and why.
 * @returns The JSON records of each API key, in item order.
 */
export function groupRecords(
  items: readonly ExportableTraceItem[],
  rules: RecordRules,
  unsendable: (why: string) => void,
): Map<string | undefined, string[]> {
  const groups = new Map<string | undefined, string[]>();
  for (const item of Array.isArray(items) ? items : []) {
    let record: string | undefined;
    let key: string | undefined;
    try {
      record = recordOf(item, rules);
      key = nonBlank(item.tracingApiKey);
    } catch (error) {
      unsendable(`A trace item was skipped, its record cannot be sent: ${safeString(error)}`);
      continue;
    }
    if (record === undefined) continue;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [record]);
    else group.push(record);
  }
  return groups;
}
