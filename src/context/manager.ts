/**
 * The `ContextManager` interface and the process-wide slot that holds the active manager (and the
 * hook that runs code outside the flow-local stores). The slot lives behind a `Symbol.for` key, so
 * two copies of tracelet loaded in one process share it.
 *
 * @module
 */
import type { Context } from "./context.ts";
import { defaultContextManager } from "./default_manager.ts";

/** Tracks the active {@linkcode Context} across synchronous and (where supported) async code. */
export interface ContextManager {
  /** A short name, e.g. `async-local-storage` or `sync-stack`. */
  readonly name: string;
  /** True when the active context survives `await` (AsyncLocalStorage). */
  readonly isolatesAsync: boolean;
  /** The active context. */
  active(): Context;
  /**
   * Runs `fn` with `context` active and returns its result.
   *
   * @param context The context to activate.
   * @param fn The function to run.
   */
  with<R>(context: Context, fn: () => R): R;
}

/** The process-wide slot. @internal */
export interface ContextSlot {
  /** The active manager. */
  manager: ContextManager;
  /**
   * Set once a flow-local store exists (`flow_local_detach.ts`): returns `fn` wrapped to run
   * outside every flow-local store that holds a value in the current flow (`fn` itself when none
   * does). `runDetached` uses it.
   */
  detach?: <R>(fn: () => R) => () => R;
}

const SLOT = Symbol.for("tracelet.context");
const globals = globalThis as unknown as Record<symbol, ContextSlot | undefined>;

/** @returns The process-wide slot (made on first use). @internal */
export function contextSlot(): ContextSlot {
  return globals[SLOT] ??= { manager: defaultContextManager() };
}

/**
 * The process-wide context manager: until a preset or `setContextManager` installs one, the
 * runtime's AsyncLocalStorage where `process.getBuiltinModule` offers it (Node 20.16+, Deno, Bun,
 * Workers with `nodejs_compat`), else a synchronous stack.
 *
 * @returns The active manager.
 */
export function getContextManager(): ContextManager {
  return contextSlot().manager;
}

/**
 * Installs the process-wide context manager.
 *
 * @param manager The manager to use from now on.
 * @returns The previous manager.
 */
export function setContextManager(manager: ContextManager): ContextManager {
  const s = contextSlot();
  const previous = s.manager;
  s.manager = manager;
  return previous;
}

/**
 * The active context of the process-wide manager.
 *
 * @returns The active context (the root context when none is active).
 */
export function activeContext(): Context {
  return contextSlot().manager.active();
}
