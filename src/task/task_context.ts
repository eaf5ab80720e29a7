/**
 * The current task, tracked in the immutable context alongside the active span: making a task
 * current also makes its span the active span and passes the run id and project down as
 * inherited attributes, so every span started inside (plain spans included) carries them and
 * lands in the run's `spans.jsonl`. Concurrent runs stay apart when an AsyncLocalStorage context manager is installed.
 *
 * @module
 */
import { createContextKey } from "../context/context.ts";
import type { Context, ContextKey } from "../context/context.ts";
import { contextWithAttributes, SPAN_KEY } from "../context/keys.ts";
import { ATTR_PROJECT, ATTR_RUN_ID } from "../attribute_keys.ts";
import { getContextManager } from "../context/manager.ts";
import { runInContext } from "../context/run_in_context.ts";
import { report } from "../diagnostics.ts";
import type { TaskSpan } from "./task_span.ts";
import { isPromiseLike } from "../promise_like.ts";

/**
 * The current (innermost) task. Private to this copy of tracelet (another copy loaded in the
 * process does not see it, and its tasks are not seen here): a task's methods need the class that
 * made it. The task's span and run attributes, set under the shared core keys, still reach the
 * spans another copy starts inside it.
 */
export const TASK_KEY: ContextKey<TaskSpan> = createContextKey("tracelet.task");

/**
 * The innermost current task.
 *
 * @returns The task, or undefined outside any task.
 * @example
 * ```ts
 * import { getCurrentTask, taskSpan } from "@tracelet/tracelet";
 * taskSpan("work", {}, () => console.log(getCurrentTask()?.name)); // "work"
 * ```
 */
export function getCurrentTask(): TaskSpan | undefined {
  try {
    return getContextManager().active().get(TASK_KEY);
  } catch {
    return undefined;
  }
}

/**
 * The root run of the current task (the top of its parent chain; dreadnode returned the
 * innermost task here, contrary to its docs).
 *
 * @returns The root task, or undefined outside any task.
 */
export function getCurrentRun(): TaskSpan | undefined {
  let task = getCurrentTask();
  while (task?.parentTask !== undefined) task = task.parentTask;
  return task;
}

/**
 * The innermost current task: dreadnode's `get_current_task_span()`, the same as
 * {@linkcode getCurrentTask}.
 *
 * @returns The task, or undefined outside any task.
 */
export function getCurrentTaskSpan(): TaskSpan | undefined {
  return getCurrentTask();
}

/**
 * The innermost current task, as dreadnode's `get_current_run_span()` returns it ("the current
 * task span, backwards compatibility"): the same as {@linkcode getCurrentTask}. For the root run,
 * use {@linkcode getCurrentRun}.
 *
 * @returns The task, or undefined outside any task.
 */
export function getCurrentRunSpan(): TaskSpan | undefined {
  return getCurrentTask();
}

/**
 * The nearest task, starting at the current one and walking up its parents, whose type is
 * `type` (for example `agent`, `evaluation`, `study`).
 *
 * @param type The span type.
 * @returns The task, or undefined.
 */
export function findSpanByType(type: string): TaskSpan | undefined {
  for (let t = getCurrentTask(); t !== undefined; t = t.parentTask) {
    if (t.type === type) return t;
  }
  return undefined;
}

/**
 * A context in which `task` is the current task and its span the active span.
 *
 * @param task The task.
 * @param base The context to extend (the active one by default).
 * @returns The new context.
 */
export function contextForTask(task: TaskSpan, base?: Context): Context {
  const from = base ?? getContextManager().active();
  return contextWithAttributes(from.set(SPAN_KEY, task.span).set(TASK_KEY, task), {
    [ATTR_RUN_ID]: task.runId,
    [ATTR_PROJECT]: task.project,
  });
}

/**
 * Runs `fn` with `task` current, then ends the task: a thrown error or rejection is recorded on
 * the task and rethrown; for async functions the task's pending writes (large objects,
 * artifacts) are awaited before it ends. A sync function's task ends at once: large objects whose
 * blob write is still running are then exported inline (see `TaskSpan.end`).
 *
 * @param task A started task.
 * @param fn The body.
 * @returns What `fn` returned (a promise stays a promise; a sync result stays sync).
 */
export function runTask<R>(task: TaskSpan, fn: (task: TaskSpan) => R): R {
  let result: R;
  try {
    result = runInContext(contextForTask(task), () => fn(task)) as R; // awaited below when a promise
  } catch (error) {
    task.recordException(error);
    task.end();
    throw error;
  }
  if (!isPromiseLike(result)) {
    task.end();
    return result;
  }
  const finish = async (): Promise<void> => {
    try {
      await task.settled();
    } catch (error) {
      report("warn", "task_settle_failed", "Cannot finish pending task writes", error);
    }
  };
  // A native promise (runInContext adopted any other thenable inside the task's context).
  return result.then(
    async (value) => {
      await finish();
      task.end();
      return value;
    },
    async (error: unknown) => {
      task.recordException(error);
      await finish();
      task.end();
      throw error;
    },
  ) as R;
}
