/**
 * Module-level span factories in dreadnode's style: `taskSpan`, `run`, `taskAndRun`, `span` and
 * `bindSessionId`. JavaScript has no `with`, so each factory has a **callback form** that makes the
 * task current for the callback (and everything it awaits, with AsyncLocalStorage), ends it when
 * the callback returns or settles, records a thrown error and rethrows it; and a **plain form**
 * returning a started task that is not current, for `using` blocks or explicit `parent:` wiring.
 *
 * @module
 */
import { ATTR_SESSION_ID } from "../attribute_keys.ts";
import { contextWithAttributes } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { type Adopted, runInContext } from "../context/run_in_context.ts";
import { report } from "../diagnostics.ts";
import type { Span } from "../span.ts";
import type { SpanType } from "../span_types.ts";
import { taskEnv } from "./_env.ts";
import { readUserOptions } from "./_read.ts";
import { isInstance } from "../safe_read.ts";
import { safeString } from "../safe_string.ts";
import { newRunId, startTask, TASK_OPTION_KEYS } from "./start.ts";
import type { TaskSpanOptions } from "./start.ts";
import { getCurrentTask, runTask } from "./task_context.ts";
import { TaskSpan } from "./task_span.ts";

/** A callback run inside a task. */
export type TaskBody<R> = (task: TaskSpan) => R;

function split<O, R>(
  optionsOrFn: O | TaskBody<R> | undefined,
  fn: TaskBody<R> | undefined,
): [O | undefined, TaskBody<R> | undefined] {
  return typeof optionsOrFn === "function"
    ? [undefined, optionsOrFn as TaskBody<R>]
    : [optionsOrFn, fn];
}

/**
 * Creates a task span. With a callback, runs it with the task current and ends the task;
 * without, returns the started task, not current (end it, or declare it with `using`; the module
 * functions such as `logInput` inside a `using` block still log to the enclosing task: log on the
 * task itself, or use the callback form, the port of dreadnode's `with task_span(...) as t:`).
 *
 * @param name The span name.
 * @param options Type, label, tags, attributes, project, parent, params, inputs.
 * @param fn The body.
 * @returns The body's result, or the started task.
 * @example
 * ```ts
 * import { logInput, logOutput, taskSpan } from "@tracelet/tracelet";
 * const status = await taskSpan("data-prep", { tags: ["etl"] }, async () => {
 *   logInput("rows", 250);
 *   logOutput("status", "ok");
 *   return "ok";
 * });
 * ```
 */
export function taskSpan<R>(name: string, fn: TaskBody<R>): R;
/**
 * Creates a task span with options and runs `fn` with it current; the task ends when `fn`
 * settles (an error is recorded and rethrown).
 *
 * @param name The span name.
 * @param options Type, label, tags, attributes, project, parent, params, inputs.
 * @param fn The body.
 * @returns The body's result.
 */
export function taskSpan<R>(name: string, options: TaskSpanOptions, fn: TaskBody<R>): R;
/**
 * Starts a task span without making it current; end it yourself, or declare it with `using`
 * (module functions such as `logInput` still log to the enclosing task: call `task.logInput`, or
 * `task.inContext(fn)`).
 *
 * @param name The span name.
 * @param options Type, label, tags, attributes, project, parent, params, inputs.
 * @returns The started task.
 */
export function taskSpan(name: string, options?: TaskSpanOptions): TaskSpan;
export function taskSpan<R>(
  name: string,
  optionsOrFn?: TaskSpanOptions | TaskBody<R>,
  maybeFn?: TaskBody<R>,
): R | TaskSpan {
  const [options, fn] = split(optionsOrFn, maybeFn);
  const task = startTask(name, options);
  return fn === undefined ? task : runTask(task, fn);
}

/** Options of {@linkcode run}. */
export interface RunOptions extends Omit<TaskSpanOptions, "taskId"> {
  /** Prefix of the generated name when no name is given. Default `run`. */
  namePrefix?: string | undefined;
}

const RUN_OPTION_KEYS = [
  ...TASK_OPTION_KEYS.filter((key) => key !== "taskId"),
  "namePrefix",
] as (keyof RunOptions)[];

function generatedName(prefix: unknown): string {
  const n = crypto.getRandomValues(new Uint16Array(1))[0] % 900 + 100;
  return `${prefix === undefined ? "run" : safeString(prefix)}-${n}`;
}

/**
 * Starts a run: a root task whose 32-hex task id is the run id shared by its `spans.jsonl` and
 * `artifacts.jsonl` under `projects/<project>/<run id>/`. Inside another task it becomes a child
 * and shares that run (as in dreadnode).
 *
 * @param name The run name (default `<namePrefix>-<100..999>`).
 * @param options Project, tags, params, inputs, attributes, ….
 * @param fn The body.
 * @returns The body's result, or the started run.
 * @example
 * ```ts
 * import { run } from "@tracelet/tracelet";
 * await run("experiment-1", { project: "my-project", tags: ["baseline"] }, async (r) => {
 *   r.logParam("model", "gpt-4o");
 *   r.logInput("prompt", "Hello");
 *   r.logOutput("result", "World");
 *   r.logMetric("score", 0.95);
 * });
 * ```
 */
export function run<R>(fn: TaskBody<R>): R;
/**
 * Runs `fn` as a run named `name` (generated when undefined); the run ends when `fn` settles.
 *
 * @param name The run name, or undefined for `run-<100..999>`.
 * @param fn The body.
 * @returns The body's result.
 */
export function run<R>(name: string | undefined, fn: TaskBody<R>): R;
/**
 * Runs `fn` as a run with options; the run ends when `fn` settles.
 *
 * @param name The run name, or undefined for `<namePrefix>-<100..999>`.
 * @param options Project, tags, params, inputs, attributes, ….
 * @param fn The body.
 * @returns The body's result.
 */
export function run<R>(name: string | undefined, options: RunOptions, fn: TaskBody<R>): R;
/**
 * Starts a run without making it current; end it yourself, or declare it with `using`.
 *
 * @param name The run name (default `<namePrefix>-<100..999>`).
 * @param options Project, tags, params, inputs, attributes, ….
 * @returns The started run.
 */
export function run(name?: string, options?: RunOptions): TaskSpan;
export function run<R>(
  nameOrFn?: string | TaskBody<R>,
  optionsOrFn?: RunOptions | TaskBody<R>,
  maybeFn?: TaskBody<R>,
): R | TaskSpan {
  if (typeof nameOrFn === "function") return run(undefined, {}, nameOrFn);
  const [given, fn] = split(optionsOrFn, maybeFn);
  const { namePrefix, ...options } = readUserOptions(given, RUN_OPTION_KEYS, "run()");
  const task = startTask(nameOrFn ?? generatedName(namePrefix), {
    ...options,
    taskId: newRunId(),
  });
  return fn === undefined ? task : runTask(task, fn);
}

/** Options of {@linkcode taskAndRun}. */
export interface TaskAndRunOptions extends Omit<TaskSpanOptions, "type" | "taskId"> {
  /** The task's name (default the run name). */
  taskName?: string | undefined;
  /** The task's type (default `task`). */
  taskType?: SpanType | undefined;
}

const TASK_AND_RUN_OPTION_KEYS: readonly (keyof TaskAndRunOptions)[] = [
  ...TASK_OPTION_KEYS.filter((key) => key !== "type" && key !== "taskId"),
  "taskName",
  "taskType",
] as (keyof TaskAndRunOptions)[];

/**
 * A task that is also the run when no task is current: the task's own id is then the run id
 * (one id for `spans.jsonl` and `artifacts.jsonl`, and `project` is honoured — both were broken
 * in dreadnode). Inside a task it is an ordinary child task.
 *
 * @param name The run name.
 * @param options Task name and type, project, tags, params, inputs, label.
 * @param fn The body.
 * @returns The body's result, or the started task.
 * @example
 * ```ts
 * import { logInput, logMetric, taskAndRun } from "@tracelet/tracelet";
 * taskAndRun("eval-run", { taskName: "scoring", taskType: "evaluation" }, () => {
 *   logInput("dataset", "test-v2");
 *   logMetric("accuracy", 0.92);
 * });
 * ```
 */
export function taskAndRun<R>(name: string, fn: TaskBody<R>): R;
/**
 * Runs `fn` in a task that is also the run when no task is current; it ends when `fn` settles.
 *
 * @param name The run name.
 * @param options Task name and type, project, tags, params, inputs, label.
 * @param fn The body.
 * @returns The body's result.
 */
export function taskAndRun<R>(name: string, options: TaskAndRunOptions, fn: TaskBody<R>): R;
/**
 * Starts a task that is also the run when no task is current, without making it current.
 *
 * @param name The run name.
 * @param options Task name and type, project, tags, params, inputs, label.
 * @returns The started task.
 */
export function taskAndRun(name: string, options?: TaskAndRunOptions): TaskSpan;
export function taskAndRun<R>(
  name: string,
  optionsOrFn?: TaskAndRunOptions | TaskBody<R>,
  maybeFn?: TaskBody<R>,
): R | TaskSpan {
  const [given, fn] = split(optionsOrFn, maybeFn);
  const { taskName, taskType, ...rest } = readUserOptions(
    given,
    TASK_AND_RUN_OPTION_KEYS,
    "taskAndRun()",
  );
  const root = rest.parent === null ||
    (!isInstance(rest.parent, TaskSpan) && getCurrentTask() === undefined);
  const task = startTask(taskName ?? name, {
    ...rest,
    type: taskType,
    taskId: root ? newRunId() : undefined,
  });
  return fn === undefined ? task : runTask(task, fn);
}

/** Options of {@linkcode span}. */
export interface SpanOptions {
  /** Tags. */
  tags?: string | readonly string[] | undefined;
  /** Attributes. */
  attributes?: Record<string, unknown> | undefined;
  /** Label. */
  label?: string | undefined;
  /** Type (default `span`). */
  type?: SpanType | undefined;
}

const SPAN_OPTION_KEYS: readonly (keyof SpanOptions)[] = ["tags", "attributes", "label", "type"];

/**
 * A lightweight span for timing and tags (no task state). Inside a run it carries the run id and
 * project, so it is written to the run's `spans.jsonl`.
 *
 * @param name The span name.
 * @param options Tags, attributes, label, type.
 * @param fn The body (the span is active for it and ends after it).
 * @returns The body's result, or the started span.
 * @example
 * ```ts
 * import { span } from "@tracelet/tracelet";
 * span("cache-warmup", { tags: ["cache"] }, (s) => s.setAttribute("entries", 10));
 * ```
 */
export function span<R>(name: string, fn: (span: Span) => R): R;
/**
 * Runs `fn` in a lightweight span with options; the span is active for `fn` and ends after it.
 *
 * @param name The span name.
 * @param options Tags, attributes, label, type (default `span`).
 * @param fn The body.
 * @returns The body's result.
 */
export function span<R>(name: string, options: SpanOptions, fn: (span: Span) => R): R;
/**
 * Starts a lightweight span without making it active; end it yourself.
 *
 * @param name The span name.
 * @param options Tags, attributes, label, type (default `span`).
 * @returns The started span.
 */
export function span(name: string, options?: SpanOptions): Span;
export function span<R>(
  name: string,
  optionsOrFn?: SpanOptions | ((span: Span) => R),
  maybeFn?: (span: Span) => R,
): R | Span {
  const fn = typeof optionsOrFn === "function" ? optionsOrFn : maybeFn;
  const given = typeof optionsOrFn === "function" ? undefined : optionsOrFn;
  const options = readUserOptions(given, SPAN_OPTION_KEYS, "span()");
  const tracer = taskEnv().tracer;
  const s = tracer.startSpan(name, {
    type: typeof options.type === "string" ? options.type : "span",
    label: options.label,
    tags: options.tags,
    attributes: options.attributes,
  });
  return fn === undefined ? s : tracer.runInSpan(s, fn);
}

/**
 * Binds a session id to every span started inside `fn` (stamped when each span starts, as
 * `dreadnode.session.id`), routing their lines to `sessions/<id>/chat_<id>.jsonl`. Nesting
 * restores the outer id afterwards.
 *
 * @param sessionId The session id (a non-empty string).
 * @param fn The scope.
 * @returns What `fn` returned; a thenable that is no promise as a native promise following it,
 *   adopted inside the scope (the work a lazy thenable's `then` starts gets the id too).
 * @example
 * ```ts
 * import { bindSessionId, logInput, logOutput, taskSpan } from "@tracelet/tracelet";
 * bindSessionId("session_123", () =>
 *   taskSpan("chat:turn-1", {}, () => {
 *     logInput("prompt", "Hi");
 *     logOutput("response", "Hello!");
 *   }));
 * ```
 */
export function bindSessionId<R>(sessionId: string, fn: () => R): Adopted<R> {
  const manager = getContextManager();
  if (typeof sessionId !== "string" || sessionId === "") {
    report("warn", "invalid_session_id", "Cannot bind session id: it must be a non-empty string");
    return runInContext(manager.active(), fn); // what it returns, adopted as with an id
  }
  // A lazy thenable `fn` returns is adopted inside the scope: the work its `then` starts gets the id.
  return runInContext(
    contextWithAttributes(manager.active(), { [ATTR_SESSION_ID]: sessionId }),
    fn,
  );
}
