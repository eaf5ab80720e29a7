/**
 * What each `BatchTraceProcessor` did since it last said so (traces and spans exported, failed,
 * dropped by reason: a `FlushReport`), read through one table shared by every copy of tracelet
 * loaded in the process. The processor's own `forceFlush` and `shutdown` resolve with nothing,
 * as `@openai/agents-core`'s interface requires; the agent layer's bridge reads the report after
 * them, so `flushTraces()`, a tracer's flush and shutdown, and the exit flush count what it did.
 *
 * @internal
 * @module
 */
import type { FlushReport } from "../types.ts";

const REPORTS = Symbol.for("tracelet.agents.reports");

const shared = globalThis as unknown as Record<
  symbol,
  WeakMap<object, () => FlushReport> | undefined
>;
/** Each processor's report reader, shared by every copy of tracelet. */
const readers = shared[REPORTS] ??= new WeakMap();

/**
 * Registers how to read `processor`'s report.
 *
 * @param processor The processor.
 * @param take Returns what it did since the last call, and starts counting anew.
 * @internal
 */
export function registerReport(processor: object, take: () => FlushReport): void {
  readers.set(processor, take);
}

/**
 * What `processor` did since its report was last read (a `BatchTraceProcessor`'s: exported,
 * `failed` for the items its exporter could not deliver, `dropped` by reason). Never throws.
 *
 * @param processor A trace processor.
 * @returns The report; undefined for a processor that keeps none.
 * @internal
 */
export function takeReport(processor: unknown): FlushReport | undefined {
  if (typeof processor !== "object" || processor === null) return undefined;
  try {
    return readers.get(processor)?.();
  } catch {
    return undefined;
  }
}
