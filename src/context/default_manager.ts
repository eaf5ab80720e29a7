/**
 * The context manager tracelet uses until a preset or the user installs one: AsyncLocalStorage
 * where the runtime hands it out synchronously (`process.getBuiltinModule("node:async_hooks")`:
 * Node 20.16 and later, Deno, Bun, Workers with `nodejs_compat`), so the active span survives
 * `await` even in a program that never imports a runtime preset; a synchronous stack elsewhere
 * (browsers, Workers without `nodejs_compat`).
 *
 * @module
 */
import { type AsyncLocalStorageClass, AsyncLocalStorageContextManager } from "./als_manager.ts";
import type { ContextManager } from "./manager.ts";
import { SyncContextManager } from "./sync_manager.ts";

interface BuiltinModules {
  getBuiltinModule?(id: string): { AsyncLocalStorage?: AsyncLocalStorageClass } | undefined;
}

/**
 * A new context manager: AsyncLocalStorage where the runtime has it, else a synchronous stack.
 * Never throws.
 *
 * @returns The manager.
 */
export function defaultContextManager(): ContextManager {
  try {
    const process = (globalThis as { process?: BuiltinModules }).process;
    const als = process?.getBuiltinModule?.("node:async_hooks")?.AsyncLocalStorage;
    if (typeof als === "function") return new AsyncLocalStorageContextManager(als);
  } catch {
    // A runtime that refuses the module (or a hostile `process` shim): the stack works anywhere.
  }
  return new SyncContextManager();
}
