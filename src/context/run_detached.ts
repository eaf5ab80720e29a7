/**
 * Running code outside the caller's context, for work that outlives the call: a promise chain
 * kept in a field, a timer, a memoized shutdown. Made inside the caller's context, such work keeps
 * that context, and every span and value reachable from it, alive for as long as the work is
 * referenced: with AsyncLocalStorage each promise and timer holds the store it was made in, even
 * once settled (a batch processor's export chain made while a run's span ended kept the run's
 * task tree and logged values in memory until the next export).
 *
 * @module
 */
import { Context } from "./context.ts";
import { contextSlot, getContextManager } from "./manager.ts";

/**
 * Runs `fn` with the root context active and outside every flow-local store (the current trace
 * and span of the agent layer's `start(true)`, the events layer's `startTraceRun`): the promises,
 * timers and callbacks it makes hold no caller's context (nor the spans in it), and the work they
 * run later is not a child of the caller's span. Cheap (one `with()` of the context manager, and
 * one `run()` per flow-local store that holds a value here); it throws nothing of its own with
 * tracelet's managers, only what `fn` throws. The application's own AsyncLocalStorage instances
 * keep their stores.
 *
 * @param fn The function to run.
 * @returns What `fn` returned.
 * @internal
 */
export function runDetached<R>(fn: () => R): R {
  return getContextManager().with(Context.ROOT, contextSlot().detach?.(fn) ?? fn);
}
