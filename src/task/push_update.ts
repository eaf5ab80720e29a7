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
import { settlesWithin } from "../settles_within.ts";
import { readUserOptions } from "./_read.ts";

/**
 * How long `pushUpdate` waits for the task's pending writes before it writes the snapshot anyway
 * (the batch processor's default export timeout): a hung storage cannot hang it.
 */
const PUSH_UPDATE_WAIT_MS = 30_000;

/**
 * Pushes the current task's state out now: waits for the task's pending writes (large objects,
 * artifacts; for at most `options.waitMs`), writes a `run_update` snapshot span (child of the task,
 * carrying its params, inputs, outputs, metrics, objects and artifacts so far, large objects as
 * blob references), then flushes the pipeline. Writes still pending by then are reported
 * (`push_update_pending_writes`) and their objects are in the snapshot inline, cut to the
 * redaction policy's length. With `tailSampling`, the run's trace is kept (it would otherwise wait
 * for the run to end, and might be dropped then), so the snapshot reaches the exporters now.
 * Outside a task it only flushes. Never rejects.
 *
 * @param options `waitMs`: how long to wait for the task's pending writes before writing the
 *   snapshot anyway, in ms (default 30,000: the batch processor's default export timeout; a
 *   negative time waits not at all).
 * @returns Resolves when the flush finished.
 */
export async function pushUpdate(
  options: { waitMs?: number | undefined } = {},
): Promise<void> {
  try {
    const task = getCurrentTask();
    const env = taskEnv();
    // Read (and checked) in every case: a misspelled option is reported even when idle.
    const { waitMs } = readUserOptions(options, ["waitMs"], "pushUpdate()", {
      positional: "waitMs",
    });
    if (task?.active && task.writing) {
      // A spent time budget (negative) waits not at all; NaN or a non-number means the default.
      const ms = typeof waitMs === "number" && waitMs === waitMs
        ? Math.max(0, waitMs)
        : PUSH_UPDATE_WAIT_MS;
      if (!await settlesWithin(task.settled().catch(() => {}), ms)) {
        report(
          "warn",
          "push_update_pending_writes",
          `pushUpdate: task ${task.name} still has writes pending after ${ms} ms; the snapshot holds their objects inline`,
        );
      }
    }
    // A task that ended meanwhile wrote its whole state on its own span.
    if (task?.active) {
      writeStateSnapshot(task, env.tracer);
      // Tail sampling would hold the snapshot until the run's trace is over: keep the trace now.
      for (const processor of env.tracer.processors) {
        if (processor instanceof TailSamplingProcessor) processor.keepTrace(task.span.traceId);
      }
    }
    await env.forceFlush();
  } catch (error) {
    report(
      "error",
      "internal_error",
      "Caught an error in pushUpdate(); tracing data may be lost",
      error,
    );
  }
}
