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
 * Runs `fn` with `context` active. A thenable it returns is adopted there, as the native promise
 * `Promise.resolve` makes of it (the same promise for a native one): the adoption job that calls
 * a lazy thenable's `then` (a query builder starting its query) then runs inside the context where
 * the context manager carries it across jobs (AsyncLocalStorage), and a `then` that throws rejects
 * the promise. Anything else `fn` returns is returned as is; a throw propagates.
 *
 * @param context The context to activate.
 * @param fn The callback.
 * @returns What `fn` returned, a thenable as a native promise following it.
 * @internal
 */
export function runInContext<R>(context: Context, fn: () => R): R {
  return getContextManager().with(context, () => {
    const result = fn();
    return isPromiseLike(result) ? Promise.resolve(result) as R : result;
  });
}
