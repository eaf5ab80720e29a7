/**
 * Tasks around generator functions (`function*`, `async function*`): the task covers the
 * generator's life rather than the call that creates it. Nothing starts until the first `next()`
 * (a generator never consumed records nothing); every `next` / `throw` / `return` step runs with
 * the task current; the task ends when the generator returns (its return value recorded by the
 * caller's `finish`, scorers included, with the task current), throws (the exception recorded and
 * rethrown unchanged) or is closed early: a `return()` from the consumer, as a `for…of` loop does
 * on `break`, ends the task normally with no output and no scores (a closed stream produced no
 * return value), whatever the generator does next (a `finally` block that yields again runs
 * after the task ended). Yielded values are not logged (a stream can be unbounded); their count is
 * the span attribute `tracelet.task.yielded`. An async generator's step results settle in the
 * order they were requested: the one that ends the task settles once it has ended.
 *
 * @internal
 * @module
 */
import type { Context } from "../context/context.ts";
import { getContextManager } from "../context/manager.ts";
import { report } from "../diagnostics.ts";
import { contextForTask } from "./task_context.ts";
import type { TaskSpan } from "./task_span.ts";

/** The span attribute counting the values a generator task yielded. */
export const ATTR_TASK_YIELDED = "tracelet.task.yielded";

/** What {@linkcode traceGenerator} needs from `task()`. */
export interface GeneratorHooks {
  /** Starts the task and logs its inputs (called at the first `next()`). */
  start(): TaskSpan;
  /** Records the value the generator completed with; a promise when it must be awaited. */
  finish(task: TaskSpan, value: unknown): Promise<void> | void;
}

type Method = "next" | "throw" | "return";
type Steps = Record<Method, (arg?: unknown) => unknown>;
type Kind = "sync" | "async";

/** The functions `task()` returned for generator functions: they return generators too. */
const tracedGenerators = new WeakMap<object, Kind>();

/**
 * Marks a function `task()` returned for a generator function, so that a `task()` around it
 * covers the generator it returns (see {@linkcode generatorKind}).
 *
 * @param fn The wrapper.
 * @param kind What the wrapped function is.
 */
export function markGeneratorFunction(fn: object, kind: Kind): void {
  tracedGenerators.set(fn, kind);
}

/**
 * Whether a function is a generator function, sync or async (bound ones and those of other
 * realms included: the tag is inherited from their prototype), or a `task()` around one.
 *
 * @param fn The function.
 * @returns `sync`, `async`, or undefined for any other function.
 */
export function generatorKind(fn: unknown): Kind | undefined {
  try {
    const tag = Object.prototype.toString.call(fn);
    return tag === "[object GeneratorFunction]"
      ? "sync"
      : tag === "[object AsyncGeneratorFunction]"
      ? "async"
      : tracedGenerators.get(fn as object);
  } catch {
    return undefined; // A revoked proxy.
  }
}

/**
 * Whether a value is a generator object, sync or async.
 *
 * @param value Any value.
 * @returns True for a generator object.
 */
export function isGeneratorObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    const tag = Object.prototype.toString.call(value);
    return tag === "[object Generator]" || tag === "[object AsyncGenerator]";
  } catch {
    return false; // A revoked proxy.
  }
}

/**
 * Wraps a generator object so that its task covers its life (see the module documentation).
 * The wrapper inherits the generator's prototype, so it stays an (async) iterable iterator with
 * the generator's tag; only `next`, `throw` and `return` are its own.
 *
 * @param gen The generator object (anything else is returned as it is).
 * @param async Whether it is an async generator.
 * @param hooks Starts the task and records the return value.
 * @returns The wrapped generator.
 */
export function traceGenerator(gen: unknown, async: boolean, hooks: GeneratorHooks): unknown {
  if (typeof (gen as { next?: unknown } | null)?.next !== "function") return gen;
  const inner = gen as Steps;
  let task: TaskSpan | undefined;
  let context: Context | undefined;
  let closed = false; // Ended (returned, failed or closed): later steps go straight to the generator.
  let yielded = 0;
  /** Runs one step with the task current; undefined when the step goes straight through. */
  const begin = (method: Method, arg: unknown): { value: unknown } | undefined => {
    if (closed) return undefined;
    if (task === undefined) {
      // Closed or thrown into before it started: its body never runs, so there is nothing to record.
      if (method !== "next") {
        closed = true;
        return undefined;
      }
      task = hooks.start();
      context = contextForTask(task);
    }
    return { value: getContextManager().with(context!, () => inner[method](arg)) };
  };
  /** Records the return value (scorers included) with the task current. */
  const finish = (value: unknown): Promise<void> | void =>
    getContextManager().with(context!, () => hooks.finish(task!, value));
  const end = (t: TaskSpan): void => {
    t.span.setAttribute(ATTR_TASK_YIELDED, yielded);
    t.end();
  };
  /** Records a step's error on the task, the first time: true when the task must now end. */
  const failed = (error: unknown): boolean => {
    if (task === undefined || closed) return false;
    closed = true;
    task.recordException(error);
    return true;
  };
  /**
   * What a step's result means for the task, counting a yielded value: `returned` (record the
   * value, then end), `closed` (the consumer's `return()`: end with no output, whether or not the
   * generator finished), or undefined (the task goes on, or has already ended).
   */
  const outcome = (method: Method, result: IteratorResult<unknown>) => {
    if (closed) return undefined;
    const done = result?.done === true;
    if (!done) yielded++;
    if (!done && method !== "return") return undefined;
    closed = true;
    return method === "return" ? "closed" : "returned";
  };
  const steps = async ? asyncSteps() : syncSteps();
  const wrapper = Object.create(Object.getPrototypeOf(gen));
  for (const method of ["next", "throw", "return"] as const) {
    Object.defineProperty(wrapper, method, {
      value: steps[method],
      writable: true,
      configurable: true,
    });
  }
  return wrapper;

  function syncSteps(): Steps {
    const step = (method: Method) => (arg?: unknown): unknown => {
      let result: IteratorResult<unknown>;
      try {
        const ran = begin(method, arg);
        if (ran === undefined) return inner[method](arg);
        result = ran.value as IteratorResult<unknown>;
      } catch (error) {
        if (failed(error)) end(task!);
        throw error;
      }
      const ending = outcome(method, result);
      if (ending !== undefined) {
        try {
          if (ending === "returned") void finish(result.value);
        } finally {
          end(task!);
        }
      }
      return result;
    };
    return { next: step("next"), throw: step("throw"), return: step("return") };
  }

  function asyncSteps(): Steps {
    const settle = async (t: TaskSpan): Promise<void> => {
      try {
        await t.settled();
      } catch (error) {
        report("warn", "task_settle_failed", "Cannot finish pending task writes", error);
      }
    };
    const run = async (method: Method, arg?: unknown): Promise<unknown> => {
      let result: IteratorResult<unknown>;
      try {
        const ran = begin(method, arg);
        if (ran === undefined) return await inner[method](arg);
        result = await ran.value as IteratorResult<unknown>;
      } catch (error) {
        // Requests queued before the failure fail too: the task ends once.
        if (failed(error)) {
          await settle(task!);
          end(task!);
        }
        throw error;
      }
      const ending = outcome(method, result);
      if (ending !== undefined) {
        try {
          if (ending === "returned") await finish(result.value);
        } finally {
          await settle(task!);
          end(task!);
        }
      }
      return result;
    };
    // Requests run one at a time, in the order they were made: a request made while another is
    // outstanding starts when that one has settled (the step that ends the task settles after the
    // task ended). The runtime's own queue of requests would resume the body outside the task's
    // context on Deno, and results would settle before the task ended. With nothing outstanding
    // a request starts at once, in the caller's synchronous context (which a synchronous context
    // manager needs to find the task's parent).
    let tail: Promise<unknown> = Promise.resolve();
    let outstanding = 0;
    const done = () => void outstanding--;
    const step = (method: Method) => (arg?: unknown): Promise<unknown> => {
      const own = outstanding === 0 ? run(method, arg) : tail.then(() => run(method, arg));
      outstanding++;
      tail = own.then(done, done); // what the next request waits on
      // A promise of its own for the caller: a rejection the caller ignores is still reported.
      return own.then((value) => value);
    };
    return { next: step("next"), throw: step("throw"), return: step("return") };
  }
}
