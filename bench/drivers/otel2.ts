/**
 * OpenTelemetry JS 2.x as a benchmark side: `@opentelemetry/sdk-trace-base` 2.12.1
 * (`BasicTracerProvider` + `BatchSpanProcessor` with its defaults) and the serializers of
 * `@opentelemetry/otlp-transformer` 0.223.1, the release paired with it.
 *
 * @module
 */
import { context, trace } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { SpanRecord } from "../../src/types.ts";
import { type BatchSink, type OtelSide, type Pipeline, recordWith } from "../_driver.ts";

/** Epoch nanoseconds as OpenTelemetry's `[seconds, nanoseconds]` time, exactly. */
function hrTime(ns: number): [number, number] {
  const big = BigInt(ns);
  return [Number(big / 1_000_000_000n), Number(big % 1_000_000_000n)];
}

/**
 * The recorded spans carrying tracelet's ids, times and resource, so both encoders write the
 * very same data (OpenTelemetry 2.x+ takes start times from `Date.now()` in whole milliseconds,
 * which would otherwise make its bodies compress better for a reason unrelated to encoding).
 */
function align(recorded: readonly unknown[], spans: readonly SpanRecord[]): unknown[] {
  const resource = resourceFromAttributes(
    { ...spans[0].resource.attributes } as Record<string, string>,
  );
  return recorded.map((r, i) => {
    const o = r as ReadableSpan;
    const t = spans[i];
    if (o.name !== t.name || o.events.length !== t.events.length) {
      throw new Error("Cannot align the batches: the sides recorded different spans");
    }
    const context = { traceId: t.traceId, spanId: t.spanId, traceFlags: t.traceFlags };
    const parent = t.parentSpanId === undefined
      ? undefined
      : { traceId: t.traceId, spanId: t.parentSpanId, traceFlags: t.traceFlags };
    const span: ReadableSpan = {
      name: o.name,
      kind: o.kind,
      spanContext: () => context,
      parentSpanContext: parent,
      startTime: hrTime(t.startTime),
      endTime: hrTime(t.endTime),
      status: o.status,
      attributes: o.attributes,
      links: o.links,
      events: o.events.map((e, k) => ({ ...e, time: hrTime(t.events[k].time) })),
      duration: o.duration,
      ended: true,
      resource,
      instrumentationScope: o.instrumentationScope,
      droppedAttributesCount: o.droppedAttributesCount,
      droppedEventsCount: o.droppedEventsCount,
      droppedLinksCount: o.droppedLinksCount,
    };
    return span;
  });
}

function pipeline(sink: BatchSink): Pipeline {
  const exporter: SpanExporter = {
    export(spans, done) {
      sink(spans);
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "bench" }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
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

/** OpenTelemetry JS sdk-trace-base 2.x. */
export const otel2: OtelSide = {
  name: "otel sdk-trace-base 2.12.1",
  transformer: "otlp-transformer 0.223.1",
  pipeline,
  recordBatch: () => recordWith(otel2),
  align,
  protobuf: (spans) => ProtobufTraceSerializer.serializeRequest(spans as ReadableSpan[])!,
  json: (spans) => JsonTraceSerializer.serializeRequest(spans as ReadableSpan[])!,
};
