/**
 * How a task starts, given the task class: resolves the parent task, the project, the task and
 * run ids, and starts the underlying span with the task's identity attributes
 * (`dreadnode.project`, `dreadnode.run.id`, `dreadnode.task.id`, `dreadnode.task.parent_id`).
 * The class is a parameter so that `TaskSpan` itself can start tasks (`TaskSpan.fromContext`)
 * without an import cycle; {@linkcode startTask} in `start.ts` is the public form.
 *
 * @module
 */
import { ATTR_PROJECT, ATTR_RUN_ID } from "../attribute_keys.ts";
import { reportOnce } from "../diagnostics.ts";
import { newUuid } from "../ids.ts";
import type { SpanType } from "../span_types.ts";
import type { SpanContext, SpanKind } from "../types.ts";
import { setOwn } from "../own_property.ts";
import { taskEnv } from "./_env.ts";
import { readRecord, readUserOptions } from "./_read.ts";
import { isInstance } from "../safe_read.ts";
import { safeString } from "../safe_string.ts";
import { ATTR_TASK_ID, ATTR_TASK_PARENT_ID } from "./_task_tree.ts";
import { getCurrentTask } from "./task_context.ts";
import type { TaskArguments, TaskSpan } from "./task_span.ts";
import type { MetricEntry } from "./_task_state.ts";

const SPAN_KINDS: readonly SpanKind[] = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/** Options of `taskSpan` (and the base of the other task factories). */
export interface TaskSpanOptions {
  /** Span type (default `task`). */
  type?: SpanType | undefined;
  /** Label (cleaned); default (also when empty) the name. */
  label?: string | undefined;
  /** Tags (cleaned, de-duplicated). */
  tags?: string | readonly string[] | undefined;
  /** Extra span attributes. */
  attributes?: Record<string, unknown> | undefined;
  /** Project of a root task (a child always uses its parent's). Default: the configured one. */
  project?: string | undefined;
  /** The task id (default a new UUID). */
  taskId?: string | undefined;
  /** The parent task; `null` starts a root task in a new trace. Default: the current task. */
  parent?: TaskSpan | null | undefined;
  /** Params logged at start: an object or a `Map` with string keys. */
  params?: Record<string, unknown> | ReadonlyMap<string, unknown> | undefined;
  /** Inputs logged at start: an object or a `Map` with string keys. */
  inputs?: Record<string, unknown> | ReadonlyMap<string, unknown> | undefined;
  /**
   * Metrics logged at start, as `logMetrics` takes them: `{name: value}` (an object or a `Map`)
   * or a list of entries (dreadnode's `TaskSpan(metrics=…)`).
   */
  metrics?:
    | Readonly<Record<string, number | boolean>>
    | ReadonlyMap<string, number | boolean>
    | readonly MetricEntry[]
    | undefined;
  /** Span kind (default `INTERNAL`). */
  kind?: SpanKind | undefined;
}

/** Extra inputs of `startTask` used by task continuation and `task()`. */
export interface StartTaskExtras {
  /** A remote parent span context (continued tasks). */
  remoteParent?: SpanContext | undefined;
  /** Function-call arguments. */
  arguments?: TaskArguments | undefined;
  /** A W3C `baggage` header received with a continued task (inherited by child tasks). */
  baggage?: string | undefined;
}

/** Every field of {@linkcode TaskSpanOptions}, read once each from what the caller passed. */
export const TASK_OPTION_KEYS: readonly (keyof TaskSpanOptions)[] = [
  "type",
  "label",
  "tags",
  "attributes",
  "project",
  "taskId",
  "parent",
  "params",
  "inputs",
  "metrics",
  "kind",
];

/**
 * Starts a task of class `Task`: {@linkcode startTask} in `start.ts` (whose JSDoc states the
 * rules) with the class given.
 *
 * @param Task The task class (`TaskSpan`).
 * @param name The span name.
 * @param options Type, label, tags, project, parent, ….
 * @param extras Remote parent and call arguments.
 * @returns The running task.
 */
export function startTaskOf(
  Task: typeof TaskSpan,
  name: string,
  options: TaskSpanOptions = {},
  extras: StartTaskExtras = {},
): TaskSpan {
  const o = readUserOptions(options, TASK_OPTION_KEYS, "taskSpan()");
  const taskName = safeString(name);
  const env = taskEnv();
  const chosen = taskParent(Task, o.parent);
  const parent = chosen === undefined ? getCurrentTask() : chosen ?? undefined;
  let project = parent?.project ?? o.project ?? env.project;
  if (parent !== undefined && o.project !== undefined && o.project !== parent.project) {
    reportOnce(
      "task_project_ignored",
      "warn",
      "task_project_ignored",
      `Task ${taskName} runs inside project ${parent.project}: a child task keeps its run's project`,
    );
  }
  if (typeof project !== "string" || project === "") project = "default";
  const taskId = o.taskId !== undefined && o.taskId !== "" ? safeString(o.taskId) : newUuid();
  const runId = parent?.runId ?? taskId;
  const span = env.tracer.startSpan(taskName, {
    parent: extras.remoteParent ?? (chosen === null ? null : chosen?.span),
    kind: SPAN_KINDS.includes(o.kind as SpanKind) ? o.kind : undefined,
    type: typeof o.type === "string" ? o.type : "task",
    label: o.label || taskName, // dreadnode: `label or name`
    tags: o.tags,
    attributes: startAttributes(
      { [ATTR_PROJECT]: project, [ATTR_RUN_ID]: runId, [ATTR_TASK_ID]: taskId },
      parent?.taskId,
      readRecord(o.attributes, "task attributes"),
    ),
  });
  const task = new Task({
    span,
    taskId,
    runId,
    project,
    parent,
    storage: parent?.storage ?? env.storage,
    files: env.files,
    arguments: extras.arguments,
    baggage: extras.baggage ?? parent?.baggage,
  });
  const inputs = readRecord(o.inputs, "task inputs");
  for (const key of Object.keys(inputs)) task.logInput(key, inputs[key]);
  if (o.params !== undefined) task.logParams(o.params);
  if (o.metrics !== undefined) task.logMetrics(o.metrics);
  return task;
}

/**
 * A task's attributes at start: its identity first, so that the span's attribute count limit
 * never drops it (it routes the task's line to its run), then the caller's attributes, which
 * cannot override it.
 */
function startAttributes(
  identity: Record<string, string>,
  parentId: string | undefined,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...identity };
  if (parentId !== undefined) out[ATTR_TASK_PARENT_ID] = parentId;
  for (const key of Object.keys(given)) if (!Object.hasOwn(out, key)) setOwn(out, key, given[key]);
  return out;
}

/**
 * The `parent` option: a task, `null` (a new root) or `undefined` (the current task). Anything
 * else is reported and read as `undefined`.
 */
function taskParent(Task: typeof TaskSpan, parent: unknown): TaskSpan | null | undefined {
  if (parent === undefined || parent === null || isInstance(parent, Task)) return parent;
  reportOnce(
    "task_parent",
    "warn",
    "invalid_task_options",
    "The parent option is not a task (nor null): the task starts under the current task",
  );
  return undefined;
}
