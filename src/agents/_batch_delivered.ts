/**
 * How many traces and spans each `BatchTraceProcessor` delivered, counted in one table shared by
 * every copy of tracelet loaded in the process (one of them runs the exit flush, which runs again
 * only while the count grows).
 *
 * @internal
 * @module
 */

const DELIVERED = Symbol.for("tracelet.agents.delivered");

const shared = globalThis as unknown as Record<symbol, WeakMap<object, number> | undefined>;
/** Items delivered per processor, shared by every copy of tracelet (one runs the exit flush). */
const delivered = shared[DELIVERED] ??= new WeakMap();

/**
 * The traces and spans a `BatchTraceProcessor` delivered: those of each export that settled
 * without an error, except for a flush or shutdown that ran into its deadline, which counts as
 * having delivered nothing (an export that waits until the deadline, such as one to a backend
 * that never answers, is not progress). The exit flush runs again only while this grows.
 *
 * @param processor A trace processor.
 * @returns The count since the processor was created; 0 for other processors.
 * @internal
 */
export function deliveredBy(processor: unknown): number {
  return (typeof processor === "object" && processor !== null && delivered.get(processor)) || 0;
}

/**
 * Adds to what a `BatchTraceProcessor` delivered ({@linkcode deliveredBy}).
 *
 * @param processor The processor.
 * @param count The traces and spans its drain delivered.
 * @internal
 */
export function addDelivered(processor: object, count: number): void {
  delivered.set(processor, deliveredBy(processor) + count);
}
