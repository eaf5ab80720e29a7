/**
 * Context managers for the tests of what `start(true)` / `startTraceRun` make current outside
 * any scope: per async flow where AsyncLocalStorage has a working `enterWith`, one slot per
 * context manager elsewhere (workerd, whose `enterWith` throws even with nodejs_compat).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  AsyncLocalStorageContextManager,
  setContextManager,
  SyncContextManager,
} from "../../mod.ts";
import type { AsyncLocalStorageClass, ContextManager, Diagnostic } from "../../mod.ts";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { captureDiagnostics } from "./collect.ts";

/** An AsyncLocalStorage whose `enterWith` is missing, throws, or does nothing (stand-ins). */
export function limitedStorage(
  enterWith: "missing" | "throws" | "ignored",
): AsyncLocalStorageClass {
  class Limited<T> {
    readonly #storage = new AsyncLocalStorage<T>();
    getStore(): T | undefined {
      return this.#storage.getStore();
    }
    run<R>(store: T, fn: () => R): R {
      return this.#storage.run(store, fn);
    }
  }
  if (enterWith !== "missing") {
    Object.defineProperty(Limited.prototype, "enterWith", {
      value: () => {
        if (enterWith === "throws") throw new Error("enterWith is not implemented");
      },
    });
  }
  return Limited as AsyncLocalStorageClass;
}

/**
 * Why the per-flow tests are skipped here, or false when this runtime's AsyncLocalStorage has a
 * working `enterWith` (workerd's throws "not implemented": one slot is shared there).
 */
export const NO_ENTER_WITH: string | false = (() => {
  try {
    const storage = new AsyncLocalStorage<number>();
    storage.enterWith(1);
    if (storage.getStore() === 1) return false;
  } catch {
    // fall through
  }
  return "AsyncLocalStorage has no working enterWith here: concurrent flows share one slot";
})();

/** The managers without a working enterWith: one slot on every runtime. */
export const SLOT_MANAGERS: ReadonlyArray<readonly [string, () => ContextManager]> = [
  ["SyncContextManager", () => new SyncContextManager()],
  ...(["missing", "throws", "ignored"] as const).map((how) =>
    [
      `AsyncLocalStorage whose enterWith is ${how}`,
      () => new AsyncLocalStorageContextManager(limitedStorage(how)),
    ] as const
  ),
];

/** Runs `fn` with another context manager installed. */
export async function withManager(
  manager: ContextManager,
  fn: () => Promise<void>,
): Promise<void> {
  const previous = setContextManager(manager);
  try {
    await fn();
  } finally {
    setContextManager(previous);
  }
}

/** Runs `fn` with an AsyncLocalStorage context manager installed (per async flow: Node, Deno, Bun). */
export function withAsyncLocalStorage(fn: () => Promise<void>): Promise<void> {
  return withManager(new AsyncLocalStorageContextManager(AsyncLocalStorage), fn);
}

/**
 * Runs `fn` with a context manager that loses the context at an await (SyncContextManager), the
 * diagnostics reported once forgotten first, so each test sees its own.
 *
 * @param fn The test body.
 * @returns The diagnostics reported while it ran.
 */
export async function withLostContext(fn: () => Promise<void>): Promise<Diagnostic[]> {
  resetReportedOnce();
  const { diagnostics } = await captureDiagnostics(() => withManager(new SyncContextManager(), fn));
  return diagnostics;
}

/**
 * Waits for every task, then throws the first failure: a task that failed does not leave the
 * others running into the next test.
 */
export async function allSettled(tasks: Promise<unknown>[]): Promise<void> {
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === "rejected") throw result.reason;
  }
}
