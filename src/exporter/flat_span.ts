/**
 * dreadnode's flat span line: `json.dumps(span_to_flat_dict(span))`, the line of `spans.jsonl`
 * and the message of the WebSocket exporter. Keys in dreadnode's order, separators `", "` and
 * `": "`, non-ASCII escaped as `\uXXXX`, numbers in Python's forms (`1e-07`) and times in
 * Python's `isoformat()`.
 *
 * The line is written field by field into one string, not as an object handed to a generic
 * encoder: the keys are constants, the times need no escaping, and a tracer's resource (frozen,
 * the same in every span) is encoded once. A record that is not shaped as a tracer makes it (a
 * field that is not a string, attributes that are not a JSON object) is written by the generic
 * encoder from {@linkcode toFlatSpan}, so every record gives the same line either way.
 *
 * @module
 */
import { isoFromNs } from "../clock.ts";
import {
  asciiJsonString,
  pythonJsonDumps,
  pythonJsonLineOrThrow,
} from "../serialize/python_json.ts";
import type { JsonValue } from "../serialize/types.ts";
import type { Attributes, SpanRecord } from "../types.ts";

/** One JSONL line, as an object (keys in dreadnode's order). */
export interface FlatSpan {
  /** The W3C trace id (32 lowercase hex). */
  trace_id: string;
  /** The W3C span id (16 lowercase hex). */
  span_id: string;
  /** The parent span id, or null for a root span. */
  parent_id: string | null;
  /** The span name. */
  name: string;
  /** The span kind (`INTERNAL`, `SERVER`, `CLIENT`, `PRODUCER` or `CONSUMER`). */
  kind: string;
  /** The status code (`UNSET`, `OK` or `ERROR`); the description is not written. */
  status: string;
  /** Start time, ISO 8601 in UTC with microseconds (e.g. `2026-01-02T03:04:05.123456+00:00`). */
  start_time: string;
  /** End time, in the same format as `start_time`. */
  end_time: string;
  /** The span's attributes. */
  attributes: Attributes;
  /** The span's events, each with its time in the same format as `start_time`. */
  events: { name: string; timestamp: string; attributes: Attributes }[];
  /** The resource attributes (`service.name`, …). */
  resource: Attributes;
}

/**
 * Converts a finished span to its flat JSONL object.
 *
 * @param span The span.
 * @returns The flat object.
 */
export function toFlatSpan(span: SpanRecord): FlatSpan {
  return {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_id: span.parentSpanId ?? null,
    name: span.name,
    kind: span.kind,
    status: span.status.code,
    start_time: isoFromNs(span.startTime),
    end_time: isoFromNs(span.endTime),
    attributes: span.attributes,
    events: span.events.map((e) => ({
      name: e.name,
      timestamp: isoFromNs(e.time),
      attributes: e.attributes,
    })),
    resource: span.resource.attributes,
  };
}

/**
 * A finished span's JSONL line, without the newline: its flat object ({@linkcode toFlatSpan}) as
 * Python's `json.dumps` writes it.
 *
 * @param span The span.
 * @returns The line.
 * @throws {RangeError} For a time outside the years 1-9999 (as `toFlatSpan`).
 */
export function flatSpanLine(span: SpanRecord): string {
  try {
    return writeLine(span);
  } catch {
    return pythonJsonDumps(toFlatSpan(span) as unknown as JsonValue);
  }
}

/** Thrown (and caught) when a record needs the generic encoder. */
const GENERIC = /* @__PURE__ */ new Error("written by the generic encoder");

function text(value: unknown): string {
  if (typeof value !== "string") throw GENERIC;
  return asciiJsonString(value);
}

function object(value: unknown): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw GENERIC;
  return pythonJsonLineOrThrow(value as JsonValue);
}

// The text of a map that cannot change (see `immutable`), kept for as long as the map lives;
// `null` for a map found mutable once (its text is written every time).
const frozenText = new WeakMap<object, string | null>();

function frozenObject(value: unknown): string {
  if (typeof value !== "object" || value === null) return object(value);
  let written = frozenText.get(value);
  if (written === undefined) {
    written = Object.isFrozen(value) && immutable(value) ? object(value) : null;
    frozenText.set(value, written);
  }
  return written ?? object(value);
}

const isPrimitive = (item: unknown) => item === null || typeof item !== "object";

/**
 * Whether a frozen map's text can never change: `Object.freeze` is one level deep, so each value
 * must be a plain data property holding a primitive or a frozen array of primitives (a tracer's
 * resource is; a record from elsewhere may hold a mutable array or a getter).
 */
function immutable(map: object): boolean {
  for (const descriptor of Object.values(Object.getOwnPropertyDescriptors(map))) {
    if (!("value" in descriptor)) return false;
    const item: unknown = descriptor.value;
    if (isPrimitive(item)) continue;
    if (!Array.isArray(item) || !Object.isFrozen(item) || !item.every(isPrimitive)) return false;
  }
  return true;
}

/**
 * The line, written piece by piece and finished with one join. Text built with `+=` and template
 * strings is a tree of its pieces (a rope in V8 and JavaScriptCore), held at several times its
 * length until something copies it: 3.3 KB for a line of 722 characters (6 attributes, 1 event),
 * in a slow storage's waiting appends or in the WebSocket exporter's queue, which counts the
 * line's length. The join copies it once into one string (`s.slice(0)`, `"".concat(s)` and
 * `[s].join("")` do not on V8, `void Number(s)` does not on JavaScriptCore): 10-35% more time for
 * the line alone, but whatever writes the line copies a rope the same way, and more slowly: the
 * JSONL exporter's write of a batch (encoded, or into memory storage) took 5-27% less time.
 */
function writeLine(span: SpanRecord): string {
  const parent = span.parentSpanId;
  let line =
    `{"trace_id": ${text(span.traceId)}, "span_id": ${text(span.spanId)}, "parent_id": ${
      parent == null ? "null" : text(parent)
    }, "name": ${text(span.name)}, "kind": ${text(span.kind)}, "status": ${
      text(span.status.code)
    }, "start_time": "${isoFromNs(span.startTime)}", "end_time": "${isoFromNs(span.endTime)}", ` +
    `"attributes": ${object(span.attributes)}, "events": [`;
  const events = span.events;
  if (!Array.isArray(events)) throw GENERIC;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    line += `${i === 0 ? "" : ", "}{"name": ${text(event.name)}, "timestamp": "${
      isoFromNs(event.time)
    }", "attributes": ${object(event.attributes)}}`;
  }
  return [line, '], "resource": ', frozenObject(span.resource.attributes), "}"].join("");
}
