/**
 * A run of the events layer with tool calls, and the length of its JSONL event log: for the tests
 * of what waits for that log to be written (a configuration's flushes, a Worker invocation's).
 *
 * @module
 */
import { EventTracer, finishToolCall, startToolCall, startTraceRun } from "../../src/events/mod.ts";
import type { TraceScope } from "../../src/events/mod.ts";
import type { TraceStorage } from "../../src/storage/types.ts";

/** Options of {@linkcode runWithCalls}. */
export interface RunWithCallsOptions {
  /** The storage of the run's event log (default: the configured one). */
  readonly storage?: TraceStorage;
  /** The run's request id (default `"ex"`). */
  readonly requestId?: string;
}

/**
 * Starts a run of agent `a` (no console, no spans) with `calls` tool calls `t0`, `t1`, …, each
 * started and finished; its log then holds `2 * calls + 1` lines, one more once it is finished.
 *
 * @example
 * ```ts
 * const scope = runWithCalls(3, { storage });
 * await finishTraceRun(scope);
 * assert.equal(await logLength(storage, scope), 8);
 * ```
 *
 * @param calls How many tool calls.
 * @param options Storage and request id.
 * @returns The run's scope, not finished.
 */
export function runWithCalls(calls: number, options: RunWithCallsOptions = {}): TraceScope {
  const { storage, requestId = "ex" } = options;
  const tracer = new EventTracer({ enableConsole: false, spanTracer: false, storage });
  const scope = startTraceRun({ agentName: "a", requestId, tracer })!;
  for (let i = 0; i < calls; i++) {
    const id = startToolCall({ toolName: `t${i}` });
    finishToolCall(id, { toolName: `t${i}` });
  }
  return scope;
}

/**
 * How many lines of a run's event log are in `storage` now.
 *
 * @param storage The storage the log is written to.
 * @param scope The run.
 * @returns The number of lines.
 */
export async function logLength(storage: TraceStorage, scope: TraceScope): Promise<number> {
  return (await storage.readLines(scope.tracePath!.split("/"))).length;
}
