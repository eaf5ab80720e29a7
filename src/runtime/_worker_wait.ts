/**
 * `waitUntil` tracking for the Workers preset: the handler receives a view of its execution
 * context whose `waitUntil` also records the promise, so the preset can wait for the user's
 * background work (and the spans it ends) before it flushes. Everything else on the context
 * (`passThroughOnException`, `props`, `exports`, …) is passed through to the real one.
 *
 * @module
 */

/** The part of a Workers `ExecutionContext` the preset uses. */
export interface ExecutionContextLike {
  /** Extends the invocation until the promise settles. */
  waitUntil(promise: Promise<unknown>): void;
  /** Lets the request fall through to the origin on an exception (fetch only). */
  passThroughOnException?(): void;
}

/** The most promises tracked per invocation; beyond it they are passed on but not awaited. */
const MAX_TRACKED = 1024;

/** Tracks the promises a handler passes to `ctx.waitUntil`. */
export class WaitUntilTracker {
  /** The context to hand to the user's handler. */
  readonly ctx: ExecutionContextLike;
  readonly #pending = new Set<Promise<unknown>>();
  #untracked = 0;

  /**
   * @param ctx The real execution context. Without one (a handler called directly, as in unit
   *   tests) it is handed on as it is and nothing is tracked.
   */
  constructor(ctx: ExecutionContextLike) {
    if (typeof ctx?.waitUntil !== "function") {
      this.ctx = ctx;
      return;
    }
    const track = (promise: Promise<unknown>) => this.#track(promise);
    this.ctx = new Proxy(ctx, {
      get(target, key) {
        if (key === "waitUntil") {
          return (promise: Promise<unknown>) => {
            track(promise);
            target.waitUntil(promise);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Promises that were passed on but not awaited because of the bound. */
  get untracked(): number {
    return this.#untracked;
  }

  /**
   * Makes {@linkcode settled} wait for `promise` as well, without passing it to the real
   * `waitUntil` and even when the bound is reached (one per invocation: the handler's result).
   *
   * @param promise What to wait for; its rejection is ignored here.
   */
  waitFor(promise: Promise<unknown>): void {
    this.#track(promise, false);
  }

  #track(promise: Promise<unknown>, bounded = true): void {
    if (bounded && this.#pending.size >= MAX_TRACKED) {
      this.#untracked++;
      return;
    }
    const settled = Promise.resolve(promise).then(
      () => void this.#pending.delete(settled),
      () => void this.#pending.delete(settled),
    );
    this.#pending.add(settled);
  }

  /**
   * Resolves once every tracked promise has settled, including ones added while waiting. Never
   * rejects.
   *
   * @returns When nothing tracked is pending.
   */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
