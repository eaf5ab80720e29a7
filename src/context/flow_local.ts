/**
 * A value that belongs to the current async flow, set imperatively (outside any callback scope),
 * like a Python `ContextVar` set in an asyncio task: what one concurrent request sets, another
 * does not see. The agent layer's `start(true)` and the events layer's `startTraceRun` keep what
 * they make current here.
 *
 * It is an `AsyncLocalStorage` entered with `enterWith` (a new instance of the class the context
 * manager is built on), when `enterWith` works there. As with any `enterWith`, a value set in an
 * async function before its first `await` is set in its caller's flow too, for the rest of it:
 * siblings the caller starts next (`Promise.all([a(), b()])`) see it, and so do the requests a
 * server loop that calls handlers without a flow of their own (`Deno.serve`) receives later. A
 * value set after the first `await` stays in the function's own flow. Where `enterWith` does not
 * work (workerd, whose `enterWith` throws even with `nodejs_compat`; browser stand-ins that ignore
 * it; a `SyncContextManager`) it is one slot, shared by every async flow.
 *
 * `runDetached` runs its function outside every such store (`flow_local_detach.ts`): the export
 * chains and timers a processor keeps do not hold the current trace or span of the flow that made
 * them.
 *
 * Each context manager has its own stores, so what was left in them under one manager is not
 * seen under the next. The stores live behind a `Symbol.for` slot, shared by every copy of
 * tracelet in a process.
 *
 * @module
 */
import { registerFlowStorage } from "./flow_local_detach.ts";
import type { DetachableStorage } from "./flow_local_detach.ts";
import { getContextManager } from "./manager.ts";
import type { ContextManager } from "./manager.ts";

/** A value per async flow (or, where that is not possible, one slot). @internal */
export interface FlowLocal<T> {
  /**
   * The value of the current async flow.
   *
   * @returns The value, or undefined when none was set.
   */
  get(): T | undefined;
  /**
   * Sets the value for the rest of the current async flow (and the flows it starts from now on).
   *
   * @param value The value (undefined clears it).
   */
  set(value: T | undefined): void;
}

/** The methods of an `AsyncLocalStorage` a flow-local store uses. */
interface EnterableStorage {
  getStore(): unknown;
  enterWith(value: unknown): void;
  run(store: unknown, fn: () => unknown): unknown;
}

function sharedSlot<T>(): FlowLocal<T> {
  let slot: T | undefined;
  return {
    get: () => slot,
    set: (value) => {
      slot = value;
    },
  };
}

/**
 * A new store for a manager: an instance of its AsyncLocalStorage class when `enterWith` works
 * there (tried once: workerd's throws "not implemented", browser stand-ins ignore it), else a
 * slot.
 */
function storeFor<T>(manager: ContextManager): FlowLocal<T> {
  try {
    const storageClass = manager.isolatesAsync === true
      ? (manager as { storageClass?: unknown }).storageClass
      : undefined;
    if (typeof storageClass !== "function") return sharedSlot();
    const storage = new (storageClass as new () => Partial<EnterableStorage>)();
    const { getStore, enterWith } = storage;
    if (typeof getStore !== "function" || typeof enterWith !== "function") return sharedSlot();
    const probe = {};
    enterWith.call(storage, probe);
    const works = getStore.call(storage) === probe;
    enterWith.call(storage, undefined);
    if (!works) return sharedSlot();
    if (typeof storage.run === "function") registerFlowStorage(storage as DetachableStorage);
    return {
      get: () => getStore.call(storage) as T | undefined,
      set: (value) => enterWith.call(storage, value),
    };
  } catch {
    return sharedSlot();
  }
}

type Stores = Map<string, WeakMap<ContextManager, FlowLocal<unknown>>>;

const SLOT = Symbol.for("tracelet.flowLocals.v1");
const globals = globalThis as unknown as Record<symbol, Stores | undefined>;

/**
 * The store named `name` of the active context manager (made on first use).
 *
 * @param name The store's name (one per use, e.g. `tracelet.agents.frame`).
 * @returns The store; its `get` and `set` may throw only if the runtime's storage does.
 * @internal
 */
export function flowLocal<T>(name: string): FlowLocal<T> {
  const all = globals[SLOT] ??= new Map();
  let stores = all.get(name);
  if (stores === undefined) all.set(name, stores = new WeakMap());
  const manager = getContextManager();
  let store = stores.get(manager);
  if (store === undefined) stores.set(manager, store = storeFor(manager));
  return store as FlowLocal<T>;
}
