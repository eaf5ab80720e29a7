/**
 * `pushUpdate`: a real flush of the current task's state (dreadnode's was a no-op in v2).
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { TailSamplingProcessor } from "../processor/tail_sampling.ts";
import { taskEnv } from "./_env.ts";
import { getCurrentTask } from "./task_context.ts";
import { writeStateSnapshot } from "./_state_writer.ts";

/**
 * Pushes the current task's state out now: writes a `run_update` snapshot span (child of the
 * task, carrying its params, inputs, outputs, metrics, objects and artifacts so far), waits for
 * the task's pending writes, then flushes the pipeline. With `tailSampling`, the run's trace is
 * kept (it would otherwise wait for the run to end, and might be dropped then), so the snapshot
 * reaches the exporters now. Outside a task it only flushes.
 * Never rejects.
 *
 * @returns Resolves when the flush finished.
 */
export async function pushUpdate(): Promise<void> {
  try {
    const task = getCurrentTask();
    const env = taskEnv();
    if (task?.active) {
      writeStateSnapshot(task, env.tracer);
      // Tail sampling would hold the snapshot until the run's trace is over: keep the trace now.
      for (const processor of env.tracer.processors) {
        if (processor instanceof TailSamplingProcessor) processor.keepTrace(task.span.traceId);
      }
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
