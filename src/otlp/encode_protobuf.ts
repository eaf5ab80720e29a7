/**
 * OTLP/protobuf encoding of a span batch as an `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1), written by hand with {@linkcode ProtobufWriter}.
 * Attribute keys, resources and scopes are encoded once and cached as bytes.
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
  spanFlags,
  spanKindCode,
  splitUint64,
  statusCodeOf,
  VALUE_ARRAY,
  VALUE_BOOL,
  VALUE_DOUBLE,
  VALUE_INT,
  VALUE_SKIP,
  VALUE_STRING,
  valueKind,
} from "./mapping.ts";
import { ProtobufWriter, WIRE_LEN } from "./protobuf_writer.ts";

/** The content type of OTLP/protobuf request bodies. */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";

const MAX_CACHED_KEYS = 4096;
const MAX_KEPT_BUFFER = 4 * 1024 * 1024;

const keyCache = new Map<string, Uint8Array>();
const resourceCache = new WeakMap<Resource, Uint8Array>();
const scopeCache = new WeakMap<InstrumentationScope, Uint8Array>();
const time: number[] = [0, 0];
let shared: ProtobufWriter | undefined;

/** `KeyValue.key` field bytes (tag, length, UTF-8) for an attribute key, cached. */
function keyField(key: string): Uint8Array {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    const w = new ProtobufWriter(key.length * 3 + 8);
    w.tag(1, WIRE_LEN);
    w.string(key);
    bytes = w.finish();
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    keyCache.set(key, bytes);
  }
  return bytes;
}

function writeAnyValue(w: ProtobufWriter, value: unknown, kind: number): void {
  switch (kind) {
    case VALUE_STRING:
      w.uint32(0x0a);
      w.string(value as string);
      return;
    case VALUE_BOOL:
      w.uint32(0x10);
      w.uint32(value ? 1 : 0);
      return;
    case VALUE_INT:
      w.uint32(0x18);
      w.int64(value as number);
      return;
    case VALUE_DOUBLE:
      w.uint32(0x21);
      w.double(value as number);
      return;
    case VALUE_ARRAY: {
      w.uint32(0x2a);
      const array = w.fork();
      const items = value as readonly unknown[];
      for (let i = 0; i < items.length; i++) {
        w.uint32(0x0a); // ArrayValue.values
        const item = w.fork();
        const itemKind = valueKind(items[i]);
        if (itemKind !== VALUE_SKIP) writeAnyValue(w, items[i], itemKind);
        w.join(item);
      }
      w.join(array);
    }
  }
}

/** Writes every representable attribute as a repeated `KeyValue` field with the given tag. */
function writeAttributes(w: ProtobufWriter, tag: number, attributes: Readonly<Attributes>): void {
  for (const key in attributes) {
    const value = attributes[key];
    const kind = valueKind(value);
    if (kind === VALUE_SKIP) continue;
    w.uint32(tag);
    const kv = w.fork();
    w.raw(keyField(key));
    w.uint32(0x12); // KeyValue.value
    const any = w.fork();
    writeAnyValue(w, value, kind);
    w.join(any);
    w.join(kv);
  }
}

function writeTime(w: ProtobufWriter, tag: number, ns: number): void {
  splitUint64(ns, time);
  if (time[0] === 0 && time[1] === 0) return;
  w.uint32(tag);
  w.fixed64(time[0], time[1]);
}

function writeCount(w: ProtobufWriter, tag: number, count: number): void {
  if (count > 0) {
    w.uint32(tag);
    w.uint32(count);
  }
}

function writeEvent(w: ProtobufWriter, event: SpanEvent): void {
  w.uint32(0x5a); // Span.events
  const start = w.fork();
  writeTime(w, 0x09, event.time);
  if (event.name) {
    w.uint32(0x12);
    w.string(event.name);
  }
  writeAttributes(w, 0x1a, event.attributes);
  writeCount(w, 0x20, event.droppedAttributesCount);
  w.join(start);
}

function writeLink(w: ProtobufWriter, link: SpanLink): void {
  w.uint32(0x6a); // Span.links
  const start = w.fork();
  w.uint32(0x0a);
  w.hexBytes(link.traceId);
  w.uint32(0x12);
  w.hexBytes(link.spanId);
  if (link.traceState) {
    w.uint32(0x1a);
    w.string(link.traceState);
  }
  writeAttributes(w, 0x22, link.attributes);
  writeCount(w, 0x28, link.droppedAttributesCount);
  w.join(start);
}

function writeSpan(w: ProtobufWriter, span: SpanRecord): void {
  w.uint32(0x0a);
  w.hexBytes(span.traceId);
  w.uint32(0x12);
  w.hexBytes(span.spanId);
  if (span.traceState) {
    w.uint32(0x1a);
    w.string(span.traceState);
  }
  if (span.parentSpanId) {
    w.uint32(0x22);
    w.hexBytes(span.parentSpanId);
  }
  if (span.name) {
    w.uint32(0x2a);
    w.string(span.name);
  }
  const kind = spanKindCode(span.kind);
  if (kind !== 0) {
    w.uint32(0x30);
    w.uint32(kind);
  }
  writeTime(w, 0x39, span.startTime);
  writeTime(w, 0x41, span.endTime);
  writeAttributes(w, 0x4a, span.attributes);
  writeCount(w, 0x50, span.droppedAttributesCount);
  const events = span.events;
  for (let i = 0; i < events.length; i++) writeEvent(w, events[i]);
  writeCount(w, 0x60, span.droppedEventsCount);
  const links = span.links;
  for (let i = 0; i < links.length; i++) writeLink(w, links[i]);
  writeCount(w, 0x70, span.droppedLinksCount);
  const code = statusCodeOf(span.status.code);
  const message = span.status.message;
  if (code !== 0 || message) {
    w.uint32(0x7a);
    const status = w.fork();
    if (message) {
      w.uint32(0x12);
      w.string(message);
    }
    if (code !== 0) {
      w.uint32(0x18);
      w.uint32(code);
    }
    w.join(status);
  }
  const flags = spanFlags(span.traceFlags);
  if (flags !== 0) {
    w.tag(16, 5);
    w.fixed32(flags);
  }
}

/** `ResourceSpans.resource` field bytes for a resource, cached per resource object. */
function resourceField(resource: Resource): Uint8Array {
  let bytes = resourceCache.get(resource);
  if (bytes === undefined) {
    const w = new ProtobufWriter(256);
    w.uint32(0x0a);
    const start = w.fork();
    writeAttributes(w, 0x0a, resource.attributes);
    w.join(start);
    bytes = w.finish();
    resourceCache.set(resource, bytes);
  }
  return bytes;
}

/** `ScopeSpans.scope` field bytes for a scope, cached per scope object. */
function scopeField(scope: InstrumentationScope): Uint8Array {
  let bytes = scopeCache.get(scope);
  if (bytes === undefined) {
    const w = new ProtobufWriter(64);
    w.uint32(0x0a);
    const start = w.fork();
    if (scope.name) {
      w.uint32(0x0a);
      w.string(scope.name);
    }
    if (scope.version) {
      w.uint32(0x12);
      w.string(scope.version);
    }
    w.join(start);
    bytes = w.finish();
    scopeCache.set(scope, bytes);
  }
  return bytes;
}

/**
 * Encodes spans as an OTLP `ExportTraceServiceRequest` in protobuf binary form, grouped by
 * resource and instrumentation scope.
 *
 * @param spans The batch.
 * @returns The request body (uncompressed).
 * @example
 * ```ts
 * import { encodeTracesProtobuf } from "./encode_protobuf.ts";
 * const body: Uint8Array = encodeTracesProtobuf([]); // an empty request: zero bytes
 * ```
 */
export function encodeTracesProtobuf(spans: readonly SpanRecord[]): Uint8Array {
  const w = shared ?? new ProtobufWriter(spans.length * 384 + 256);
  shared = undefined; // not re-entrant-shared while in use
  w.pos = 0;
  try {
    const groups = groupSpans(spans);
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g];
      w.uint32(0x0a); // ExportTraceServiceRequest.resource_spans
      const rs = w.fork();
      w.raw(resourceField(group.resource));
      for (let s = 0; s < group.scopes.length; s++) {
        const scopeGroup = group.scopes[s];
        w.uint32(0x12); // ResourceSpans.scope_spans
        const ss = w.fork();
        w.raw(scopeField(scopeGroup.scope));
        const list = scopeGroup.spans;
        for (let i = 0; i < list.length; i++) {
          w.uint32(0x12); // ScopeSpans.spans
          const sp = w.fork();
          writeSpan(w, list[i]);
          w.join(sp);
        }
        w.join(ss);
      }
      w.join(rs);
    }
    return w.finish();
  } finally {
    if (w.buf.length <= MAX_KEPT_BUFFER) shared = w;
  }
}
