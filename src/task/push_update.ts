/**
 * `pushUpdate`: a real flush of the current task's state (dreadnode's was a no-op in v2).
 *
 * @module
 */
import { ATTR_PROJECT, ATTR_RUN_ID } from "../attribute_keys.ts";
import { report } from "../diagnostics.ts";
import { taskEnv } from "./_env.ts";
import { ATTR_TASK_ID } from "./start.ts";
import { getCurrentTask } from "./task_context.ts";

/**
 * Pushes the current task's state out now: writes a `run_update` snapshot span (child of the
 * task, carrying its params, inputs, outputs, metrics, objects and artifacts so far), waits for
 * the task's pending writes, then flushes the pipeline. Outside a task it only flushes.
 * Never rejects.
 *
 * @returns Resolves when the flush finished.
 */
export async function pushUpdate(): Promise<void> {
  try {
    const task = getCurrentTask();
    const env = taskEnv();
    if (task?.active) {
      env.tracer.startSpan(`${task.name}.update`, {
        parent: task.span,
        type: "run_update",
        label: task.label,
        attributes: {
          ...task.stateAttributes(),
          [ATTR_TASK_ID]: task.taskId,
          [ATTR_RUN_ID]: task.runId,
          [ATTR_PROJECT]: task.project,
        },
      }).end();
      await task.settled();
    }
    await env.flush();
  } catch (error) {
    report(
      "error",
      "internal_error",
      "Caught an error in pushUpdate(); tracing data may be lost",
      error,
    );
  }
}
