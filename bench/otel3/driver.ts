/**
 * OpenTelemetry JS 3.x (the newest line) as a benchmark side: `@opentelemetry/sdk-trace` 3.1.1
 * (`TracerProvider` + `BatchSpanProcessor` with its defaults) and the serializers of
 * `@opentelemetry/otlp-transformer` 0.301.1, the release paired with it.
 *
 * @module
 */
import { context, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { type BatchSink, type OtelSide, type Pipeline, recordWith } from "../_driver.ts";

function pipeline(sink: BatchSink): Pipeline {
  const exporter: SpanExporter = {
    export(spans, done) {
      sink(spans);
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "bench" }),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer("bench", "1.0.0");
  return {
    flat(n: number): void {
      for (let i = 0; i < n; i++) {
        const span = tracer.startSpan("GET /api/v1/items", {
          attributes: {
            "http.request.method": "GET",
            "url.path": "/api/v1/items",
            "http.response.status_code": 200,
            "server.port": 8080,
            "cache.hit": true,
            "sampling.ratio": 0.25,
          },
        });
        span.addEvent("cache.lookup");
        span.end();
      }
    },
    tree(n: number): void {
      for (let i = 0; i < n; i++) {
        const root = tracer.startSpan("handle request");
        const parent = trace.setSpan(context.active(), root);
        for (let c = 0; c < 10; c++) {
          const child = tracer.startSpan("db.query", {
            attributes: { "db.system": "postgresql", "db.rows": c, "db.cached": false },
          }, parent);
          child.end();
        }
        root.end();
      }
    },
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** OpenTelemetry JS sdk-trace 3.x. */
export const otel3: OtelSide = {
  name: "otel sdk-trace 3.1.1",
  transformer: "otlp-transformer 0.301.1",
  pipeline,
  recordBatch: () => recordWith(otel3),
  protobuf: (spans) => ProtobufTraceSerializer.serializeRequest(spans as ReadableSpan[])!,
  json: (spans) => JsonTraceSerializer.serializeRequest(spans as ReadableSpan[])!,
};
