/**
 * Creating tasks: resolves the parent task, the project, the task and run ids, and starts the
 * underlying span with the task's identity attributes (`dreadnode.project`, `dreadnode.run.id`,
 * `dreadnode.task.id`, `dreadnode.task.parent_id`).
 *
 * @module
 */
import { ATTR_PROJECT, ATTR_RUN_ID } from "../attribute_keys.ts";
import { reportOnce } from "../diagnostics.ts";
import { newUuid } from "../ids.ts";
import type { SpanType } from "../span_types.ts";
import type { SpanContext, SpanKind } from "../types.ts";
import { taskEnv } from "./_env.ts";
import { getCurrentTask } from "./task_context.ts";
import { TaskSpan } from "./task_span.ts";
import type { TaskArguments } from "./task_span.ts";

/** Attribute key of a task's own id (tracelet addition; dreadnode exports only the run id). */
export const ATTR_TASK_ID = "dreadnode.task.id";
/** Attribute key of the parent task's id. */
export const ATTR_TASK_PARENT_ID = "dreadnode.task.parent_id";

/** Options of `taskSpan` (and the base of the other task factories). */
export interface TaskSpanOptions {
  /** Span type (default `task`). */
  type?: SpanType;
  /** Label (cleaned); default the name. */
  label?: string;
  /** Tags (cleaned, de-duplicated). */
  tags?: string | readonly string[];
  /** Extra span attributes. */
  attributes?: Record<string, unknown>;
  /** Project of a root task (a child always uses its parent's). Default: the configured one. */
  project?: string;
  /** The task id (default a new UUID). */
  taskId?: string;
  /** The parent task; `null` starts a root task in a new trace. Default: the current task. */
  parent?: TaskSpan | null;
  /** Params logged at start. */
  params?: Record<string, unknown>;
  /** Inputs logged at start. */
  inputs?: Record<string, unknown>;
  /** Span kind (default `INTERNAL`). */
  kind?: SpanKind;
}

/** Extra inputs of {@linkcode startTask} used by task continuation and `task()`. */
export interface StartTaskExtras {
  /** A remote parent span context (continued tasks). */
  remoteParent?: SpanContext;
  /** Function-call arguments. */
  arguments?: TaskArguments;
}

/**
 * A 32-hex run id (a UUID v4 without dashes, like dreadnode's `run()`).
 *
 * @returns The id.
 */
export function newRunId(): string {
  return newUuid().replace(/-/g, "");
}

/**
 * Starts a task span (not made current; see `runTask` / `inContext`).
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
  const env = taskEnv();
  const parent = options.parent === undefined ? getCurrentTask() : options.parent ?? undefined;
  let project = parent?.project ?? options.project ?? env.project;
  if (parent !== undefined && options.project !== undefined && options.project !== parent.project) {
    reportOnce(
      "task_project_ignored",
      "warn",
      "task_project_ignored",
      `Task ${name} runs inside project ${parent.project}: a child task keeps its run's project`,
    );
  }
  if (typeof project !== "string" || project === "") project = "default";
  const taskId = options.taskId !== undefined && options.taskId !== ""
    ? String(options.taskId)
    : newUuid();
  const runId = parent?.runId ?? taskId;
  const spanParent = extras.remoteParent ??
    (options.parent === null ? null : options.parent?.span);
  const span = env.tracer.startSpan(name, {
    parent: spanParent,
    kind: options.kind,
    type: options.type ?? "task",
    label: options.label ?? name,
    tags: options.tags,
    attributes: {
      ...options.attributes,
      [ATTR_PROJECT]: project,
      [ATTR_RUN_ID]: runId,
      [ATTR_TASK_ID]: taskId,
      [ATTR_TASK_PARENT_ID]: parent?.taskId,
    },
  });
  const task = new TaskSpan({
    span,
    taskId,
    runId,
    project,
    parent,
    storage: parent?.storage ?? env.storage,
    files: env.files,
    arguments: extras.arguments,
  });
  if (options.inputs !== undefined) {
    for (const key of Object.keys(options.inputs)) task.logInput(key, options.inputs[key]);
  }
  if (options.params !== undefined) task.logParams(options.params);
  return task;
}
