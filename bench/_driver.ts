/**
 * The shape every side of the span benchmarks implements (tracelet, OpenTelemetry JS 2.x and
 * 3.x), so the workloads run the same calls with the same data against each of them.
 *
 * @module
 */
import type { SpanRecord } from "../src/types.ts";

/** The 512-span batch of workload B: 44 trees of A-tree (484 spans) and 28 A-flat spans. */
export const BATCH_TREES = 44;
/** A-flat spans in the batch. */
export const BATCH_FLAT = 28;
/** Spans per batch (the batch processors' default batch size on every side). */
export const BATCH_SIZE: number = BATCH_TREES * 11 + BATCH_FLAT;

/** The A-flat span's name. */
export const FLAT_NAME = "GET /api/v1/items";
/** The A-flat span's event. */
export const FLAT_EVENT = "cache.lookup";

/**
 * The A-flat span's 6 attributes (2 strings, 2 ints, a bool, a double): a fresh object per call,
 * as a caller writes it, for every side and the floor alike.
 *
 * @returns The attributes.
 */
export function flatAttributes(): Record<string, string | number | boolean> {
  return {
    "http.request.method": "GET",
    "url.path": "/api/v1/items",
    "http.response.status_code": 200,
    "server.port": 8080,
    "cache.hit": true,
    "sampling.ratio": 0.25,
  };
}

/**
 * An A-tree child's 3 attributes.
 *
 * @param c The child's index.
 * @returns The attributes.
 */
export function childAttributes(c: number): Record<string, string | number | boolean> {
  return { "db.system": "postgresql", "db.rows": c, "db.cached": false };
}

/** The part of any side's tracer that A-flat uses. */
export interface FlatTracer {
  startSpan(
    name: string,
    options: { attributes: Record<string, string | number | boolean> },
  ): { addEvent(name: string): unknown; end(): void };
}

/**
 * Makes `n` A-flat spans with any side's tracer: one loop for every side, so no side gets call
 * sites of its own (measured: sharing them costs the OpenTelemetry sides nothing measurable).
 *
 * @param tracer The side's tracer.
 * @param n How many spans.
 */
export function flatSpans(tracer: FlatTracer, n: number): void {
  for (let i = 0; i < n; i++) {
    const span = tracer.startSpan(FLAT_NAME, { attributes: flatAttributes() });
    span.addEvent(FLAT_EVENT);
    span.end();
  }
}

/** A tracing pipeline: tracer + batch processor + an exporter given by the workload. */
export interface Pipeline {
  /**
   * Creates `n` A-flat spans: a root span with 6 attributes (2 strings, 2 ints, a bool, a
   * double), 1 event, then end.
   */
  flat(n: number): void;
  /** Creates `n` A-trees: a root with 10 children of 3 attributes each (11 spans). */
  tree(n: number): void;
  /** Exports everything queued; resolves once the exporter has been called for all of it. */
  flush(): Promise<void>;
  /** Flushes and shuts the pipeline down. */
  shutdown(): Promise<void>;
}

/** Receives each exported batch (the side's own span objects). */
export type BatchSink = (spans: readonly unknown[]) => void;

/** One side of the comparison. */
export interface Side {
  /** Display name with version, e.g. `otel sdk-trace-base 2.12.1`. */
  readonly name: string;
  /** A pipeline whose exporter hands every batch to `sink` and reports success. */
  pipeline(sink: BatchSink): Pipeline;
  /** Records the 512-span batch of workload B and returns the side's finished span objects. */
  recordBatch(): Promise<unknown[]>;
}

/** An OpenTelemetry side also brings its own otlp-transformer serializers. */
export interface OtelSide extends Side {
  /** `ProtobufTraceSerializer.serializeRequest`. */
  protobuf(spans: readonly unknown[]): Uint8Array;
  /** `JsonTraceSerializer.serializeRequest`. */
  json(spans: readonly unknown[]): Uint8Array;
  /** The otlp-transformer version. */
  readonly transformer: string;
  /** Copies of `recorded` (this side's batch) carrying the ids, times and resource of `spans`. */
  align(recorded: readonly unknown[], spans: readonly SpanRecord[]): unknown[];
}

/** Fills a batch by running trees and flat spans through a pipeline, as workload B needs. */
export async function recordWith(side: Side): Promise<unknown[]> {
  const out: unknown[] = [];
  const p = side.pipeline((spans) => {
    for (const s of spans) out.push(s);
  });
  p.tree(BATCH_TREES);
  p.flat(BATCH_FLAT);
  await p.shutdown();
  if (out.length !== BATCH_SIZE) {
    throw new Error(
      `Cannot record the batch: ${side.name} exported ${out.length} of ${BATCH_SIZE} spans`,
    );
  }
  return out;
}
