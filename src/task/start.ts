/**
 * Creating tasks: {@linkcode startTask} starts a task span with the task's identity (see
 * `_task_start.ts`), and {@linkcode newRunId} makes run ids.
 *
 * @module
 */
import { newUuid } from "../ids.ts";
import { startTaskOf } from "./_task_start.ts";
import type { StartTaskExtras, TaskSpanOptions } from "./_task_start.ts";
import { TaskSpan } from "./task_span.ts";

export { ATTR_TASK_ID, ATTR_TASK_PARENT_ID } from "./_task_tree.ts";
export { TASK_OPTION_KEYS } from "./_task_start.ts";
export type { StartTaskExtras, TaskSpanOptions } from "./_task_start.ts";

/**
 * A 32-hex run id (a UUID v4 without dashes, like dreadnode's `run()`).
 *
 * @returns The id.
 */
export function newRunId(): string {
  return newUuid().replace(/-/g, "");
}

/**
 * Starts a task span (not made current; see `runTask` / `inContext`). Never throws: options that
 * cannot be read, a `parent` that is not a task, a `type` that is not a string or an unknown
 * `kind` are reported or ignored, and records (`params`, `inputs`, `attributes`) keep every entry
 * that can be read.
 *
 * @param name The span name.
 * @param options Type, label, tags, project, parent, ….
 * @param extras Remote parent and call arguments.
 * @returns The running task.
 */
export function startTask(
  name: string,
  options: TaskSpanOptions = {},
  extras: StartTaskExtras = {},
): TaskSpan {
  return startTaskOf(TaskSpan, name, options, extras);
}
