/**
 * Starting the `task_fragment` task that continues a task received from another process: reads
 * the received {@linkcode TaskContext} leniently (every problem reported, none thrown) and starts
 * the fragment under the remote span.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { taskEnv } from "./_env.ts";
import { readUserOptions } from "./_read.ts";
import { startTaskOf } from "./_task_start.ts";
import { limitBaggage, parseBaggage } from "./baggage.ts";
import type { TaskContext } from "./continuation.ts";
import type { TaskSpan } from "./task_span.ts";
import { extractTraceContext } from "./trace_context.ts";
import type { TraceCarrier } from "./trace_context.ts";

const CONTEXT_KEYS: readonly (keyof TaskContext)[] = [
  "task_id",
  "task_name",
  "project",
  "trace_context",
];

/**
 * The `baggage` of a received carrier that can be passed on: undefined when there is none or it
 * is invalid; members past the W3C limits dropped. Problems are reported.
 */
function receivedBaggage(carrier: unknown): string | undefined {
  let header: unknown = null; // Unreadable: invalid.
  try {
    header = typeof carrier === "object" && carrier !== null
      ? (carrier as TraceCarrier).baggage
      : undefined;
  } catch {
    // A throwing getter or a revoked proxy.
  }
  if (header === undefined) return undefined;
  const members = parseBaggage(header);
  if (members === undefined) {
    report(
      "warn",
      "invalid_trace_context",
      "Cannot use the received trace context (invalid baggage discarded); continuing without it",
    );
    return undefined;
  }
  const { header: kept, dropped } = limitBaggage(members);
  if (dropped > 0) {
    report(
      "warn",
      "invalid_trace_context",
      `Cannot use all of the received baggage: ${dropped} member(s) past the W3C limits (64 members, 8192 bytes) dropped`,
    );
  }
  return kept;
}

/**
 * Starts the `task_fragment` task of class `Task` continuing a received context (the body of
 * `continueTask`, with the class given so that `TaskSpan.fromContext` needs no import cycle).
 * Never throws: problems are reported and the fragment starts without what was invalid.
 *
 * @param Task The task class (`TaskSpan`).
 * @param context The received context.
 * @returns The started fragment (not current).
 */
export function startFragmentOf(Task: typeof TaskSpan, context: TaskContext): TaskSpan {
  const ctx = readUserOptions(context, CONTEXT_KEYS, "continueTask()");
  const taskId = typeof ctx.task_id === "string" && ctx.task_id !== "" ? ctx.task_id : undefined;
  if (taskId === undefined) {
    report(
      "warn",
      "invalid_trace_context",
      "Cannot continue task: task_id is missing; starting a new task",
    );
  }
  const extracted = extractTraceContext(ctx.trace_context);
  for (const problem of extracted.problems) {
    report(
      "warn",
      "invalid_trace_context",
      `Cannot use the received trace context (${problem}); ${
        extracted.context ? "continuing without it" : "starting a new trace"
      }`,
    );
  }
  const project = typeof ctx.project === "string" && ctx.project !== ""
    ? ctx.project
    : taskEnv().project;
  const name = `task.${taskId ?? "unknown"}.fragment`;
  return startTaskOf(Task, name, {
    type: "task_fragment",
    label: typeof ctx.task_name === "string" && ctx.task_name !== "" ? ctx.task_name : name,
    taskId,
    project,
    parent: null,
  }, { remoteParent: extracted.context, baggage: receivedBaggage(ctx.trace_context) });
}
