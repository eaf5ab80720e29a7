/**
 * Retiring a pipeline when `configure()` is called again. The old tracer's processors are flushed
 * and shut down, and the old tracer keeps working: spans it still ends (started before the new
 * configuration, or started later through a kept reference to it) go to the current pipeline
 * instead of being dropped by shut-down processors.
 *
 * @module
 */
import { getTracer } from "./global.ts";
import { settleAll } from "./processor/fan_out.ts";
import type { SpanProcessor } from "./processor/types.ts";
import type { Span } from "./span.ts";
import type { Tracer } from "./tracer.ts";
import type { FlushReport, SpanRecord } from "./types.ts";

const retired = new WeakMap<Tracer, Promise<FlushReport>>();

/**
 * Retires a replaced tracer: from now on it hands every span that ends to the current default
 * tracer (`getTracer()`), and its own processors are shut down, except those the new pipeline
 * uses too (your `processors`, when passed to both configurations). Idempotent.
 *
 * @param tracer The replaced tracer.
 * @param keep Processors that live on in the new pipeline.
 * @returns The final report of the retired processors; never rejects.
 */
export function retireTracer(tracer: Tracer, keep: readonly SpanProcessor[]): Promise<FlushReport> {
  const done = retired.get(tracer);
  if (done !== undefined) return done;
  const old = tracer.processors.filter((processor) => !keep.includes(processor));
  tracer.setProcessors([{ onSpanEnd: (span) => handOver(tracer, span) }]);
  const report = settleAll(old, "shutdown");
  retired.set(tracer, report);
  return report;
}

/**
 * The final report of a retired tracer's processors.
 *
 * @param tracer A tracer.
 * @returns The report, or undefined when the tracer was not retired.
 */
export function retirement(tracer: Tracer): Promise<FlushReport> | undefined {
  return retired.get(tracer);
}

function handOver(from: Tracer, span: SpanRecord): void {
  const current = getTracer();
  // Never back to itself (someone reinstalled the retired tracer): that would loop. A tracer
  // only ever notifies `onSpanEnd` with its own spans, so `span` is a Span.
  if (current !== from) current.spanEnded(span as Span);
}
