/**
 * tracelet as a benchmark side: `Tracer` + `BatchSpanProcessor` (defaults: queue 2048, batch
 * 512) + an exporter that hands batches to the workload and reports success.
 *
 * @module
 */
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import { setContextManager } from "../../src/context/manager.ts";
import { SyncContextManager } from "../../src/context/sync_manager.ts";

// Like for like: OpenTelemetry's sides register no context manager (the API's no-op one), so
// neither side carries context across `await`. tracelet's default became AsyncLocalStorage where
// the runtime offers it (about 25 ns a span more on Node 20); its synchronous stack is pinned here.
setContextManager(new SyncContextManager());
import type { SpanExporter } from "../../src/processor/types.ts";
import { Tracer } from "../../src/tracer.ts";
import type { FlushReport, SpanRecord } from "../../src/types.ts";
import { VERSION } from "../../src/version.ts";
import {
  type BatchSink,
  childAttributes,
  flatSpans,
  type Pipeline,
  recordWith,
  type Side,
} from "../_driver.ts";

function ok(count: number): FlushReport {
  return { exported: count, retried: 0, persisted: 0, dropped: {}, failed: 0 };
}

/** A tracelet pipeline around any exporter (workload D passes the real OTLP exporter). */
export function traceletPipeline(
  exporter: SpanExporter,
  options: Record<string, unknown> = {},
): Pipeline & {
  processor: BatchSpanProcessor;
  tracer: Tracer;
} {
  const processor = new BatchSpanProcessor(exporter, options);
  const tracer = new Tracer({
    serviceName: "bench",
    scope: { name: "bench", version: "1.0.0" },
    processors: [processor],
  });
  return {
    processor,
    tracer,
    flat(n: number): void {
      flatSpans(tracer, n);
    },
    tree(n: number): void {
      for (let i = 0; i < n; i++) {
        const root = tracer.startSpan("handle request");
        for (let c = 0; c < 10; c++) {
          const child = tracer.startSpan("db.query", {
            parent: root,
            attributes: childAttributes(c),
          });
          child.end();
        }
        root.end();
      }
    },
    async flush(): Promise<void> {
      await tracer.forceFlush();
    },
    async shutdown(): Promise<void> {
      await tracer.shutdown();
    },
  };
}

/** tracelet. */
export const tracelet: Side = {
  name: `tracelet ${VERSION}`,
  pipeline(sink: BatchSink): Pipeline {
    return traceletPipeline({
      export(spans: readonly SpanRecord[]): Promise<FlushReport> {
        sink(spans);
        return Promise.resolve(ok(spans.length));
      },
    });
  },
  recordBatch(): Promise<unknown[]> {
    return recordWith(tracelet);
  },
};
