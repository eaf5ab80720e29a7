/**
 * Runs a callback inside a context and calls a completion hook once it returns, throws, or its
 * promise settles. Shared by the agent layer's and the events layer's scoped forms.
 *
 * @module
 */
import type { Context } from "../context/context.ts";
import { runInContext } from "../context/run_in_context.ts";
import { report } from "../diagnostics.ts";
import { isPromiseLike } from "../promise_like.ts";

/** The completion hook: `failed` is true when `fn` threw or rejected with `error`. */
export type ScopeDone = (error: unknown, failed: boolean) => void;

function safeDone(done: ScopeDone, error: unknown, failed: boolean): void {
  try {
    done(error, failed);
  } catch (cause) {
    report("error", "scope_end_failed", "Cannot close a tracing scope: its end hook threw", cause);
  }
}

/**
 * Runs `fn` with `context` active, then calls `done` (for promises: after they settle). The
 * result or error of `fn` passes through unchanged (a thenable as the promise that follows it,
 * adopted inside `context`);
 * `done` never throws into the caller, and is called once whatever `fn` returns.
 *
 * @param context The context to activate.
 * @param fn The callback.
 * @param done Called once with the error (if any).
 * @returns What `fn` returned.
 * @internal
 */
export function runScoped<R>(context: Context, fn: () => R, done: ScopeDone): R {
  let result: R;
  try {
    result = runInContext(context, fn) as R; // a promise-like result is awaited below
  } catch (error) {
    safeDone(done, error, true);
    throw error;
  }
  if (isPromiseLike(result)) {
    // A native promise (runInContext adopted any other thenable inside `context`).
    return result.then(
      (value) => {
        safeDone(done, undefined, false);
        return value;
      },
      (error: unknown) => {
        safeDone(done, error, true);
        throw error;
      },
    ) as R;
  }
  safeDone(done, undefined, false);
  return result;
}
