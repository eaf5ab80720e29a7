/**
 * One OpenTelemetry benchmark side, built from the packages of one OpenTelemetry JS line. The
 * 2.x and 3.x lines need different `@opentelemetry/api` versions, so each driver imports its own
 * packages (from its own `node_modules`) and hands them here; the workload code is shared.
 *
 * @module
 */
import type { SpanRecord } from "../src/types.ts";
import {
  type BatchSink,
  childAttributes,
  flatSpans,
  type OtelSide,
  type Pipeline,
  recordWith,
} from "./_driver.ts";

type Attributes = Record<string, string | number | boolean>;
type HrTime = [number, number];

/** The span context shape both lines share. */
interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/** The fields of a finished span both lines share (their `ReadableSpan`). */
interface OtelReadableSpan {
  name: string;
  kind: number;
  status: unknown;
  attributes: unknown;
  links: unknown[];
  events: { time: HrTime }[];
  duration: HrTime;
  instrumentationScope: unknown;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

/** The span API the workloads call. */
interface OtelSpan {
  addEvent(name: string): unknown;
  end(): void;
}

/** A tracer of either line. */
interface OtelTracer {
  startSpan(name: string, options?: { attributes?: Attributes }, context?: unknown): OtelSpan;
}

/** A discarding exporter, in the shape both lines call. */
export interface OtelExporter {
  export(spans: unknown[], done: (result: { code: number }) => void): void;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

/** What a driver hands over from its OpenTelemetry line. */
export interface OtelPackages {
  /** Side name with version, e.g. `otel sdk-trace-base 2.12.1`. */
  readonly name: string;
  /** The otlp-transformer version. */
  readonly transformer: string;
  /** `@opentelemetry/resources` `resourceFromAttributes`. */
  resourceFromAttributes(attributes: Attributes): unknown;
  /** Builds the line's tracer provider with its default `BatchSpanProcessor` around `exporter`. */
  provider(resource: unknown, exporter: OtelExporter): {
    getTracer(name: string, version: string): OtelTracer;
    forceFlush(): Promise<void>;
    shutdown(): Promise<void>;
  };
  /** `trace.setSpan(context.active(), span)` of the line's API. */
  activeWith(span: OtelSpan): unknown;
  /** `ProtobufTraceSerializer.serializeRequest`. */
  protobuf(spans: unknown[]): Uint8Array | undefined;
  /** `JsonTraceSerializer.serializeRequest`. */
  json(spans: unknown[]): Uint8Array | undefined;
}

/** Epoch nanoseconds as OpenTelemetry's `[seconds, nanoseconds]` time, exactly. */
function hrTime(ns: number): HrTime {
  const big = BigInt(ns);
  return [Number(big / 1_000_000_000n), Number(big % 1_000_000_000n)];
}

/**
 * Builds the side.
 *
 * @param pkgs The line's packages.
 * @returns The benchmark side.
 */
export function otelSide(pkgs: OtelPackages): OtelSide {
  /**
   * The recorded spans carrying tracelet's ids, times and resource, so both encoders write the
   * very same data (OpenTelemetry 2.x+ takes start times from `Date.now()` in whole
   * milliseconds, which would otherwise make its bodies compress better for a reason unrelated
   * to encoding).
   */
  function align(recorded: readonly unknown[], spans: readonly SpanRecord[]): unknown[] {
    const resource = pkgs.resourceFromAttributes(
      { ...spans[0].resource.attributes } as Record<string, string>,
    );
    return recorded.map((r, i) => {
      const o = r as OtelReadableSpan;
      const t = spans[i];
      if (o.name !== t.name || o.events.length !== t.events.length) {
        throw new Error("Cannot align the batches: the sides recorded different spans");
      }
      const context: OtelSpanContext = {
        traceId: t.traceId,
        spanId: t.spanId,
        traceFlags: t.traceFlags,
      };
      const parent = t.parentSpanId === undefined
        ? undefined
        : { traceId: t.traceId, spanId: t.parentSpanId, traceFlags: t.traceFlags };
      return {
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
    });
  }

  function pipeline(sink: BatchSink): Pipeline {
    const exporter: OtelExporter = {
      export(spans, done) {
        sink(spans);
        done({ code: 0 });
      },
      shutdown: () => Promise.resolve(),
      forceFlush: () => Promise.resolve(),
    };
    const provider = pkgs.provider(
      pkgs.resourceFromAttributes({ "service.name": "bench" }),
      exporter,
    );
    const tracer = provider.getTracer("bench", "1.0.0");
    return {
      flat(n: number): void {
        flatSpans(tracer, n);
      },
      tree(n: number): void {
        for (let i = 0; i < n; i++) {
          const root = tracer.startSpan("handle request");
          const parent = pkgs.activeWith(root);
          for (let c = 0; c < 10; c++) {
            const child = tracer.startSpan("db.query", {
              attributes: childAttributes(c),
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

  const side: OtelSide = {
    name: pkgs.name,
    transformer: pkgs.transformer,
    pipeline,
    recordBatch: () => recordWith(side),
    align,
    protobuf: (spans) => pkgs.protobuf([...spans])!,
    json: (spans) => pkgs.json([...spans])!,
  };
  return side;
}
