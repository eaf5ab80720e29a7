/**
 * The normalized trace event of the events layer (design_research_agents' `TraceEvent`): one
 * flat JSON object per event, written as one JSONL line.
 *
 * @module
 */
import type { JsonObject, JsonValue } from "../serialize/types.ts";

/** The event types the emitters produce (any other string is accepted too). */
export type EventType =
  | "RunStarted"
  | "RunFinished"
  | "AgentRunStarted"
  | "AgentRunFinished"
  | "ModelCallStarted"
  | "ModelCallToken"
  | "ModelCallFinished"
  | "ModelCallFailed"
  | "ToolCallStarted"
  | "ToolCallFinished"
  | "ToolCallFailed"
  | "RouterDecision"
  | "ModelSelectionDecision"
  | "ToolSelectionDecision"
  | "ContinuationDecision"
  | "GuardrailDecision"
  | "ModelRequestObserved"
  | "ModelResponseObserved"
  | "ToolInvocationObserved"
  | "ToolResultObserved"
  | "WorkflowStepContextObserved"
  | "WorkflowStepResultObserved"
  | (string & Record<never, never>);

/** The six additive *Observed* event types. */
export const OBSERVED_EVENT_TYPES: readonly string[] = Object.freeze([
  "ModelRequestObserved",
  "ModelResponseObserved",
  "ToolInvocationObserved",
  "ToolResultObserved",
  "WorkflowStepContextObserved",
  "WorkflowStepResultObserved",
]);

/**
 * One normalized event (the JSONL line). Attributes are JSON-safe and already redacted and
 * truncated by the session's redaction policy.
 */
export interface TraceEvent {
  /** The event type, e.g. `ModelCallStarted`. */
  event_type: EventType;
  /** The run (request) id that owns the event. */
  run_id: string;
  /** The span the event belongs to (16 hex: the tracelet span id when spans are recorded). */
  span_id: string;
  /** The parent span id, or null. */
  parent_span_id: string | null;
  /** ISO 8601 UTC time (`+00:00`, microseconds). */
  timestamp: string;
  /** Unix time in whole milliseconds. */
  timestamp_ms: number;
  /** Duration in whole milliseconds, for span-finishing events; else null. */
  duration_ms: number | null;
  /** The event's attributes. */
  attributes: JsonObject;
  /** Monotonic sequence number within the session, from 0. */
  event_index: number;
}

/**
 * Reads a field of a response-like object under its snake_case or camelCase name.
 *
 * @param value An object (or anything).
 * @param names Candidate field names, tried in order.
 * @returns The first defined value.
 * @internal
 */
export function field(value: unknown, ...names: string[]): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  for (const name of names) {
    try {
      const v = (value as Record<string, unknown>)[name];
      if (v !== undefined) return v;
    } catch {
      // A throwing getter counts as absent.
    }
  }
  return undefined;
}

/**
 * The error text of an error value: a string as is, `{message}`'s message, else its string form.
 *
 * @param error The error.
 * @returns The text, or null when there is no error.
 * @internal
 */
export function errorText(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  if (typeof error === "string") return error;
  if (error instanceof Error) return error.message || error.name;
  const message = field(error, "message");
  return typeof message === "string" ? message : String(error);
}

/** A JSON value that is an object, or an empty object. @internal */
export function asObject(value: JsonValue): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}
