/**
 * The agent layer's exit flush and shutdown: once a processor is added with `addTraceProcessor`
 * (or `setTraceProcessors`), what the agent processors hold is flushed when the process ends, and
 * then they are shut down, even without `configure()` (whose exit flush covers only its own
 * pipeline). It joins the runtime presets' exit flushes (`hookRuntimeExit`), which all run
 * together: on Node and Bun when the event loop empties (`beforeExit`) and on `SIGTERM` /
 * `SIGINT` when the program has no handler of its own; on Deno when the event loop empties
 * (`beforeunload`); each flush 30 s at most (see `exitPasses`). The shutdown is the final step
 * of a normal end (when the event loop empties again after the last flush), and part of the
 * flush on a signal. Nothing on Workers or in browsers, which have no process exit to hook (call
 * `flushTraces()` there).
 *
 * @module
 */
import { type Close, hookRuntimeExit } from "../runtime/_exit_hook.ts";
import type { FlushReport } from "../types.ts";

const SLOT = Symbol.for("tracelet.agents.exitFlush");
const slots = globalThis as unknown as Record<symbol, true | undefined>;

/**
 * Registers `flush` to run when the process ends, and `shutdown` as its final step, once per
 * process (every copy of tracelet shares the registration); does nothing where there is no
 * process exit to hook.
 *
 * @param flush Flushes the agent layer; its report says whether anything was done (so the flush
 *   runs again the next time the event loop empties, within the exit flush's time limit). Given a
 *   deadline (a signal ends the process then), it flushes, then shuts down, by it.
 * @param shutdown Shuts the processors down when the program ends normally, after the last flush
 *   (see `Close`).
 * @internal
 */
export function installExitFlush(
  flush: (deadline?: number) => Promise<FlushReport>,
  shutdown: Close,
): void {
  if (slots[SLOT]) return;
  slots[SLOT] = true;
  hookRuntimeExit(flush, undefined, shutdown);
}
