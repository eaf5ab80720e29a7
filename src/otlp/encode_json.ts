/**
 * OTLP/JSON encoding of a span batch as an `ExportTraceServiceRequest`, following the OTLP
 * specification's JSON rules: camelCase keys, trace and span ids as lower-case hex (not base64),
 * 64-bit integers and nanosecond timestamps as decimal strings, enums as integers, fields holding
 * their default value omitted. Non-finite doubles are written as `"NaN"`, `"Infinity"`,
 * `"-Infinity"` (the proto3 JSON mapping). A minimal object tree is built and serialized by one
 * `JSON.stringify`; resources and scopes are converted once per object and reused.
 *
 * @module
 */
import type {
  Attributes,
  InstrumentationScope,
  Resource,
  SpanEvent,
  SpanLink,
  SpanRecord,
} from "../types.ts";
import {
  groupSpans,
  int64Decimal,
  spanFlags,
  spanKindCode,
  statusCodeOf,
  uint64Decimal,
  VALUE_ARRAY,
  VALUE_BOOL,
  VALUE_DOUBLE,
  VALUE_INT,
  VALUE_SKIP,
  VALUE_STRING,
  valueKind,
} from "./mapping.ts";
import type { OtlpEncoder } from "./encoder.ts";
import { parseJsonPartialSuccess } from "./partial_success.ts";
import { utf8Encoder } from "../utf8.ts";

/** The content type of OTLP/JSON request bodies. */
export const JSON_CONTENT_TYPE = "application/json";

/** A JSON object of the OTLP/JSON document. */
export type OtlpJsonObject = Record<string, unknown>;

/** The OTLP/JSON `ExportTraceServiceRequest` document. */
export interface OtlpJsonRequest {
  /** One entry per resource. */
  resourceSpans: OtlpJsonObject[];
}

const resourceCache = new WeakMap<Resource, OtlpJsonObject>();
const scopeCache = new WeakMap<InstrumentationScope, OtlpJsonObject>();

function doubleJson(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return value !== value ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

function anyValueJson(value: unknown, kind: number): OtlpJsonObject {
  switch (kind) {
    case VALUE_STRING:
      return { stringValue: value };
    case VALUE_BOOL:
      return { boolValue: value };
    case VALUE_INT:
      return { intValue: int64Decimal(value as number) };
    case VALUE_DOUBLE:
      return { doubleValue: doubleJson(value as number) };
    case VALUE_ARRAY: {
      const items = value as readonly unknown[];
      if (items.length === 0) return { arrayValue: {} };
      const values: OtlpJsonObject[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) {
        const itemKind = valueKind(items[i]);
        values[i] = itemKind === VALUE_SKIP ? {} : anyValueJson(items[i], itemKind);
      }
      return { arrayValue: { values } };
    }
    default:
      return {};
  }
}

/**
 * Converts attributes to OTLP/JSON `KeyValue`s, skipping values that have no OTLP form.
 *
 * @param attributes The attributes.
 * @returns The key-value list (empty when there is nothing to write).
 */
export function attributesJson(attributes: Readonly<Attributes>): OtlpJsonObject[] {
  const out: OtlpJsonObject[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    const kind = valueKind(value);
    if (kind !== VALUE_SKIP) out.push({ key, value: anyValueJson(value, kind) });
  }
  return out;
}

function eventJson(event: SpanEvent): OtlpJsonObject {
  const out: OtlpJsonObject = {};
  const time = uint64Decimal(event.time);
  if (time !== "0") out.timeUnixNano = time;
  if (event.name) out.name = event.name;
  const attributes = attributesJson(event.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (event.droppedAttributesCount > 0) out.droppedAttributesCount = event.droppedAttributesCount;
  return out;
}

function linkJson(link: SpanLink): OtlpJsonObject {
  const out: OtlpJsonObject = { traceId: link.traceId, spanId: link.spanId };
  if (link.traceState) out.traceState = link.traceState;
  const attributes = attributesJson(link.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (link.droppedAttributesCount > 0) out.droppedAttributesCount = link.droppedAttributesCount;
  return out;
}

/**
 * Converts one span to its OTLP/JSON `Span` object.
 *
 * @param span The span.
 * @returns The JSON object.
 */
export function spanJson(span: SpanRecord): OtlpJsonObject {
  const out: OtlpJsonObject = { traceId: span.traceId, spanId: span.spanId };
  if (span.traceState) out.traceState = span.traceState;
  if (span.parentSpanId) out.parentSpanId = span.parentSpanId;
  const flags = spanFlags(span.traceFlags);
  if (flags !== 0) out.flags = flags;
  if (span.name) out.name = span.name;
  const kind = spanKindCode(span.kind);
  if (kind !== 0) out.kind = kind;
  const start = uint64Decimal(span.startTime);
  if (start !== "0") out.startTimeUnixNano = start;
  const end = uint64Decimal(span.endTime);
  if (end !== "0") out.endTimeUnixNano = end;
  const attributes = attributesJson(span.attributes);
  if (attributes.length > 0) out.attributes = attributes;
  if (span.droppedAttributesCount > 0) out.droppedAttributesCount = span.droppedAttributesCount;
  const events = span.events;
  if (events.length > 0) {
    const list: OtlpJsonObject[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) list[i] = eventJson(events[i]);
    out.events = list;
  }
  if (span.droppedEventsCount > 0) out.droppedEventsCount = span.droppedEventsCount;
  const links = span.links;
  if (links.length > 0) {
    const list: OtlpJsonObject[] = new Array(links.length);
    for (let i = 0; i < links.length; i++) list[i] = linkJson(links[i]);
    out.links = list;
  }
  if (span.droppedLinksCount > 0) out.droppedLinksCount = span.droppedLinksCount;
  const code = statusCodeOf(span.status.code);
  const message = span.status.message;
  if (code !== 0 || message) {
    const status: OtlpJsonObject = {};
    if (message) status.message = message;
    if (code !== 0) status.code = code;
    out.status = status;
  }
  return out;
}

function resourceJson(resource: Resource): OtlpJsonObject {
  let out = resourceCache.get(resource);
  if (out === undefined) {
    const attributes = attributesJson(resource.attributes);
    out = attributes.length > 0 ? { attributes } : {};
    resourceCache.set(resource, out);
  }
  return out;
}

function scopeJson(scope: InstrumentationScope): OtlpJsonObject {
  let out = scopeCache.get(scope);
  if (out === undefined) {
    out = {};
    if (scope.name) out.name = scope.name;
    if (scope.version) out.version = scope.version;
    scopeCache.set(scope, out);
  }
  return out;
}

/**
 * Builds the OTLP/JSON document for a batch, grouped by resource and instrumentation scope.
 *
 * @param spans The batch.
 * @returns The `ExportTraceServiceRequest` object (ready for `JSON.stringify`).
 */
export function toOtlpJson(spans: readonly SpanRecord[]): OtlpJsonRequest {
  const groups = groupSpans(spans);
  const resourceSpans: OtlpJsonObject[] = new Array(groups.length);
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    const scopeSpans: OtlpJsonObject[] = new Array(group.scopes.length);
    for (let s = 0; s < group.scopes.length; s++) {
      const list = group.scopes[s].spans;
      const out: OtlpJsonObject[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) out[i] = spanJson(list[i]);
      scopeSpans[s] = { scope: scopeJson(group.scopes[s].scope), spans: out };
    }
    resourceSpans[g] = { resource: resourceJson(group.resource), scopeSpans };
  }
  return { resourceSpans };
}

/**
 * Encodes spans as an OTLP/JSON request body (UTF-8).
 *
 * @param spans The batch.
 * @returns The request body (uncompressed).
 * @example
 * ```ts
 * import { encodeTracesJson } from "./encode_json.ts";
 * const text = new TextDecoder().decode(encodeTracesJson([]));
 * console.log(text); // {"resourceSpans":[]}
 * ```
 */
export function encodeTracesJson(spans: readonly SpanRecord[]): Uint8Array {
  return utf8Encoder.encode(JSON.stringify(toOtlpJson(spans)));
}

/**
 * The OTLP/JSON encoder, to pass as the OTLP exporter's `encoder` (`createOtlpExporter` picks it
 * for `protocol: "http/json"`).
 *
 * @example
 * ```ts
 * import { OtlpHttpExporter } from "../exporter/otlp_http.ts";
 * import { OTLP_JSON_ENCODER } from "./encode_json.ts";
 * const exporter = new OtlpHttpExporter({
 *   endpoint: "http://127.0.0.1:4318/v1/traces",
 *   encoder: OTLP_JSON_ENCODER,
 * });
 * await exporter.shutdown();
 * ```
 */
export const OTLP_JSON_ENCODER: OtlpEncoder = {
  contentType: JSON_CONTENT_TYPE,
  parseResponse: parseJsonPartialSuccess,
  encode: encodeTracesJson,
};
