/**
 * An independent decoder for OTLP trace requests and responses, built on the pinned dev
 * dependency protobufjs and the OTLP schema written below as `.proto` text (field numbers from
 * opentelemetry-proto: common/v1, resource/v1, trace/v1, collector/trace/v1). Used only by tests;
 * protobufjs generates code with `Function`, so tests decoding with it skip in workerd.
 *
 * @module
 */
import protobuf from "protobufjs";

const OTLP_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0;
    SPAN_KIND_INTERNAL = 1;
    SPAN_KIND_SERVER = 2;
    SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4;
    SPAN_KIND_CONSUMER = 5;
  }
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
    repeated KeyValue attributes = 4;
    uint32 dropped_attributes_count = 5;
    fixed32 flags = 6;
  }
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Status {
  reserved 1;
  string message = 2;
  enum StatusCode {
    STATUS_CODE_UNSET = 0;
    STATUS_CODE_OK = 1;
    STATUS_CODE_ERROR = 2;
  }
  StatusCode code = 3;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
`;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root;
const Request = root.lookupType("otlp.ExportTraceServiceRequest");
const Response = root.lookupType("otlp.ExportTraceServiceResponse");

/** A decoded message as plain data: int64/fixed64 as decimal strings, bytes as lower-case hex. */
// deno-lint-ignore no-explicit-any
export type Decoded = any;

function hexify(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return Array.from(value, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (Array.isArray(value)) return value.map(hexify);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = hexify(v);
    return out;
  }
  return value;
}

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest` (camelCase keys, like OTLP/JSON).
 *
 * @param bytes The uncompressed body.
 * @returns Plain data; absent fields stay absent (`defaults: false`).
 */
export function decodeTraceRequest(bytes: Uint8Array): Decoded {
  const message = Request.decode(bytes);
  const object = Request.toObject(message, {
    longs: String,
    enums: Number,
    defaults: false,
    oneofs: false,
  });
  return hexify(object);
}

/**
 * Encodes an OTLP/protobuf `ExportTraceServiceResponse` with a partial success.
 *
 * @param rejectedSpans Rejected span count.
 * @param errorMessage The message.
 * @returns The body.
 */
export function encodePartialSuccessResponse(
  rejectedSpans: number,
  errorMessage: string,
): Uint8Array {
  const message = Response.fromObject({ partialSuccess: { rejectedSpans, errorMessage } });
  return Response.encode(message).finish();
}

/**
 * The span ids (hex) in a decoded request, in order.
 *
 * @param request A decoded request (protobuf via {@linkcode decodeTraceRequest} or OTLP/JSON).
 * @returns Span ids.
 */
export function spanIdsOf(request: Decoded): string[] {
  const ids: string[] = [];
  for (const rs of request.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) ids.push(span.spanId);
    }
  }
  return ids;
}
