/**
 * Scoped runs (`run(fn)` of the agent layer, runs of the events layer) under a context manager
 * that loses the context at an `await` (`SyncContextManager`): which are unfinished, so code
 * outside any scope can tell whether it may be another request's continuation. Shared by the
 * agent and events layers.
 *
 * @module
 */
import { getContextManager } from "./manager.ts";
import type { ContextManager } from "./manager.ts";

/** The most scoped runs tracked while they may have lost their context. */
const MAX_IN_FLIGHT = 1000;

/**
 * The scoped runs started under a context manager that loses the context at an `await` and not
 * finished yet (at most 1000 per manager; the oldest is forgotten past that). Code outside any
 * scope may be the continuation of any of them. @internal
 */
export class ScopesInFlight<T> {
  readonly #sets = new WeakMap<ContextManager, Set<T>>();
  readonly #isLive: (item: T) => boolean;

  /** @param isLive Whether a run is still unfinished. */
  constructor(isLive: (item: T) => boolean) {
    this.#isLive = isLive;
  }

  /** Tracks a scoped run starting now, if the active manager loses the context at an `await`. */
  add(item: T): void {
    const manager = getContextManager();
    if (manager.isolatesAsync === true) return;
    let set = this.#sets.get(manager);
    if (set === undefined) this.#sets.set(manager, set = new Set());
    if (set.size >= 32) this.#prune(set);
    if (set.size >= MAX_IN_FLIGHT) set.delete(set.values().next().value!);
    set.add(item);
  }

  #prune(set: Set<T>): void {
    for (const item of set) if (!this.#isLive(item)) set.delete(item);
  }

  /** @returns Whether any run is unfinished (under the current context manager). */
  anyLive(): boolean {
    const set = this.#sets.get(getContextManager());
    for (const item of set ?? []) {
      if (this.#isLive(item)) return true;
      set!.delete(item);
    }
    return false;
  }

  /**
   * Whether code outside any scope may be the continuation of another request's run: an
   * unfinished run tracked under the active manager has another owner (trace or session) than
   * `current`, what is current there; with nothing current, than another such run (runs of two
   * owners are unfinished, so the code belongs to at most one of them).
   *
   * @param ownerOf The owner of a run.
   * @param current What is current outside any scope, if anything.
   * @returns True if so.
   */
  ownedByAnother(ownerOf: (item: T) => unknown, current: T | undefined): boolean {
    const set = this.#sets.get(getContextManager());
    if (set === undefined) return false;
    let owner = current === undefined ? NO_OWNER : ownerOf(current);
    for (const item of set) {
      if (!this.#isLive(item)) set.delete(item);
      else if (owner === NO_OWNER) owner = ownerOf(item);
      else if (ownerOf(item) !== owner) return true;
    }
    return false;
  }
}

/** No owner seen yet (owners may be undefined). */
const NO_OWNER = Symbol("no owner");
