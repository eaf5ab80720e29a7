/**
 * OpenTelemetry JS 3.x (the newest line) as a benchmark side: `@opentelemetry/sdk-trace` 3.1.1
 * (`TracerProvider` + `BatchSpanProcessor` with its defaults) and the serializers of
 * `@opentelemetry/otlp-transformer` 0.301.1, the release paired with it. It lives in this folder
 * so every runtime resolves these imports from `bench/otel3/node_modules`.
 *
 * @module
 */
import { context, type Span, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { OtelSide } from "../_driver.ts";
import { otelSide } from "../_otel_side.ts";

/** OpenTelemetry JS sdk-trace 3.x. */
export const otel3: OtelSide = otelSide({
  name: "otel sdk-trace 3.1.1",
  transformer: "otlp-transformer 0.301.1",
  resourceFromAttributes,
  provider: (resource, exporter) =>
    new TracerProvider({
      resource: resource as Resource,
      spanProcessors: [new BatchSpanProcessor({ exporter: exporter as SpanExporter })],
    }),
  activeWith: (span) => trace.setSpan(context.active(), span as Span),
  protobuf: (spans) => ProtobufTraceSerializer.serializeRequest(spans as ReadableSpan[]),
  json: (spans) => JsonTraceSerializer.serializeRequest(spans as ReadableSpan[]),
});
