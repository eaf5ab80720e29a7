/**
 * Running a callback inside a context when it may return a lazy thenable: the callback forms
 * (`withSpan`, tasks, agent and events scopes) adopt such a thenable from inside the context, so
 * the work its `then` starts sees the context of the span that times it.
 *
 * @module
 */
import type { Context } from "./context.ts";
import { getContextManager } from "./manager.ts";
import { isPromiseLike } from "../promise_like.ts";

/**
 * What {@linkcode runInContext} returns for a callback's result `R`: a promise (of any subclass) as
 * is, another thenable as a native promise of its value, anything else as is.
 */
export type Adopted<R> = R extends Promise<unknown> ? R
  : R extends PromiseLike<infer U> ? Promise<U>
  : R;

/**
 * Runs `fn` with `context` active. A thenable it returns that is not a promise is adopted there,
 * as the native promise `Promise.resolve` makes of it: the adoption job that calls a lazy
 * thenable's `then` (a query builder starting its query) then runs inside the context where the
 * context manager carries it across jobs (AsyncLocalStorage), and a `then` that throws rejects the
 * promise. A promise (a subclass's too: its work already started) and anything else `fn` returns
 * are returned as they are; a throw propagates.
 *
 * @param context The context to activate.
 * @param fn The callback.
 * @returns What `fn` returned, a thenable that is no promise as a native promise following it.
 * @internal
 */
export function runInContext<R>(context: Context, fn: () => R): Adopted<R> {
  return getContextManager().with(context, () => {
    const result = fn();
    return (isPromiseLike(result) && !(result instanceof Promise)
      ? Promise.resolve(result)
      : result) as Adopted<R>;
  });
}
