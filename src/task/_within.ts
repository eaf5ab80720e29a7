/**
 * The guard of every module-level helper: run against the current task, or report one
 * `outside_task` diagnostic per helper and return a fallback; internal errors are reported,
 * never thrown.
 *
 * @internal
 * @module
 */
import { report, reportOnce } from "../diagnostics.ts";
import { getCurrentTask } from "./task_context.ts";
import type { TaskSpan } from "./task_span.ts";

/**
 * Runs `fn` with the current task.
 *
 * @param helper The helper's name (for diagnostics).
 * @param fallback Returned outside a task or on an internal error.
 * @param fn The body.
 * @returns What `fn` returned, or the fallback.
 */
export function within<T>(helper: string, fallback: T, fn: (task: TaskSpan) => T): T {
  const task = getCurrentTask();
  if (task === undefined) {
    reportOnce(
      `outside_task:${helper}`,
      "warn",
      "outside_task",
      `${helper}() was called outside of a task or run; nothing was logged`,
    );
    return fallback;
  }
  try {
    return fn(task);
  } catch (error) {
    report(
      "error",
      "internal_error",
      `Caught an error in ${helper}(); tracing data may be lost`,
      error,
    );
    return fallback;
  }
}
