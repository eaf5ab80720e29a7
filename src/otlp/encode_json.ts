/**
 * OTLP/JSON encoding of a span batch as an `ExportTraceServiceRequest`, following the OTLP
 * specification's JSON rules: camelCase keys, trace and span ids as lower-case hex (not base64),
 * 64-bit integers and nanosecond timestamps as decimal strings, enums as integers, fields holding
 * their default value omitted. Non-finite doubles are written as `"NaN"`, `"Infinity"`,
 * `"-Infinity"` (the proto3 JSON mapping). The UTF-8 bytes are written directly by a
 * {@linkcode JsonWriter}, exactly as `JSON.stringify` would print the same document: no object
 * tree, no intermediate string. Each resource and scope is written once and its bytes reused; the
 * writer's buffer is reused from batch to batch (up to 4 MiB).
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
import type { OtlpEncoder } from "./encoder.ts";
import { type Fragment, fragment, JsonWriter } from "./json_writer.ts";
import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
} from "../json_chars.ts";
import { groupSpans, isInt64, spanFlags, spanKindCode, statusCodeOf } from "./mapping.ts";
import { parseJsonPartialSuccess } from "./partial_success.ts";

/** The content type of OTLP/JSON request bodies. */
export const JSON_CONTENT_TYPE = "application/json";

const MAX_KEPT_BUFFER = 4 * 1024 * 1024;
let shared: JsonWriter | undefined;
const resourceCache = new WeakMap<Resource, Uint8Array>();
const scopeCache = new WeakMap<InstrumentationScope, Uint8Array>();

// Every field of an object is written with a leading comma; `close` turns the first into `{`.
const REQUEST = /* @__PURE__ */ fragment('{"resourceSpans":[');
const RESOURCE = /* @__PURE__ */ fragment('{"resource":');
const SCOPE_SPANS = /* @__PURE__ */ fragment(',"scopeSpans":[');
const SCOPE = /* @__PURE__ */ fragment('{"scope":');
const SPANS = /* @__PURE__ */ fragment(',"spans":[');
const END_LIST_OBJECT = /* @__PURE__ */ fragment("]}");
const TRACE_ID = /* @__PURE__ */ fragment(',"traceId":');
const SPAN_ID = /* @__PURE__ */ fragment(',"spanId":');
const TRACE_STATE = /* @__PURE__ */ fragment(',"traceState":');
const PARENT_SPAN_ID = /* @__PURE__ */ fragment(',"parentSpanId":');
const FLAGS = /* @__PURE__ */ fragment(',"flags":');
const NAME = /* @__PURE__ */ fragment(',"name":');
const VERSION = /* @__PURE__ */ fragment(',"version":');
const KIND = /* @__PURE__ */ fragment(',"kind":');
const START_TIME = /* @__PURE__ */ fragment(',"startTimeUnixNano":"');
const END_TIME = /* @__PURE__ */ fragment(',"endTimeUnixNano":"');
const TIME = /* @__PURE__ */ fragment(',"timeUnixNano":"');
const ATTRIBUTES = /* @__PURE__ */ fragment(',"attributes":');
const DROPPED_ATTRIBUTES = /* @__PURE__ */ fragment(',"droppedAttributesCount":');
const EVENTS = /* @__PURE__ */ fragment(',"events":');
const DROPPED_EVENTS = /* @__PURE__ */ fragment(',"droppedEventsCount":');
const LINKS = /* @__PURE__ */ fragment(',"links":');
const DROPPED_LINKS = /* @__PURE__ */ fragment(',"droppedLinksCount":');
const STATUS = /* @__PURE__ */ fragment(',"status":');
const MESSAGE = /* @__PURE__ */ fragment(',"message":');
const CODE = /* @__PURE__ */ fragment(',"code":');
const KEY = /* @__PURE__ */ fragment('{"key":');
const VALUE = /* @__PURE__ */ fragment(',"value":');
const STRING_VALUE = /* @__PURE__ */ fragment('{"stringValue":');
const TRUE_VALUE = /* @__PURE__ */ fragment('{"boolValue":true}');
const FALSE_VALUE = /* @__PURE__ */ fragment('{"boolValue":false}');
const INT_VALUE = /* @__PURE__ */ fragment('{"intValue":"');
const DOUBLE_VALUE = /* @__PURE__ */ fragment('{"doubleValue":');
const NAN = /* @__PURE__ */ fragment('"NaN"');
const INFINITY = /* @__PURE__ */ fragment('"Infinity"');
const MINUS_INFINITY = /* @__PURE__ */ fragment('"-Infinity"');
const ARRAY_VALUE = /* @__PURE__ */ fragment('{"arrayValue":');
const EMPTY_OBJECT = /* @__PURE__ */ fragment("{}");
const VALUES = /* @__PURE__ */ fragment('{"values":[');

/**
 * Closes an object whose fields were each written with a leading comma from `start` on: the first
 * comma becomes the opening brace (or `{}` when no field was written).
 */
function close(w: JsonWriter, start: number): void {
  if (w.pos === start) w.fragment(EMPTY_OBJECT);
  else {
    w.buf[start] = OPEN_BRACE;
    w.byte(CLOSE_BRACE);
  }
}

/** A string field, omitted when empty. */
function str(w: JsonWriter, field: Fragment, s: string | undefined): void {
  if (s) {
    w.fragment(field);
    w.string(s);
  }
}

/** A trace or span id, written even when empty (only `undefined` is omitted, as by JSON). */
function id(w: JsonWriter, field: Fragment, s: string): void {
  if (typeof s === "string") {
    w.fragment(field);
    w.string(s);
  }
}

/** A number field (count or enum), omitted unless positive. */
function num(w: JsonWriter, field: Fragment, n: number): void {
  if (n > 0) {
    w.fragment(field);
    w.number(n);
  }
}

/** An epoch-nanosecond time as an exact decimal string, omitted when below 1 (or infinite). */
function time(w: JsonWriter, field: Fragment, ns: number): void {
  if (ns >= 1 && ns !== Infinity) {
    w.fragment(field);
    w.uint(Math.floor(ns));
    w.byte(QUOTE);
  }
}

/**
 * An `AnyValue` object, its variant chosen as mapping.ts's `valueKind()` chooses it.
 *
 * @returns False, having written nothing, for a value OTLP cannot represent.
 */
function anyValue(w: JsonWriter, value: unknown): boolean {
  switch (typeof value) {
    case "string":
      w.fragment(STRING_VALUE);
      w.string(value);
      break;
    case "boolean":
      w.fragment(value ? TRUE_VALUE : FALSE_VALUE);
      return true;
    case "number":
      if (isInt64(value)) {
        w.fragment(INT_VALUE);
        if (value < 0) {
          w.byte(0x2d); // -
          w.uint(-value);
        } else w.uint(value);
        w.byte(QUOTE);
      } else {
        w.fragment(DOUBLE_VALUE);
        if (Number.isFinite(value)) w.number(value);
        else w.fragment(value !== value ? NAN : value > 0 ? INFINITY : MINUS_INFINITY);
      }
      break;
    default: {
      if (!Array.isArray(value)) return false;
      w.fragment(ARRAY_VALUE);
      const n = value.length;
      if (n === 0) w.fragment(EMPTY_OBJECT);
      else {
        w.fragment(VALUES);
        for (let i = 0; i < n; i++) {
          if (i > 0) w.byte(COMMA);
          if (!anyValue(w, value[i])) w.fragment(EMPTY_OBJECT); // an unrepresentable item stays empty
        }
        w.fragment(END_LIST_OBJECT);
      }
    }
  }
  w.byte(CLOSE_BRACE);
  return true;
}

/** The `attributes` field: every representable attribute as a `KeyValue`, omitted when none. */
function attributes(w: JsonWriter, attributes: Readonly<Attributes>): void {
  const mark = w.pos;
  w.fragment(ATTRIBUTES);
  const list = w.pos;
  for (const key in attributes) {
    const item = w.pos;
    w.byte(COMMA);
    w.fragment(KEY);
    w.string(key);
    w.fragment(VALUE);
    if (anyValue(w, attributes[key])) w.byte(CLOSE_BRACE);
    else w.pos = item; // not representable: nothing written
  }
  if (w.pos === list) w.pos = mark;
  else {
    w.buf[list] = OPEN_BRACKET;
    w.byte(CLOSE_BRACKET);
  }
}

/** A list field of objects, each written by `write` with leading commas; omitted when empty. */
function list<T>(
  w: JsonWriter,
  field: Fragment,
  items: readonly T[],
  write: (w: JsonWriter, item: T) => void,
): void {
  if (items.length === 0) return;
  w.fragment(field);
  for (let i = 0; i < items.length; i++) {
    w.byte(i === 0 ? OPEN_BRACKET : COMMA);
    const start = w.pos;
    write(w, items[i]);
    close(w, start);
  }
  w.byte(CLOSE_BRACKET);
}

function writeEvent(w: JsonWriter, event: SpanEvent): void {
  time(w, TIME, event.time);
  str(w, NAME, event.name);
  attributes(w, event.attributes);
  num(w, DROPPED_ATTRIBUTES, event.droppedAttributesCount);
}

function writeLink(w: JsonWriter, link: SpanLink): void {
  id(w, TRACE_ID, link.traceId);
  id(w, SPAN_ID, link.spanId);
  str(w, TRACE_STATE, link.traceState);
  attributes(w, link.attributes);
  num(w, DROPPED_ATTRIBUTES, link.droppedAttributesCount);
  num(w, FLAGS, spanFlags(link.traceFlags ?? 0, link.isRemote));
}

function writeSpan(w: JsonWriter, span: SpanRecord): void {
  const start = w.pos;
  id(w, TRACE_ID, span.traceId);
  id(w, SPAN_ID, span.spanId);
  str(w, TRACE_STATE, span.traceState);
  str(w, PARENT_SPAN_ID, span.parentSpanId);
  num(w, FLAGS, spanFlags(span.traceFlags, span.parentIsRemote));
  str(w, NAME, span.name);
  num(w, KIND, spanKindCode(span.kind));
  time(w, START_TIME, span.startTime);
  time(w, END_TIME, span.endTime);
  attributes(w, span.attributes);
  num(w, DROPPED_ATTRIBUTES, span.droppedAttributesCount);
  list(w, EVENTS, span.events, writeEvent);
  num(w, DROPPED_EVENTS, span.droppedEventsCount);
  list(w, LINKS, span.links, writeLink);
  num(w, DROPPED_LINKS, span.droppedLinksCount);
  const code = statusCodeOf(span.status.code);
  const message = span.status.message;
  if (code !== 0 || message) {
    w.fragment(STATUS);
    const item = w.pos;
    str(w, MESSAGE, message);
    num(w, CODE, code);
    close(w, item);
  }
  close(w, start);
}

/** Writes a resource's or scope's object, from its cached bytes after the first time. */
function cached<T extends object>(
  w: JsonWriter,
  cache: WeakMap<T, Uint8Array>,
  key: T,
  write: (w: JsonWriter, key: T) => void,
): void {
  const bytes = cache.get(key);
  if (bytes !== undefined) return w.raw(bytes);
  const start = w.pos;
  write(w, key);
  cache.set(key, w.buf.slice(start, w.pos));
}

function writeResource(w: JsonWriter, resource: Resource): void {
  const start = w.pos;
  attributes(w, resource.attributes);
  close(w, start);
}

function writeScope(w: JsonWriter, scope: InstrumentationScope): void {
  const start = w.pos;
  str(w, NAME, scope.name);
  str(w, VERSION, scope.version);
  close(w, start);
}

/**
 * Encodes spans as an OTLP/JSON request body (UTF-8), grouped by resource and instrumentation
 * scope.
 *
 * @param spans The batch.
 * @returns The request body (uncompressed).
 * @example
 * ```ts
 * import { encodeTracesJson } from "@tracelet/tracelet";
 * const text = new TextDecoder().decode(encodeTracesJson([]));
 * console.log(text); // {"resourceSpans":[]}
 * ```
 */
export function encodeTracesJson(spans: readonly SpanRecord[]): Uint8Array {
  const w = shared ?? new JsonWriter(spans.length * 512 + 256);
  shared = undefined; // a re-entrant call gets its own writer
  w.pos = 0;
  try {
    w.fragment(REQUEST);
    const groups = groupSpans(spans);
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      if (g > 0) w.byte(COMMA);
      w.fragment(RESOURCE);
      cached(w, resourceCache, group.resource, writeResource);
      w.fragment(SCOPE_SPANS);
      for (let s = 0; s < group.scopes.length; s++) {
        const { scope, spans } = group.scopes[s];
        if (s > 0) w.byte(COMMA);
        w.fragment(SCOPE);
        cached(w, scopeCache, scope, writeScope);
        w.fragment(SPANS);
        for (let i = 0; i < spans.length; i++) {
          if (i > 0) w.byte(COMMA);
          writeSpan(w, spans[i]);
        }
        w.fragment(END_LIST_OBJECT);
      }
      w.fragment(END_LIST_OBJECT);
    }
    w.fragment(END_LIST_OBJECT);
    return w.finish();
  } finally {
    if (w.buf.length <= MAX_KEPT_BUFFER) shared = w;
  }
}

/**
 * The OTLP/JSON encoder, to pass as the OTLP exporter's `encoder` (`createOtlpExporter` picks it
 * for `protocol: "http/json"`).
 *
 * @example
 * ```ts
 * import { OTLP_JSON_ENCODER, OtlpHttpExporter } from "@tracelet/tracelet";
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
