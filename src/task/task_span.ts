/**
 * `TaskSpan`: a real tracelet span plus dreadnode's task state — params, inputs and outputs as
 * content-addressed objects, metrics, artifacts and child tasks. The state lives in memory while
 * the task runs and is written onto the span, in dreadnode's wire schema, when the task ends.
 *
 * @module
 */
import { ATTR_RUN_ID } from "../attribute_keys.ts";
import { cleanStr } from "../clean.ts";
import type { TimeInput } from "../clock.ts";
import type { LocalFiles } from "../config_state.ts";
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { serialize } from "../serialize/serialize.ts";
import type { JsonValue } from "../serialize/types.ts";
import type { Span } from "../span.ts";
import type { TraceStorage } from "../storage/types.ts";
import { redactForSpan } from "./_redact.ts";
import { localSpan } from "./_span_facade.ts";
import { TaskTree } from "./_task_tree.ts";
import { logArtifactTo } from "./artifacts.ts";
import type {
  ArtifactRecord,
  ArtifactSource,
  DirectoryArtifact,
  LogArtifactOptions,
} from "./artifacts.ts";
import { logMetricTo, stateAttributes } from "./_task_state.ts";
import type { LogMetricOptions } from "./_task_state.ts";
import type { Metric, MetricSeries } from "./metrics.ts";
import { ObjectStore } from "./objects.ts";
import type { ObjectRef, StoredObject } from "./objects.ts";
import { contextForTask } from "./task_context.ts";

/** Bound call arguments of a function task. */
export interface TaskArguments {
  /** Positional arguments as passed. */
  readonly args: readonly unknown[];
  /** Parameter names (best effort: from the function source, else `arg<i>`). */
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
  readonly arguments?: TaskArguments;
}

/** Options of `logInput` / `logOutput`. */
export interface LogObjectRefOptions {
  /** Label (cleaned); default the name. */
  label?: string;
  /** Attributes of the reference. */
  attributes?: Record<string, unknown>;
}

/** A stored object with its live value. */
export interface TaskObject {
  /** The exported record. */
  readonly record: StoredObject;
  /** The value as logged (kept in memory only). */
  readonly value: unknown;
}

function serializedAttributes(
  attributes: Record<string, unknown> | undefined,
): Record<string, JsonValue> {
  if (attributes === undefined) return {};
  const value = redactForSpan(serialize(attributes).value);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
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
export class TaskSpan extends TaskTree<TaskSpan> {
  /** Bound call arguments when created by `task()`. */
  readonly arguments: TaskArguments | undefined;
  /** Storage for large objects and artifacts. */
  readonly storage: TraceStorage | undefined;
  readonly #files: LocalFiles | undefined;
  readonly #params = new Map<string, { value: unknown; json: JsonValue }>();
  readonly #objects: ObjectStore;
  readonly #inputs: ObjectRef[] = [];
  readonly #outputs: ObjectRef[] = [];
  readonly #metrics = new Map<string, MetricSeries>();
  readonly #artifacts: ArtifactRecord[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  #output: unknown;

  /** @param init Construction data (use the module functions instead). */
  constructor(init: TaskSpanInit) {
    super(init.span, init, init.parent);
    this.arguments = init.arguments;
    this.storage = init.storage;
    this.#files = init.files;
    this.#objects = new ObjectStore(init.storage);
  }

  /** Logged params (live values). */
  get params(): Record<string, unknown> {
    return Object.fromEntries([...this.#params].map(([k, v]) => [k, v.value]));
  }
  /** Logged inputs, name → value (a later input of the same name wins). */
  get inputs(): Record<string, unknown> {
    return this.#refMap(this.#inputs);
  }
  /** Logged outputs, name → value. */
  get outputs(): Record<string, unknown> {
    return this.#refMap(this.#outputs);
  }
  #refMap(refs: readonly ObjectRef[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const ref of refs) out[ref.name] = this.#objects.runtimeValue(ref.hash);
    return out;
  }
  /** Metric series by name. */
  get metrics(): Record<string, MetricSeries> {
    return Object.fromEntries(this.#metrics);
  }
  /** Artifact records logged so far. */
  get artifacts(): readonly ArtifactRecord[] {
    return this.#artifacts;
  }
  /** The function result when created by `task()` (undefined until set). */
  get output(): unknown {
    return this.#output;
  }

  #guard(operation: string): boolean {
    if (this.span.active) return true;
    reportOnce(
      `task_ended:${operation}`,
      "warn",
      "task_ended",
      `Cannot ${operation}: task has already ended`,
    );
    return false;
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
   * Logs a parameter (last write wins).
   *
   * @param key The name.
   * @param value Any value (serialized and redacted for export).
   * @returns This task.
   */
  logParam(key: string, value: unknown): this {
    if (!this.#guard("log a param")) return this;
    try {
      this.#params.set(key, { value, json: redactForSpan(serialize(value).value, key) });
    } catch (error) {
      report("error", "task_internal", "Cannot log a param", error);
    }
    return this;
  }

  /**
   * Logs several parameters.
   *
   * @param params Name → value.
   * @returns This task.
   */
  logParams(params: Readonly<Record<string, unknown>>): this {
    for (const key of Object.keys(params ?? {})) this.logParam(key, params[key]);
    return this;
  }

  /**
   * Stores a value as a content-addressed object.
   *
   * @param value Any value.
   * @returns The 16-hex object hash (`""` when the task has ended).
   */
  logObject(value: unknown): string {
    if (!this.#guard("log an object")) return "";
    try {
      return this.#objects.log(value);
    } catch (error) {
      report("error", "task_internal", "Cannot log an object", error);
      return "";
    }
  }

  #logRef(
    list: ObjectRef[],
    what: string,
    name: string,
    value: unknown,
    options?: LogObjectRefOptions,
  ): string {
    if (!this.#guard(`log an ${what}`)) return "";
    try {
      const hash = this.#objects.log(value, name);
      const label = cleanStr(options?.label ?? name);
      list.push({ name, label, hash, attributes: serializedAttributes(options?.attributes) });
      return hash;
    } catch (error) {
      report("error", "task_internal", `Cannot log an ${what}`, error);
      return "";
    }
  }

  /**
   * Logs an input.
   *
   * @param name The input name.
   * @param value Any value.
   * @param options Label and attributes.
   * @returns The object hash.
   */
  logInput(name: string, value: unknown, options?: LogObjectRefOptions): string {
    return this.#logRef(this.#inputs, "input", name, value, options);
  }

  /**
   * Logs an output.
   *
   * @param name The output name.
   * @param value Any value.
   * @param options Label and attributes.
   * @returns The object hash.
   */
  logOutput(name: string, value: unknown, options?: LogObjectRefOptions): string {
    return this.#logRef(this.#outputs, "output", name, value, options);
  }

  /**
   * An object by hash.
   *
   * @param hash The object hash.
   * @returns The record and live value, or undefined.
   */
  getObject(hash: string): TaskObject | undefined {
    const record = this.#objects.get(hash);
    return record === undefined ? undefined : { record, value: this.#objects.runtimeValue(hash) };
  }

  /**
   * Links two objects with a `dreadnode.object.link` event (origin span = the active span).
   *
   * @param objectHash The object (e.g. an output).
   * @param linkHash What it links to (e.g. an input).
   * @param attributes Extra event attributes.
   * @returns This task.
   */
  linkObjects(objectHash: string, linkHash: string, attributes?: Record<string, unknown>): this {
    if (!this.#guard("link objects")) return this;
    const active = localSpan(getContextManager().active().get(SPAN_KEY));
    this.span.addEvent("dreadnode.object.link", {
      ...serializedAttributes(attributes),
      "dreadnode.object.hash": objectHash,
      "dreadnode.link.hash": linkHash,
      "dreadnode.origin.span_id": active?.active ? active.spanId : this.spanId,
    });
    return this;
  }

  /**
   * Logs a metric point (NaN/±Infinity rejected with a diagnostic; booleans become 1/0).
   *
   * @param name The metric name (cleaned; `prefix.` prepended when given).
   * @param value A number, boolean or {@linkcode Metric}.
   * @param options Step, timestamp, aggregation, prefix, origin, attributes.
   * @returns The stored metric, or undefined when rejected.
   */
  logMetric(
    name: string,
    value: number | boolean | Metric,
    options: LogMetricOptions = {},
  ): Metric | undefined {
    if (!this.#guard("log a metric")) return undefined;
    try {
      return logMetricTo(
        this.#metrics,
        name,
        value,
        options,
        (origin) => this.#objects.log(origin),
      );
    } catch (error) {
      report("error", "task_internal", "Cannot log a metric", error);
      return undefined;
    }
  }

  /**
   * The mean of a metric's raw values.
   *
   * @param key The metric name as stored.
   * @returns The mean, or 0 when the metric is missing or empty.
   */
  getAverageMetricValue(key: string): number {
    return this.#metrics.get(key)?.mean ?? 0;
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
    if (!this.#guard("log an artifact")) return Promise.resolve(undefined);
    const p = logArtifactTo(
      {
        taskId: this.taskId,
        spanId: this.spanId,
        runId: this.runId,
        project: this.project,
        storage: this.storage,
        files: this.#files,
        addArtifact: (r) => {
          if (this.span.active) this.#artifacts.push(r);
          else {report(
              "warn",
              "artifact_after_end",
              `Artifact ${r.name} finished after task ${this.name} ended: it is in artifacts.jsonl but not on the span`,
            );}
        },
      },
      source,
      options,
    );
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
    return p;
  }

  /** @returns Resolves when this task's pending writes (large objects, artifacts) finished. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
    await this.#objects.settled();
  }

  /**
   * Runs `fn` with this task current (for `log*` helpers and child tasks) without ending it.
   *
   * @param fn The function.
   * @returns What `fn` returned.
   */
  inContext<R>(fn: (task: this) => R): R {
    return getContextManager().with(contextForTask(this), () => fn(this));
  }

  /** @returns The task's state as dreadnode wire attributes (JSON strings). */
  stateAttributes(): Record<string, string | string[]> {
    return stateAttributes({
      params: Object.fromEntries([...this.#params].map(([k, v]) => [k, v.json])),
      inputs: this.#inputs,
      outputs: this.#outputs,
      metrics: this.#metrics,
      objects: this.#objects,
      artifacts: this.#artifacts,
    });
  }

  /**
   * Writes the task state onto the span and ends it (once).
   *
   * @param endTime When it ended (default now).
   */
  end(endTime?: TimeInput): void {
    if (!this.span.active) return;
    try {
      this.span.setAttributes(this.stateAttributes());
      this.span.setAttribute(ATTR_RUN_ID, this.runId);
    } catch (error) {
      report("error", "task_internal", `Cannot write the state of task ${this.name}`, error);
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
