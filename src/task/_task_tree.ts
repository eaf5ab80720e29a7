/**
 * The identity and hierarchy half of a `TaskSpan`: task, run and project ids, the parent task,
 * child tasks (registered when a child starts) and the nearest agent / evaluation / study ids.
 *
 * @internal
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import type { Span } from "../span.ts";
import { SpanFacade } from "./_span_facade.ts";

/** Attribute key of a task's own id (tracelet addition; dreadnode exports only the run id). */
export const ATTR_TASK_ID = "dreadnode.task.id";
/** Attribute key of the parent task's id. */
export const ATTR_TASK_PARENT_ID = "dreadnode.task.parent_id";

/** The most direct children a task remembers (all still export; only the in-memory list stops). */
export const MAX_CHILD_TASKS = 10_000;

function nearest(start: TaskTree<never> | undefined, type: string): string | undefined {
  for (let t = start; t !== undefined; t = t.parentTask) {
    if (t.type === type) return t.taskId;
  }
  return undefined;
}

/** A task's place in its run. */
export abstract class TaskTree<T extends TaskTree<T>> extends SpanFacade {
  /** This task's id (a UUID; 32 hex for `run` roots). */
  readonly taskId: string;
  /** The root task's id, shared by every task of the run. */
  readonly runId: string;
  /** The project (routes JSONL and artifacts). */
  readonly project: string;
  /** The parent task, if any. */
  readonly parentTask: T | undefined;
  readonly #children: T[] = [];

  /**
   * @param span The started span.
   * @param ids Task id, run id, project.
   * @param parent The parent task; this task registers itself as its child.
   */
  constructor(
    span: Span,
    ids: { taskId: string; runId: string; project: string },
    parent: T | undefined,
  ) {
    super(span);
    this.taskId = ids.taskId;
    this.runId = ids.runId;
    this.project = ids.project;
    this.parentTask = parent;
    if (parent === undefined) return;
    const siblings = parent.#children;
    if (siblings.length < MAX_CHILD_TASKS) siblings.push(this as unknown as T);
    else {
      reportOnce(
        "task_children_full",
        "warn",
        "task_children_full",
        `Task ${parent.name} keeps at most ${MAX_CHILD_TASKS} child tasks in memory`,
      );
    }
  }

  /** The root task's id (same as `runId`). */
  get rootId(): string {
    return this.runId;
  }
  /** The parent task's id, or `""` for a root. */
  get parentTaskId(): string {
    return this.parentTask?.taskId ?? "";
  }
  /** Direct child tasks, in start order. */
  get tasks(): readonly T[] {
    return this.#children;
  }
  /** All descendant tasks, depth-first pre-order. */
  get allTasks(): T[] {
    const out: T[] = [];
    // An explicit stack, not recursion: a chain of many thousand nested tasks must not overflow.
    // Children are pushed in reverse so they are visited in order.
    const stack: T[] = [...this.#children].reverse();
    while (stack.length > 0) {
      const task = stack.pop()!;
      out.push(task);
      const children = task.#children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
    return out;
  }
  /** Task id of the nearest `agent` task, this one included. */
  get agentId(): string | undefined {
    return nearest(this as unknown as TaskTree<never>, "agent");
  }
  /** Task id of the nearest `evaluation` task, this one included. */
  get evalId(): string | undefined {
    return nearest(this as unknown as TaskTree<never>, "evaluation");
  }
  /** Task id of the nearest `study` task, this one included. */
  get studyId(): string | undefined {
    return nearest(this as unknown as TaskTree<never>, "study");
  }
}
