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
 * server loop that calls handlers without a flow of their own (`Deno.serve`) receives later, and
 * the later requests of one connection on Node's `http` server (keep-alive or pipelined requests
 * run inside that connection's async resource). A value set after the first `await` stays in the
 * function's own flow. Where `enterWith` does not
 * work (workerd, whose `enterWith` throws even with `nodejs_compat`; browser stand-ins that ignore
 * it; a `SyncContextManager`) it is one slot, shared by every async flow.
 *
 * Node before 24 tracks promise flows only once some `AsyncLocalStorage` is enabled, so the stores
 * of every name declared (at module load) are made, and enabled, as soon as a context manager is
 * installed: requests already waiting when the first value is set still resume in their own flows.
 *
 * Each context manager has its own stores, so what was left in them under one manager is not
 * seen under the next. The stores live behind a `Symbol.for` slot, shared by every copy of
 * tracelet in a process.
 *
 * @module
 */
import { getContextManager, onContextManagerInstalled } from "./manager.ts";
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

function stores(): Stores {
  return globals[SLOT] ??= new Map();
}

function storeOf(perManager: WeakMap<ContextManager, FlowLocal<unknown>>, manager: ContextManager) {
  let store = perManager.get(manager);
  if (store === undefined) perManager.set(manager, store = storeFor(manager));
  return store;
}

// Node before 24 tracks promise flows only once some AsyncLocalStorage is enabled: a store
// enabled at its first use would leave the requests already waiting then to resume in one shared
// flow. So every declared store is made (and enabled by its probe) as soon as a manager is
// installed, and a store declared later is made at once for the manager installed then.
onContextManagerInstalled((manager) => {
  for (const perManager of stores().values()) storeOf(perManager, manager);
});

/**
 * The store named `name` of the active context manager. Declare each name once at module load
 * (call this at the top level): the stores of declared names are made as soon as a context
 * manager is installed, not at their first use.
 *
 * @param name The store's name (one per use, e.g. `tracelet.agents.frame`).
 * @returns The store; its `get` and `set` may throw only if the runtime's storage does.
 * @internal
 */
export function flowLocal<T>(name: string): FlowLocal<T> {
  const all = stores();
  let perManager = all.get(name);
  if (perManager === undefined) all.set(name, perManager = new WeakMap());
  return storeOf(perManager, getContextManager()) as FlowLocal<T>;
}
