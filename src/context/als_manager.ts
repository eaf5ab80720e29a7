/**
 * A context manager backed by `AsyncLocalStorage`. The class is injected (presets pass the one
 * from `node:async_hooks`), so this file imports nothing runtime-specific.
 *
 * @module
 */
import { Context } from "./context.ts";
import type { ContextManager } from "./manager.ts";

/** The subset of `AsyncLocalStorage` tracelet uses. */
export interface AsyncLocalStorageLike<T> {
  /** Returns the store of the current async context. */
  getStore(): T | undefined;
  /** Runs `fn` with `store` active for it and everything it schedules. */
  run<R>(store: T, fn: () => R): R;
}

/** A constructor of {@linkcode AsyncLocalStorageLike}, e.g. `AsyncLocalStorage` from `node:async_hooks`. */
export type AsyncLocalStorageClass = new <T>() => AsyncLocalStorageLike<T>;

/**
 * The brand every copy of tracelet puts on its AsyncLocalStorage managers (`Symbol.for`, so a copy
 * recognizes another copy's manager, which `instanceof` does not).
 */
const BRAND = Symbol.for("tracelet.context.asyncLocalStorageManager.v1");

/**
 * A {@linkcode ContextManager} that keeps the active context across `await`, timers and other
 * async boundaries.
 *
 * @example
 * ```ts
 * import { AsyncLocalStorage } from "node:async_hooks";
 * import { AsyncLocalStorageContextManager, setContextManager } from "@tracelet/tracelet";
 * setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
 * ```
 */
export class AsyncLocalStorageContextManager implements ContextManager {
  /** The manager's name. */
  readonly name: string = "async-local-storage";
  /** Async work keeps its context across `await`. */
  readonly isolatesAsync: boolean = true;
  /** The `AsyncLocalStorage` class the manager was built with. */
  readonly storageClass: AsyncLocalStorageClass;
  readonly #storage: AsyncLocalStorageLike<Context>;

  /**
   * Creates a manager backed by one new `AsyncLocalStorage` instance.
   *
   * @param storageClass The `AsyncLocalStorage` class to use.
   */
  constructor(storageClass: AsyncLocalStorageClass) {
    this.storageClass = storageClass;
    this.#storage = new storageClass<Context>();
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * The context active in the current async execution.
   *
   * @returns The active context, or {@linkcode Context.ROOT} outside any `with()`.
   */
  active(): Context {
    return this.#storage.getStore() ?? Context.ROOT;
  }

  /**
   * Runs `fn` with `context` active for it and all async work it starts.
   *
   * @param context The context to activate.
   * @param fn The function to run.
   * @returns What `fn` returned.
   */
  with<R>(context: Context, fn: () => R): R {
    return this.#storage.run(context, fn);
  }
}

/**
 * The `AsyncLocalStorage` class of a manager made by {@linkcode AsyncLocalStorageContextManager}
 * of this or any other copy of tracelet in the process (a user's own manager is not one). Never
 * throws.
 *
 * @param manager A context manager.
 * @returns Its `storageClass`, or undefined when it is no such manager.
 * @internal
 */
export function asyncLocalStorageClassOf(manager: unknown): AsyncLocalStorageClass | undefined {
  if (manager instanceof AsyncLocalStorageContextManager) return manager.storageClass;
  try {
    const other = manager as { [BRAND]?: unknown; storageClass?: unknown } | null | undefined;
    if (other?.[BRAND] !== true || typeof other.storageClass !== "function") return undefined;
    return other.storageClass as AsyncLocalStorageClass;
  } catch {
    return undefined;
  }
}
