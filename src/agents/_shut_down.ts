/**
 * Which trace processors were shut down, in one table shared by every copy of tracelet loaded in
 * the process: the agent layer calls a processor's `shutdown` at most once, calls nothing else on
 * it after that, and does not register it again (it could not work again).
 *
 * @internal
 * @module
 */

const SHUT_DOWN = Symbol.for("tracelet.agents.shutDown");

const shared = globalThis as unknown as Record<symbol, WeakSet<object> | undefined>;
/** The processors shut down, shared by every copy of tracelet. */
const shutDown = shared[SHUT_DOWN] ??= new WeakSet();

/**
 * Notes that `processor` is shut down (its `shutdown` was called). Never throws.
 *
 * @param processor A trace processor.
 * @internal
 */
export function markShutDown(processor: unknown): void {
  if ((typeof processor === "object" && processor !== null) || typeof processor === "function") {
    shutDown.add(processor);
  }
}

/**
 * Whether `processor` was shut down: by the agent layer (exit, the tracer it uses shut down), or,
 * for a `BatchTraceProcessor`, by a call of its own `shutdown()`.
 *
 * @param processor A trace processor.
 * @returns True once shut down.
 * @internal
 */
export function wasShutDown(processor: unknown): boolean {
  return ((typeof processor === "object" && processor !== null) ||
    typeof processor === "function") && shutDown.has(processor);
}
