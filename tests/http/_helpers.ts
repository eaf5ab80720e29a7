/**
 * Helpers for the HTTP tests: a tracer whose finished spans are collected, run with
 * AsyncLocalStorage as the context manager (as the Deno, Node and Bun presets install it), and a
 * bounded wait.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageContextManager } from "../../src/context/als_manager.ts";
import { setContextManager } from "../../src/context/manager.ts";
import { type Sampler, Tracer } from "../../mod.ts";
import { CollectingProcessor } from "../_support/collect.ts";
import { isolated } from "../_support/global_state.ts";

/** A tracer and what it collected. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly collected: CollectingProcessor;
}

/**
 * Runs `fn` with a fresh collecting tracer, AsyncLocalStorage context and silent diagnostics,
 * restoring the process-wide state afterwards.
 *
 * @param fn The test body.
 * @param sampler The tracer's sampler, if any.
 */
export function withTracing(
  fn: (tracing: Tracing) => Promise<void> | void,
  sampler?: Sampler,
): Promise<void> {
  return isolated(async () => {
    setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
    const collected = new CollectingProcessor();
    await fn({ tracer: new Tracer({ processors: [collected], sampler }), collected });
  });
}

/**
 * Waits until `predicate` holds, polling every 5 ms, for at most `ms`.
 *
 * @param predicate The condition.
 * @param ms The bound.
 */
export async function until(predicate: () => boolean, ms = 3000): Promise<void> {
  for (const start = Date.now(); !predicate();) {
    if (Date.now() - start > ms) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A W3C traceparent header: `00-<trace id>-<span id>-<flags>`. */
export const TRACEPARENT: RegExp = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[0-3])$/;
