/**
 * OTLP/protobuf encoding of a span batch as an `ExportTraceServiceRequest`
 * (opentelemetry/proto/collector/trace/v1), written by hand with {@linkcode ProtobufWriter}.
 * The writer's buffer is reused from batch to batch (up to 4 MiB).
 *
 * Field-omission rule: a field holding its proto3 default is not written, except inside
 * `AnyValue` (a `oneof`, where `""`, `0` and `false` must be present).
 *
 * @module
 */
import type { Attributes, SpanRecord } from "../types.ts";
import type { OtlpEncoder } from "./encoder.ts";
import { groupSpans, isInt64, spanFlags, spanKindCode, statusCodeOf } from "./mapping.ts";
import { parseProtobufPartialSuccess } from "./partial_success.ts";
import { ProtobufWriter } from "./protobuf_writer.ts";

/** The content type of OTLP/protobuf request bodies. */
export const PROTOBUF_CONTENT_TYPE = "application/x-protobuf";

const MAX_KEPT_BUFFER = 4 * 1024 * 1024;
let shared: ProtobufWriter | undefined;

/** Writes a field tag and starts its length-delimited message. */
function open(w: ProtobufWriter, tag: number, reserve?: number): number {
  w.uint32(tag);
  return w.fork(reserve);
}

/** A string field, omitted when empty. */
function str(w: ProtobufWriter, tag: number, s: string | undefined): void {
  if (s) {
    w.uint32(tag);
    w.string(s);
  }
}

/** A bytes field from hex (trace and span ids), omitted when empty. */
function hex(w: ProtobufWriter, tag: number, id: string | undefined): void {
  if (id) {
    w.uint32(tag);
    w.hexBytes(id);
  }
}

/** A varint field (enum or count), omitted when zero. */
function num(w: ProtobufWriter, tag: number, n: number): void {
  if (n > 0) {
    w.uint32(tag);
    w.uint32(n);
  }
}

/** A `fixed64` epoch-nanosecond time, omitted when zero. */
function time(w: ProtobufWriter, tag: number, ns: number): void {
  if (ns >= 1) {
    w.uint32(tag);
    w.fixed64(Math.floor(ns));
  }
}

/**
 * The variant of an `AnyValue` (its body, without the enclosing tag and length), chosen as
 * `valueKind()` of mapping.ts chooses it for OTLP/JSON (numbers through the same `isInt64`).
 *
 * @returns False, having written nothing, for a value OTLP cannot represent (skipped).
 */
function anyValue(w: ProtobufWriter, value: unknown): boolean {
  switch (typeof value) {
    case "string":
      w.uint32(0x0a);
      w.string(value);
      break;
    case "boolean":
      w.uint32(0x10);
      w.uint32(value ? 1 : 0);
      break;
    case "number":
      if (isInt64(value)) {
        w.uint32(0x18);
        w.int64(value);
      } else {
        w.uint32(0x21);
        w.double(value);
      }
      break;
    default: {
      if (!Array.isArray(value)) return false;
      const array = open(w, 0x2a);
      for (const item of value) {
        const start = open(w, 0x0a); // ArrayValue.values; an unrepresentable item stays empty
        anyValue(w, item);
        w.join(start);
      }
      w.join(array);
    }
  }
  return true;
}

/** Every representable attribute as a repeated `KeyValue` field with the given tag. */
function attributes(w: ProtobufWriter, tag: number, attributes: Readonly<Attributes>): void {
  for (const key in attributes) {
    const mark = w.pos;
    const kv = open(w, tag);
    w.uint32(0x0a);
    w.string(key);
    const any = open(w, 0x12); // KeyValue.value
    if (anyValue(w, attributes[key])) {
      w.join(any);
      w.join(kv);
    } else w.pos = mark; // not representable: nothing written
  }
}

function writeSpan(w: ProtobufWriter, span: SpanRecord): void {
  hex(w, 0x0a, span.traceId);
  hex(w, 0x12, span.spanId);
  str(w, 0x1a, span.traceState);
  hex(w, 0x22, span.parentSpanId);
  str(w, 0x2a, span.name);
  num(w, 0x30, spanKindCode(span.kind));
  time(w, 0x39, span.startTime);
  time(w, 0x41, span.endTime);
  attributes(w, 0x4a, span.attributes);
  num(w, 0x50, span.droppedAttributesCount);
  for (const event of span.events) {
    const start = open(w, 0x5a);
    time(w, 0x09, event.time);
    str(w, 0x12, event.name);
    attributes(w, 0x1a, event.attributes);
    num(w, 0x20, event.droppedAttributesCount);
    w.join(start);
  }
  num(w, 0x60, span.droppedEventsCount);
  for (const link of span.links) {
    const start = open(w, 0x6a);
    hex(w, 0x0a, link.traceId);
    hex(w, 0x12, link.spanId);
    str(w, 0x1a, link.traceState);
    attributes(w, 0x22, link.attributes);
    num(w, 0x28, link.droppedAttributesCount);
    w.uint32(0x35); // Link.flags: field 6, fixed32
    w.fixed32(spanFlags(link.traceFlags ?? 0, link.isRemote));
    w.join(start);
  }
  num(w, 0x70, span.droppedLinksCount);
  const code = statusCodeOf(span.status.code);
  const message = span.status.message;
  if (code !== 0 || message) {
    const start = open(w, 0x7a);
    str(w, 0x12, message);
    num(w, 0x18, code);
    w.join(start);
  }
  w.uint32((16 << 3) | 5); // Span.flags: field 16, fixed32
  w.fixed32(spanFlags(span.traceFlags, span.parentIsRemote));
}

/**
 * Encodes spans as an OTLP `ExportTraceServiceRequest` in protobuf binary form, grouped by
 * resource and instrumentation scope.
 *
 * @param spans The batch.
 * @returns The request body (uncompressed).
 * @example
 * ```ts
 * import { encodeTracesProtobuf } from "@tracelet/tracelet";
 * const body: Uint8Array = encodeTracesProtobuf([]); // an empty request: zero bytes
 * ```
 */
export function encodeTracesProtobuf(spans: readonly SpanRecord[]): Uint8Array {
  const w = shared ?? new ProtobufWriter(spans.length * 384 + 256);
  shared = undefined; // a re-entrant call gets its own writer
  w.pos = 0;
  try {
    for (const group of groupSpans(spans)) {
      const resourceSpans = open(w, 0x0a);
      const resource = open(w, 0x0a);
      attributes(w, 0x0a, group.resource.attributes);
      w.join(resource);
      for (const { scope, spans } of group.scopes) {
        const scopeSpans = open(w, 0x12);
        const scopeStart = open(w, 0x0a);
        str(w, 0x0a, scope.name);
        str(w, 0x12, scope.version);
        w.join(scopeStart);
        for (let i = 0, reserve = 2; i < spans.length; i++) {
          const start = open(w, 0x12, reserve);
          writeSpan(w, spans[i]);
          reserve = w.join(start, reserve); // the next span likely needs the same length size
        }
        w.join(scopeSpans);
      }
      w.join(resourceSpans);
    }
    return w.finish();
  } finally {
    if (w.buf.length <= MAX_KEPT_BUFFER) shared = w;
  }
}

/** The OTLP/protobuf encoder: the OTLP exporter's default `encoder`. */
export const OTLP_PROTOBUF_ENCODER: OtlpEncoder = {
  contentType: PROTOBUF_CONTENT_TYPE,
  encode: encodeTracesProtobuf,
  parseResponse: parseProtobufPartialSuccess,
};
