/**
 * OpenTelemetry JS 2.x as a benchmark side: `@opentelemetry/sdk-trace-base` 2.12.1
 * (`BasicTracerProvider` + `BatchSpanProcessor` with its defaults) and the serializers of
 * `@opentelemetry/otlp-transformer` 0.223.1, the release paired with it.
 *
 * @module
 */
import { context, type Span, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { OtelSide } from "../_driver.ts";
import { otelSide } from "../_otel_side.ts";

/** OpenTelemetry JS sdk-trace-base 2.x. */
export const otel2: OtelSide = otelSide({
  name: "otel sdk-trace-base 2.12.1",
  transformer: "otlp-transformer 0.223.1",
  resourceFromAttributes,
  provider: (resource, exporter) =>
    new BasicTracerProvider({
      resource: resource as Resource,
      spanProcessors: [new BatchSpanProcessor(exporter as SpanExporter)],
    }),
  activeWith: (span) => trace.setSpan(context.active(), span as Span),
  protobuf: (spans) => ProtobufTraceSerializer.serializeRequest(spans as ReadableSpan[]),
  json: (spans) => JsonTraceSerializer.serializeRequest(spans as ReadableSpan[]),
});
