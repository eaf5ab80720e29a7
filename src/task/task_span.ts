/**
 * `TaskSpan`: a real tracelet span plus dreadnode's task state — params, inputs and outputs as
 * content-addressed objects, metrics, artifacts and child tasks. The state lives in memory while
 * the task runs and is written onto the span, in dreadnode's wire schema, when the task ends.
 *
 * @module
 */
import { nowNs } from "../clock.ts";
import type { TimeInput } from "../clock.ts";
import type { LocalFiles } from "../config_state.ts";
import { type Adopted, runInContext } from "../context/run_in_context.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { trackWrites, WRITE_WAIT_MS } from "../pending_writes.ts";
import type { Span } from "../span.ts";
import type { TraceStorage } from "../storage/types.ts";
import { TaskData } from "./_task_data.ts";
import type { DroppedCounts } from "./_task_data.ts";
import { readUserOptions } from "./_read.ts";
import {
  logMetricTo,
  METRIC_OPTION_HINTS,
  METRIC_OPTION_KEYS,
  metricEntries,
  stateAttributes,
} from "./_task_state.ts";
import type { LogMetricOptions, MetricEntry } from "./_task_state.ts";
import { logArtifactTo } from "./artifacts.ts";
import type {
  ArtifactRecord,
  ArtifactSource,
  DirectoryArtifact,
  LogArtifactOptions,
} from "./artifacts.ts";
import type { Metric } from "./metric_point.ts";
import type { MetricSeries } from "./metrics.ts";
import { TaskMetrics } from "./_task_metrics.ts";
import { contextForTask } from "./task_context.ts";
import { writeTaskState } from "./_state_writer.ts";
import { startFragmentOf } from "./_fragment_start.ts";
import { recordableThrown } from "./_thrown_value.ts";
import type { TaskContext } from "./continuation.ts";

export type { LogObjectRefOptions, TaskObject } from "./_task_data.ts";
export { MAX_CHILD_TASKS } from "./_task_tree.ts";

/** What a task did not keep: {@linkcode DroppedCounts}, plus the metric points it rejected. */
export interface TaskDroppedCounts extends DroppedCounts {
  /**
   * Metric points rejected as invalid (`metric_invalid`, reported once per metric name): a value
   * that is not a finite number, boolean or BigInt (NaN, ±Infinity, a string), a running
   * aggregate that would not be finite, or attributes without a JSON form.
   */
  readonly metricInvalid: number;
}

/** Bound call arguments of a function task. */
export interface TaskArguments {
  /** Positional arguments as passed. */
  readonly args: readonly unknown[];
  /**
   * Parameter names, one per argument (best effort: from the function source, else `arg<i>`);
   * the arguments a rest parameter gathers all carry its name.
   */
  readonly names: readonly string[];
}

/** Everything needed to create a task (use `taskSpan`, `run`, … instead). @internal */
export interface TaskSpanInit {
  readonly span: Span;
  readonly taskId: string;
  readonly runId: string;
  readonly project: string;
  readonly parent: TaskSpan | undefined;
  readonly storage: TraceStorage | undefined;
  readonly files: LocalFiles | undefined;
  readonly arguments?: TaskArguments | undefined;
  readonly baggage?: string | undefined;
}

/**
 * A task span. Create one with `taskSpan`, `run`, `taskAndRun` or `task`; it is a real span
 * (`task.span`) seen by every processor, and it never throws.
 *
 * @example
 * ```ts
 * import { taskSpan } from "@tracelet/tracelet";
 * taskSpan("data-prep", { tags: ["etl"] }, (span) => {
 *   span.logInput("rows", 250);
 *   span.logMetric("latency_ms", 112, { step: 1 });
 *   span.logOutput("status", "ok");
 * });
 * ```
 */
export class TaskSpan extends TaskData<TaskSpan> {
  /** Bound call arguments when created by `task()`. */
  readonly arguments: TaskArguments | undefined;
  /**
   * The W3C `baggage` header received with a continued task (`continueTask`), inherited by its
   * child tasks and sent on by `getTaskContext`; undefined otherwise.
   */
  readonly baggage: string | undefined;
  readonly #files: LocalFiles | undefined;
  readonly #metrics = new TaskMetrics();
  readonly #artifacts: ArtifactRecord[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  /** Child tasks that end once their writes settle: their end times and when they end. */
  readonly #ending = new Map<TaskSpan, { readonly time: number; readonly done: Promise<void> }>();
  #output: unknown;
  /**
   * The last exception recorded through this task while it ran, as thrown. Only the task holds
   * it: its span, queued for export after it ends, keeps plain data ({@linkcode Span.exception}).
   */
  #thrown: { readonly value: unknown } | undefined;

  /**
   * Wraps a started span as a task; prefer `taskSpan`, `run` or `task`.
   *
   * @param init Construction data.
   */
  constructor(init: TaskSpanInit) {
    super(init.span, init, init.parent, init.storage);
    this.arguments = init.arguments;
    this.baggage = init.baggage;
    this.#files = init.files;
  }

  /** Metric points and new metric names dropped by the metric caps (see `droppedCounts`). */
  protected override get droppedMetrics(): { readonly points: number; readonly series: number } {
    return { points: this.#metrics.droppedPoints, series: this.#metrics.droppedSeries };
  }

  /** What was not kept because a cap was reached, and the metric points rejected as invalid. */
  override get droppedCounts(): TaskDroppedCounts {
    return { ...super.droppedCounts, metricInvalid: this.#metrics.rejectedPoints };
  }

  /** Metric series by name. */
  get metrics(): Record<string, MetricSeries> {
    return Object.fromEntries(this.#metrics.series);
  }

  /**
   * Artifact records logged so far: at most `MAX_REFS_PER_TASK` (10,000); later ones are counted
   * in `droppedCounts.artifacts`, their `artifacts.jsonl` lines still written.
   */
  get artifacts(): readonly ArtifactRecord[] {
    return this.#artifacts;
  }
  /** The function result when created by `task()` (undefined until set). */
  get output(): unknown {
    return this.#output;
  }

  /**
   * Continues a task received from another process (dreadnode's `TaskSpan.from_context`): the
   * plain form of `continueTask(context)`, with the configured tracer and storage.
   *
   * @param context The received context.
   * @returns The started `task_fragment` task (not current; end it, or use `inContext`).
   */
  static fromContext(context: TaskContext): TaskSpan {
    return startFragmentOf(TaskSpan, context);
  }

  /**
   * The last exception recorded on this task while it ran (a `task()` call or callback body that
   * threw, or `recordException(error)`), as it was thrown: the same object, `null` and `undefined`
   * included (read `failed` to know whether one was recorded). One recorded on `task.span`
   * directly is known only as that span's plain {@linkcode Span.exception}, returned then. The
   * task keeps the thrown value (and what it references) for as long as the task itself is kept;
   * its span, exported after the task ends, does not.
   */
  override get exception(): unknown {
    return this.#thrown === undefined ? this.span.exception : this.#thrown.value;
  }

  /**
   * Rethrows the exception recorded on this task, if any (dreadnode's `raise_if_failed`): a
   * `task()` call or callback body that threw, or `recordException(error)`. A task marked failed
   * only through `setStatus({ code: "ERROR" })` has no exception and does not throw. An exception
   * recorded on `task.span` directly (not through the task) is thrown as an `Error` rebuilt from
   * the span's plain {@linkcode Span.exception} (its type as `name`, its message and stack).
   *
   * @throws The recorded exception, as it was thrown.
   */
  raiseIfFailed(): void {
    if (this.#thrown !== undefined) throw this.#thrown.value;
    const recorded = this.span.exception;
    if (recorded === undefined) return;
    const error = new Error(String(recorded["exception.message"]));
    error.name = String(recorded["exception.type"]);
    const stack = recorded["exception.stacktrace"];
    if (typeof stack === "string") error.stack = stack;
    throw error;
  }

  /**
   * Records an exception (status `ERROR`, an `exception` event); {@linkcode TaskSpan.raiseIfFailed}
   * rethrows it exactly as given, `null` and `undefined` included. A thrown object that is no
   * error (`throw { code: 42 }`) is recorded by its class (`exception.type` `Object`) and JSON
   * (`{"code": 42}` as status message and `exception.message`), not as `[object Object]`.
   *
   * @param error The thrown value.
   * @returns This task.
   */
  override recordException(error: unknown): this {
    const active = this.span.active;
    super.recordException(recordableThrown(error));
    if (active) this.#thrown = { value: error };
    return this;
  }

  /**
   * Sets the function output (used by `task()`).
   *
   * @param value The output.
   */
  setOutput(value: unknown): void {
    this.#output = value;
  }

  /**
   * Logs a metric point (NaN/±Infinity rejected with a diagnostic; booleans become 1/0, a BigInt
   * the nearest number). A point past a cap (10,000 points per series, 10,000 names, and
   * `MAX_METRIC_CHARS_PER_TASK` characters of `dreadnode.metrics` JSON per task) is dropped,
   * reported once and counted in {@linkcode TaskSpan.droppedCounts}; the origin of a point not
   * stored is not stored either. An origin the task's object store cannot store (it holds
   * `MAX_OBJECTS_PER_TASK` objects; counted in `droppedCounts.objects`, reported once) leaves the
   * point without `dreadnode.origin.hash`: no point names an object missing from the export.
   *
   * @param name The metric name (cleaned; `prefix.` prepended when given).
   * @param value A number, boolean, BigInt or {@linkcode Metric}.
   * @param options Step, timestamp, aggregation, prefix, origin, attributes.
   * @returns The stored metric, or undefined when rejected or dropped.
   */
  logMetric(
    name: string,
    value: number | boolean | bigint | Metric,
    options: LogMetricOptions = {},
  ): Metric | undefined {
    if (!this.ensureActive("log a metric")) return undefined;
    try {
      return logMetricTo(
        this.#metrics,
        name,
        value,
        options,
        (origin) => this.objectStore.logReferenced(origin),
      );
    } catch (error) {
      report("error", "task_internal", "Cannot log a metric", error);
      return undefined;
    }
  }

  /**
   * Logs several metrics: a `{name: value}` record (an object or a `Map` with string keys) sharing
   * `defaults`, or a list of `{name, value, …}` entries each overriding them. Anything else is
   * reported (`invalid_task_input`) and logs nothing.
   *
   * @param metrics `{name: value}` (an object or a `Map`) or `{name, value, …}` entries.
   * @param defaults Shared step, timestamp, aggregation, prefix, attributes, origin.
   * @returns The stored metrics (rejected values are left out).
   */
  logMetrics(
    metrics:
      | Readonly<Record<string, number | boolean | bigint>>
      | ReadonlyMap<string, number | boolean | bigint>
      | readonly MetricEntry[],
    defaults: LogMetricOptions = {},
  ): Metric[] {
    const out: Metric[] = [];
    const shared = readUserOptions(
      defaults,
      METRIC_OPTION_KEYS,
      "logMetrics()",
      METRIC_OPTION_HINTS,
    );
    for (const { name, value, ...rest } of metricEntries(metrics)) {
      const m = this.logMetric(name, value, { ...shared, ...rest });
      if (m !== undefined) out.push(m);
    }
    return out;
  }

  /**
   * The mean of a metric's raw values.
   *
   * @param key The metric name as stored.
   * @returns The mean, or 0 when the metric is missing or empty.
   */
  getAverageMetricValue(key: string): number {
    return this.#metrics.series.get(key)?.mean ?? 0;
  }

  #addArtifact(record: ArtifactRecord): void {
    if (this.span.active) {
      if (this.roomForArtifact(this.#artifacts.length)) this.#artifacts.push(record);
      return;
    }
    report(
      "warn",
      "artifact_after_end",
      `Artifact ${record.name} finished after task ${this.name} ended: it is in artifacts.jsonl but not on the span`,
    );
  }

  /**
   * Logs a file, a directory (recursively) or bytes as artifacts. Never rejects.
   *
   * @param source A path (needs a file system) or bytes / `Blob`.
   * @param options The artifact name.
   * @returns The record (or directory wrapper), or undefined on failure.
   */
  logArtifact(
    source: ArtifactSource,
    options?: LogArtifactOptions,
  ): Promise<ArtifactRecord | DirectoryArtifact | undefined> {
    if (!this.ensureActive("log an artifact")) return Promise.resolve(undefined);
    const sink = {
      taskId: this.taskId,
      spanId: this.spanId,
      runId: this.runId,
      project: this.project,
      storage: this.storage,
      files: this.#files,
      span: this.span,
      addArtifact: (record: ArtifactRecord) => this.#addArtifact(record),
    };
    const p = logArtifactTo(sink, source, options);
    this.#pending.add(p);
    // A configuration's flush and shutdown wait for it too: an artifact a sync task body did not
    // await was still being written when `await shutdown()` resolved, and lost at `exit()`.
    // Waited for at most one flush wait's time after it started: a write that never settles (its
    // Worker invocation ended) does not hold every later flush up.
    const settled = p.then(() => {}, () => {});
    const until = Date.now() + WRITE_WAIT_MS;
    const untrack = trackWrites({
      flush: () => Date.now() < until ? settled : (untrack(), settled),
    });
    void settled.then(() => {
      this.#pending.delete(p);
      untrack();
    });
    return p;
  }

  /**
   * Waits for this task's pending writes (large objects, artifacts), and for child tasks that
   * end once their own writes settle (samples; see {@linkcode TaskSpan.endWhenSettled}).
   *
   * @returns Resolves when they have finished, successfully or not.
   */
  async settled(): Promise<void> {
    while (this.#pending.size > 0 || this.#ending.size > 0) {
      const children = [...this.#ending.values()].map((e) => e.done);
      await Promise.allSettled([...this.#pending, ...children]);
    }
    await this.objectStore.settled();
  }

  /**
   * Whether writes are pending: large objects, artifacts, or child tasks waiting for theirs (what
   * {@linkcode TaskSpan.settled} waits for).
   *
   * @internal
   */
  get writing(): boolean {
    return this.#pending.size > 0 || this.#ending.size > 0 || this.objectStore.pending > 0;
  }

  /**
   * Ends the task with the time now, but hands it to the processors only once its pending writes
   * have settled, so that its large objects are exported as blob references (as an async task's
   * are) rather than inline. Its parent's {@linkcode TaskSpan.settled} waits for it, and ending
   * the parent first ends it at once, as {@linkcode TaskSpan.end} would have. Without a running
   * parent or pending writes, it is `end()`. Used by `logSample`.
   *
   * @internal
   */
  endWhenSettled(): void {
    const parent = this.parentTask;
    const time = nowNs() / 1e6; // epoch ms, to the nanosecond
    const idle = this.#pending.size === 0 && this.objectStore.pending === 0;
    if (!this.span.active || idle || parent === undefined || !parent.span.active) {
      this.end(time);
      return;
    }
    const done = this.settled().then(undefined, (error: unknown) => {
      report("warn", "task_settle_failed", "Cannot finish pending task writes", error);
    }).then(() => {
      parent.#ending.delete(this);
      this.end(time);
    });
    parent.#ending.set(this, { time, done });
  }

  /**
   * Runs `fn` with this task current (for `log*` helpers and child tasks) without ending it.
   *
   * @param fn The function.
   * @returns What `fn` returned; a thenable as a native promise following it, adopted with this
   *   task current (the work a lazy thenable's `then` starts is inside the task).
   */
  inContext<R>(fn: (task: this) => R): Adopted<R> {
    return runInContext(contextForTask(this), () => fn(this));
  }

  /**
   * The task's params, inputs, outputs, objects, metrics and artifacts, as written onto its
   * span when it ends.
   *
   * @returns The state as dreadnode wire attributes (JSON strings).
   */
  stateAttributes(): Record<string, string | string[]> {
    return stateAttributes({
      ...this.objectState(),
      metrics: this.#metrics.series,
      artifacts: this.#artifacts,
    });
  }

  /**
   * Writes the task state onto the span and ends it (once). When the span's attribute count
   * limit leaves no room for the state, the state goes to a `run_update` child span (as with
   * `pushUpdate`) instead of being lost. A state value cut by the attribute value length limit
   * is reported (`task_state_truncated`). Large objects whose blob write has not finished are
   * exported inline (reported once as `task_pending_writes`): end an async task body, or await
   * {@linkcode TaskSpan.settled} before `end()`, to export them as blob references. Child tasks
   * still waiting for their writes (see {@linkcode TaskSpan.endWhenSettled}) end first, the same
   * way.
   *
   * @param endTime When it ended (default now).
   */
  end(endTime?: TimeInput): void {
    if (!this.span.active) return;
    // Children still waiting for their writes end now, before this task (their objects inline).
    for (const [child, { time }] of this.#ending) child.end(time);
    this.#ending.clear();
    writeTaskState(this);
    const objects = this.objectStore.pending;
    if (objects > 0) {
      reportOnce(
        "task_pending_objects",
        "warn",
        "task_pending_writes",
        `Task ${this.name} ended with ${objects} large object(s) still being written to the blob store: they are exported inline, with strings cut to the redaction policy's length; use an async task body or await task.settled() before end() to export them as blob references`,
      );
    }
    if (this.#pending.size > 0) {
      report(
        "warn",
        "task_pending_writes",
        `Task ${this.name} ended with ${this.#pending.size} artifact(s) still being written; await logArtifact`,
      );
    }
    this.span.end(endTime);
  }
}
