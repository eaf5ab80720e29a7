/**
 * Distributed continuation: capture the current task as a {@linkcode TaskContext} (W3C
 * `traceparent`/`tracestate`/`baggage` carrier plus task id, name and project), send it to another
 * process, and continue the task there with {@linkcode continueTask}.
 *
 * The continued fragment starts when `continueTask` is called (as a child of the remote span), so
 * it has a real duration and accepts child tasks and artifacts — dreadnode started it only at
 * exit. Invalid input never throws: a malformed `traceparent` starts the fragment as the root of a
 * new trace, an invalid `tracestate` or `baggage` is discarded (as the W3C recommendations
 * require), baggage members past the W3C limits (64 members, 8192 bytes) are dropped, and each
 * problem is reported as an `invalid_trace_context` diagnostic. Callers that prefer to reject
 * bad input can call {@linkcode validateTaskContext} first.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { isInstance } from "../safe_read.ts";
import type { TaskBody } from "./spans.ts";
import { startFragmentOf } from "./_fragment_start.ts";
import { getCurrentTask, runTask } from "./task_context.ts";
import { TaskSpan } from "./task_span.ts";
import { injectTraceContext, parseTraceparent, parseTracestate } from "./trace_context.ts";
import type { TraceCarrier } from "./trace_context.ts";
import { parseBaggage } from "./baggage.ts";

/**
 * A serializable task context. Keys are snake_case on purpose: this is dreadnode's wire format
 * (`{task_id, task_name, project, trace_context}`), exchanged with other processes and SDKs.
 */
export interface TaskContext {
  /** The task id to continue. */
  task_id: string;
  /** The task's name. */
  task_name: string;
  /** The task's project. */
  project: string;
  /** W3C carrier: `traceparent`, and `tracestate` and `baggage` when present. */
  trace_context: TraceCarrier;
}

/**
 * Captures the current task (or `task`) for continuation elsewhere.
 *
 * @param task The task (default the current one).
 * @returns The context, or undefined outside a task or when `task` is not a task (reported
 *   once).
 * @example
 * ```ts
 * import { continueTask, getTaskContext, run } from "@tracelet/tracelet";
 * const ctx = run("origin", {}, () => getTaskContext());
 * // … send ctx to a worker, then there:
 * continueTask(ctx!, (task) => task.logMetric("remote_score", 0.88));
 * ```
 */
export function getTaskContext(
  task: TaskSpan | undefined = getCurrentTask(),
): TaskContext | undefined {
  if (task === undefined) {
    reportOnce(
      "outside_task:getTaskContext",
      "warn",
      "outside_task",
      "getTaskContext() was called outside of a task or run",
    );
    return undefined;
  }
  if (!isInstance(task, TaskSpan)) {
    reportOnce(
      "task_context_not_task",
      "warn",
      "invalid_task_options",
      "getTaskContext() was given something that is not a task",
    );
    return undefined;
  }
  const carrier: TraceCarrier = injectTraceContext(task.spanContext()) ?? {};
  if (task.baggage !== undefined) carrier.baggage = task.baggage;
  return {
    task_id: task.taskId,
    task_name: task.name,
    project: task.project,
    trace_context: carrier,
  };
}

/**
 * Checks a task context strictly.
 *
 * @param value A received context.
 * @returns The same value, typed.
 * @throws {TracerError} `INVALID_TRACE_CONTEXT` when the task id, project, `traceparent`,
 *   `tracestate` or `baggage` is missing or malformed, or the context cannot be read.
 */
export function validateTaskContext(value: unknown): TaskContext {
  let problem: string | undefined;
  try {
    problem = contextProblem(value);
  } catch {
    problem = "the context cannot be read";
  }
  if (problem !== undefined) {
    throw new TracerError("INVALID_TRACE_CONTEXT", `Cannot continue task: ${problem}`);
  }
  return value as TaskContext;
}

/** What is wrong with a received context, or undefined when it is valid. */
function contextProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "the context is not an object";
  const ctx = value as Partial<TaskContext>;
  if (typeof ctx.task_id !== "string" || ctx.task_id === "") {
    return "task_id must be a non-empty string";
  }
  if (ctx.project !== undefined && typeof ctx.project !== "string") {
    return "project must be a string";
  }
  const carrier = ctx.trace_context;
  if (typeof carrier !== "object" || carrier === null) return "trace_context is missing";
  if (parseTraceparent(carrier.traceparent) === undefined) return "traceparent is malformed";
  if (carrier.tracestate !== undefined && parseTracestate(carrier.tracestate) === undefined) {
    return "tracestate is malformed";
  }
  if (carrier.baggage !== undefined && parseBaggage(carrier.baggage) === undefined) {
    return "baggage is malformed";
  }
  return undefined;
}

/**
 * Continues a task received from another process: a `task_fragment` task with the same task id
 * and project, child of the remote span, and the root of its own run (its JSONL goes to
 * `projects/<project>/<task id>/spans.jsonl`).
 *
 * @param context The received context.
 * @param fn The body (the fragment is current inside it and ends after it).
 * @returns The body's result, or the started fragment.
 */
export function continueTask<R>(context: TaskContext, fn: TaskBody<R>): R;
/**
 * Starts the continuing `task_fragment` task without making it current; end it yourself.
 *
 * @param context The received context.
 * @returns The started fragment.
 */
export function continueTask(context: TaskContext): TaskSpan;
export function continueTask<R>(context: TaskContext, fn?: TaskBody<R>): R | TaskSpan {
  const task = startFragmentOf(TaskSpan, context);
  return fn === undefined ? task : runTask(task, fn);
}
