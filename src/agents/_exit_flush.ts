/**
 * The agent layer's exit flush: once a processor is added with `addTraceProcessor` (or
 * `setTraceProcessors`), what the agent processors hold is flushed when the process ends, even
 * without `configure()` (whose exit flush covers only its own pipeline). It joins the runtime
 * presets' exit flushes (`hookRuntimeExit`), which all run together: on Node and Bun when the
 * event loop empties (`beforeExit`) and on `SIGTERM` / `SIGINT` when the program has no handler
 * of its own; on Deno when the event loop empties (`beforeunload`); each flush 30 s at most
 * (see `exitPasses`). Nothing on Workers or in browsers, which have no process exit to hook
 * (call `flushTraces()` there).
 *
 * @module
 */
import { hookRuntimeExit } from "../runtime/_exit_hook.ts";
import type { FlushReport } from "../types.ts";

const SLOT = Symbol.for("tracelet.agents.exitFlush");
const slots = globalThis as unknown as Record<symbol, true | undefined>;

/**
 * Registers `flush` to run when the process ends, once per process (every copy of tracelet
 * shares the registration); does nothing where there is no process exit to hook.
 *
 * @param flush Flushes the agent layer; its report says whether anything was done (so the flush
 *   runs again the next time the event loop empties, within the exit flush's time limit). Given a
 *   deadline (a signal ends the process then), it flushes by it.
 * @internal
 */
export function installExitFlush(flush: (deadline?: number) => Promise<FlushReport>): void {
  if (slots[SLOT]) return;
  slots[SLOT] = true;
  hookRuntimeExit(flush);
}
