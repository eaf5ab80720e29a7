/**
 * `waitUntil` tracking for the Workers preset: the handler receives a view of its execution
 * context whose `waitUntil` also records the promise, so the preset can wait for the user's
 * background work (and the spans it ends) before it flushes. Everything else on the context
 * (`passThroughOnException`, `props`, `exports`, …) is passed through to the real one. Every
 * promise is waited for, however many: the tracker keeps a count, not the promises.
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

/** Tracks the promises a handler passes to `ctx.waitUntil`. */
export class WaitUntilTracker {
  /** The context to hand to the user's handler. */
  readonly ctx: ExecutionContextLike;
  /** Tracked promises not settled yet: a count, so any number of them costs no memory here. */
  #pending = 0;
  /** Resolves {@linkcode settled}'s promise when the count falls to 0. */
  #wake: (() => void) | undefined;
  #idle: Promise<void> | undefined;

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

  /**
   * Makes {@linkcode settled} wait for `promise` as well, without passing it to the real
   * `waitUntil` (one per invocation: the handler's result).
   *
   * @param promise What to wait for; its rejection is ignored here.
   */
  waitFor(promise: Promise<unknown>): void {
    this.#track(promise);
  }

  #track(promise: Promise<unknown>): void {
    this.#pending++;
    const done = () => {
      if (--this.#pending > 0) return;
      this.#wake?.();
      this.#wake = this.#idle = undefined;
    };
    Promise.resolve(promise).then(done, done);
  }

  /**
   * Resolves once every tracked promise has settled, including ones added while waiting. Never
   * rejects.
   *
   * @returns When nothing tracked is pending.
   */
  settled(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return this.#idle ??= new Promise((resolve) => (this.#wake = resolve));
  }
}
