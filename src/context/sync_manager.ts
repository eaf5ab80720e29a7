/**
 * A context manager that works everywhere without AsyncLocalStorage: a synchronous stack. The
 * context is correct for synchronous code and for the synchronous part of async callbacks; after
 * the first `await` a callback sees the outer context. Pass parents explicitly in that case.
 *
 * @module
 */
import { Context } from "./context.ts";
import type { ContextManager } from "./manager.ts";

/** A stack-based {@linkcode ContextManager} for runtimes without AsyncLocalStorage. */
export class SyncContextManager implements ContextManager {
  /** The manager's name. */
  readonly name: string = "sync-stack";
  /** Async work does not keep its context across `await`. */
  readonly isolatesAsync: boolean = false;
  #current: Context = Context.ROOT;

  /**
   * The context on top of the stack.
   *
   * @returns The active context, or {@linkcode Context.ROOT} outside any `with()`.
   */
  active(): Context {
    return this.#current;
  }

  /**
   * Runs `fn` with `context` active, restoring the previous context when `fn` returns or throws.
   *
   * @param context The context to activate.
   * @param fn The function to run.
   * @returns What `fn` returned.
   */
  with<R>(context: Context, fn: () => R): R {
    const previous = this.#current;
    this.#current = context;
    try {
      return fn();
    } finally {
      this.#current = previous;
    }
  }
}
