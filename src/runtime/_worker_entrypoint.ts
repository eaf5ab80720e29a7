/**
 * `instrument()` for a class-based Workers entrypoint (`export default class extends
 * WorkerEntrypoint`, from `cloudflare:workers`). workerd makes an instance per invocation,
 * `new Handler(ctx, env)`, whose constructor sets `this.ctx` and `this.env`, and calls
 * `fetch(request)`, `scheduled(controller)` or `queue(batch)` on it. The instrumented class is a
 * subclass whose methods of those three (only the ones the class has) run the invocation through
 * the object handler's own tracers, with `this.env` and `this.ctx`; the user's method then sees
 * the tracked view of the context as `this.ctx`, so its `this.ctx.waitUntil(…)` work is waited
 * for before the flush, and `invocationSpan(this.ctx)` finds the root span. Every other method
 * (RPC methods) and every static member is inherited unchanged.
 *
 * @module
 */
import type { ExecutionContextLike } from "./_worker_wait.ts";
import type { MethodName, MethodTracers } from "./_worker_instrument.ts";

/** An instance of a `WorkerEntrypoint` class, as the subclass's methods use it. */
interface Entrypoint {
  ctx: ExecutionContextLike;
  readonly env: unknown;
}

/** A class whose instances are {@linkcode Entrypoint}s. */
type EntrypointClass = new (...args: never[]) => Entrypoint;

/**
 * The execution context each tracked view given to a user's method as `this.ctx` stands for: an
 * instance invoked again (or a method calling another traced one) starts from the real context,
 * never from a view of a view.
 */
const viewed = new WeakMap<object, ExecutionContextLike>();

/**
 * Whether instances of `Handler` have a method `name` (on the prototype chain), as workerd looks
 * for an entrypoint's handlers.
 *
 * @param Handler A function, perhaps a class.
 * @param name The method's name.
 * @returns True when `Handler.prototype[name]` is a function.
 */
export function definesMethod(Handler: unknown, name: string): boolean {
  const prototype = (Handler as { prototype?: Record<string, unknown> }).prototype;
  return typeof prototype?.[name] === "function";
}

/**
 * Subclasses a `WorkerEntrypoint` class so that its `fetch`, `scheduled` and `queue` methods
 * (those it has) are traced by `tracers`, with `this.env` and `this.ctx` as the invocation's
 * `env` and execution context.
 *
 * @param Handler The class (checked to have at least one of the three methods).
 * @param tracers The invocation logic of `instrument()`.
 * @returns `class extends Handler`, named as `Handler`.
 */
export function instrumentEntrypoint<T extends object>(Handler: T, tracers: MethodTracers): T {
  const Base = Handler as unknown as EntrypointClass;
  const Traced = class extends Base {};
  Object.defineProperty(Traced, "name", { value: Base.name });
  for (const name of Object.keys(tracers) as MethodName[]) {
    if (!definesMethod(Base, name)) continue;
    // A method named as the one it traces (stack traces say `fetch`).
    const { [name]: method } = {
      [name](this: Entrypoint, event: unknown) {
        const own = this.ctx;
        const ctx = viewed.get(own) ?? own;
        return tracers[name](event, this.env, ctx, (seen) => {
          if (seen !== ctx) viewed.set(seen, ctx);
          if (seen !== own) Reflect.set(this, "ctx", seen);
          // `super[name](event)`, looked up when called, as the user's class has it then.
          return Reflect.get(Base.prototype, name, this).call(this, event);
        });
      },
    };
    // Not enumerable, like a method declared in a class body.
    Object.defineProperty(Traced.prototype, name, {
      value: method,
      writable: true,
      configurable: true,
    });
  }
  return Traced as unknown as T;
}
