/**
 * The normalized trace event of the events layer (design_research_agents' `TraceEvent`): one
 * flat JSON object per event, written as one JSONL line (see `eventLine`), and the protocol of
 * the sinks that receive it.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
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
 * Receives normalized events (design_research_agents' `TraceSink` protocol): a session hands each
 * of its events to its sinks.
 */
export interface EventSink {
  /**
   * Handles one event; must not block. A promise it returns is not awaited (events are not held
   * up), but its rejection is reported as `event_sink_failed`, as a throw is.
   */
  emit(event: TraceEvent): void;
  /** Writes what is pending and releases resources. */
  close(): void | Promise<void>;
  /** Writes what is pending but stays open (optional). */
  flush?(): void | Promise<void>;
}

/**
 * The sorted key names of a dependencies map, or of a list of names (both are recorded as
 * `dependency_keys`). Names that are not strings appear in their string form; a value that
 * cannot be read gives no keys.
 *
 * @param value A dependencies object, or an iterable of names.
 * @param list True when `value` is a list of names rather than an object whose keys are names.
 * @returns The sorted names.
 * @internal
 */
export function sortedNames(value: unknown, list: boolean): string[] {
  if (typeof value !== "object" || value === null) return [];
  let names: unknown[];
  try {
    names = list ? [...(value as Iterable<unknown>)] : Object.keys(value);
  } catch {
    return [];
  }
  return names.map(safeString).sort();
}

/** A JSON value that is an object, or an empty object. @internal */
export function asObject(value: JsonValue): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : {};
}
