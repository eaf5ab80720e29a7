/**
 * Ids of the agent layer in the OpenAI Agents / CAI formats, and their mapping to W3C ids.
 *
 * | Agent id | Format | W3C id on the wire |
 * |---|---|---|
 * | trace | `trace_` + 32 hex | the 32 hex digits are the W3C trace id |
 * | span | `span_` + 24 hex | the first 16 hex digits are the W3C span id |
 * | group | `group_` + 24 hex | not an id on the wire: `gen_ai.conversation.id` / `openai.group_id` |
 *
 * The original agent ids are always kept as the attributes `openai.trace_id` and `openai.span_id`,
 * so nothing is lost by the mapping. Ids in any other format (callers may pass their own) map to a
 * W3C id derived from the SHA-1 of the whole id, so the same agent id always maps to the same W3C id.
 *
 * @module
 */
import { isValidSpanId, isValidTraceId, newSpanId, newTraceId } from "../ids.ts";
import { sha1Hex } from "../hash/sha1.ts";
import { safeString } from "../safe_string.ts";

/** The id of every no-op trace and span (`"no-op"`, as in the seeds). */
export const NOOP_ID = "no-op";

const AGENT_TRACE = /^trace_([0-9a-fA-F]{32})$/;
const AGENT_SPAN = /^span_([0-9a-fA-F]{16})[0-9a-fA-F]*$/;

/**
 * A new trace id: `trace_` + 32 lower-case hex digits (a random, non-zero W3C trace id).
 *
 * @returns The trace id.
 * @example
 * ```ts
 * import { genTraceId, toW3CTraceId } from "@tracelet/tracelet/agents";
 * const id = genTraceId(); // "trace_4bf92f3577b34da6a3ce929d0e0e4736"
 * toW3CTraceId(id); // "4bf92f3577b34da6a3ce929d0e0e4736"
 * ```
 */
export function genTraceId(): string {
  return `trace_${newTraceId()}`;
}

/**
 * A new span id: `span_` + 24 lower-case hex digits; the first 16 are a random non-zero W3C span id.
 *
 * @returns The span id.
 */
export function genSpanId(): string {
  return `span_${newSpanId()}${newSpanId().slice(0, 8)}`;
}

/**
 * A new group id: `group_` + 24 lower-case hex digits. Group ids are free text (a chat thread id
 * is typical); this is only a convenient generator.
 *
 * @returns The group id.
 */
export function genGroupId(): string {
  return `group_${newSpanId()}${newSpanId().slice(0, 8)}`;
}

/** `length` hex digits derived from the SHA-1 of any text, never all zero. */
function derivedHex(text: string, length: number): string {
  const hex = sha1Hex(text).slice(0, length);
  return /^0+$/.test(hex) ? "0".repeat(length - 1) + "1" : hex;
}

/**
 * The W3C trace id an agent trace id maps to.
 *
 * @param traceId An agent trace id (`trace_<32 hex>`), a bare W3C trace id, or any other text
 *   (any other value maps through its string form).
 * @returns 32 lower-case hex digits, never all zero.
 */
export function toW3CTraceId(traceId: string): string {
  if (typeof traceId !== "string") traceId = safeString(traceId);
  const match = AGENT_TRACE.exec(traceId);
  if (match !== null) {
    const hex = match[1].toLowerCase();
    if (isValidTraceId(hex)) return hex;
  }
  if (isValidTraceId(traceId)) return traceId;
  return derivedHex(traceId, 32);
}

/**
 * The W3C span id an agent span id maps to.
 *
 * @param spanId An agent span id (`span_<24 hex>`), a bare W3C span id, or any other text (any
 *   other value maps through its string form).
 * @returns 16 lower-case hex digits, never all zero.
 */
export function toW3CSpanId(spanId: string): string {
  if (typeof spanId !== "string") spanId = safeString(spanId);
  const match = AGENT_SPAN.exec(spanId);
  if (match !== null) {
    const hex = match[1].toLowerCase();
    if (isValidSpanId(hex)) return hex;
  }
  if (isValidSpanId(spanId)) return spanId;
  return derivedHex(spanId, 16);
}
