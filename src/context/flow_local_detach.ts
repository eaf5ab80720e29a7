/**
 * Running code outside every flow-local store (`flow_local.ts`), for `runDetached`. A flow-local
 * store is an `AsyncLocalStorage` of its own, entered with `enterWith`: like the context manager's,
 * each promise and timer made in a flow holds the value the flow has there (the agent layer's
 * current trace and span, the events layer's current run), so a batch processor's export chain or
 * timer made while such a span ended kept the span and its data alive while the process idled.
 *
 * The storages are registered here (weakly, behind a `Symbol.for` slot shared by every copy of
 * tracelet in a process), and the context slot gets a `detach` hook that wraps a function to run
 * with each of them that holds a value in the current flow set to undefined. Nothing is installed
 * until a flow-local store exists, so `runDetached` costs one property read without them.
 *
 * @module
 */
import { contextSlot } from "./manager.ts";

/** The methods of an `AsyncLocalStorage` that running outside it uses. @internal */
export interface DetachableStorage {
  /** The store of the current async flow. */
  getStore(): unknown;
  /** Runs `fn` with `store` as the store of it and everything it schedules. */
  run<R>(store: undefined, fn: () => R): R;
}

type Registry = Set<WeakRef<DetachableStorage>>;

const SLOT = Symbol.for("tracelet.flowLocals.storages.v1");
const globals = globalThis as unknown as Record<symbol, Registry | undefined>;

/**
 * `fn` wrapped to run outside every registered storage that holds a value in the current flow
 * (`fn` itself when none does); forgets the storages that were collected. On a storage that
 * throws, `fn` itself.
 */
function detach<R>(fn: () => R): () => R {
  const registry = globals[SLOT];
  if (registry === undefined) return fn;
  try {
    let wrapped = fn;
    for (const ref of registry) {
      const storage = ref.deref();
      if (storage === undefined) registry.delete(ref);
      else if (storage.getStore() !== undefined) {
        const inner = wrapped;
        wrapped = () => storage.run(undefined, inner);
      }
    }
    return wrapped;
  } catch {
    return fn;
  }
}

/**
 * Registers the storage of a flow-local store: `runDetached` runs its function outside it from
 * now on. Never throws (without `WeakRef` nothing is registered).
 *
 * @param storage The `AsyncLocalStorage` instance.
 * @internal
 */
export function registerFlowStorage(storage: DetachableStorage): void {
  try {
    (globals[SLOT] ??= new Set()).add(new WeakRef(storage));
    contextSlot().detach ??= detach;
  } catch {
    // No WeakRef: the store's values stay reachable from work made in its flow, as before.
  }
}
