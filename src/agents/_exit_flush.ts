/**
 * The agent layer's exit flush: once a processor is added with `addTraceProcessor` (or
 * `setTraceProcessors`), what the agent processors hold is flushed when the process ends, even
 * without `configure()` (whose exit flush covers only its own pipeline). It is the runtime
 * presets' exit flush (`hookProcessExit`): on Node and Bun when the event loop empties
 * (`beforeExit`) and on `SIGTERM` / `SIGINT` when the program has no handler of its own; on Deno
 * when the event loop empties only, as the Deno preset does. Nothing on Workers or in browsers,
 * which have no process exit to hook (call `flushTraces()` there).
 *
 * @module
 */
import { type ExitProcess, hookProcessExit } from "../runtime/_exit_hook.ts";
import { getProcess, runtimeKey } from "../runtime/_globals.ts";
import type { FlushReport } from "../types.ts";

const SLOT = Symbol.for("tracelet.agents.exitFlush");
const slots = globalThis as unknown as Record<symbol, true | undefined>;

/** The process methods the exit flush uses. */
const METHODS = ["on", "once", "off", "listeners", "kill"] as const;

/** A view of `proc` that only listens for `beforeExit` (the Deno preset leaves signals alone). */
function beforeExitOnly(proc: ExitProcess): ExitProcess {
  const exit = (event: string) => event === "beforeExit";
  return {
    pid: proc.pid,
    on: (event, listener) => exit(event) ? proc.on(event, listener) : undefined,
    once: (event, listener) => exit(event) ? proc.once(event, listener) : undefined,
    off: (event, listener) => proc.off(event, listener),
    listeners: (event) => proc.listeners(event),
    kill: () => undefined,
  };
}

/**
 * Registers `flush` to run when the process ends, once per process (every copy of tracelet
 * shares the registration); does nothing where there is no process exit to hook.
 *
 * @param flush Flushes the agent layer; its report says whether anything was done (so the flush
 *   runs again the next time the event loop empties).
 * @internal
 */
export function installExitFlush(flush: () => Promise<FlushReport>): void {
  if (slots[SLOT]) return;
  const runtime = runtimeKey();
  if (runtime !== "node" && runtime !== "bun" && runtime !== "deno") return;
  const proc = getProcess() as unknown as Partial<ExitProcess> | undefined;
  if (proc === undefined || !METHODS.every((name) => typeof proc[name] === "function")) return;
  slots[SLOT] = true;
  try {
    const target = proc as ExitProcess;
    hookProcessExit(runtime === "deno" ? beforeExitOnly(target) : target, flush);
  } catch {
    // A process object that refuses listeners: no exit flush (flushTraces() still works).
  }
}
