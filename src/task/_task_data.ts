/**
 * The object half of a `TaskSpan`: params, content-addressed objects, inputs and outputs, and
 * object links. Values are serialized and redacted when logged; live values stay in memory, one
 * per param, input and output name. Each of params, inputs, outputs and artifact records is
 * capped at {@linkcode MAX_REFS_PER_TASK} (reported once, counted in `droppedCounts`); an input or
 * output whose value the object store cannot store (it holds `MAX_OBJECTS_PER_TASK` objects) is
 * dropped as well, so that every exported reference names a stored object.
 *
 * @internal
 * @module
 */
import { cleanStr } from "../clean.ts";
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { report, reportOnce } from "../diagnostics.ts";
import type { JsonValue } from "../serialize/types.ts";
import type { Span } from "../span.ts";
import type { TraceStorage } from "../storage/types.ts";
import { serializedForSpan } from "./_redact.ts";
import { readRecord, readUserOptions } from "./_read.ts";
import { safeString } from "../safe_string.ts";
import { localSpan } from "./_span_facade.ts";
import { TaskTree } from "./_task_tree.ts";
import { ObjectStore } from "./objects.ts";
import type { ObjectRef, StoredObject } from "./objects.ts";
import { setOwn } from "../own_property.ts";

/** Options of `logInput` / `logOutput`. */
export interface LogObjectRefOptions {
  /** Label (cleaned); default (also when empty) the name. */
  label?: string | undefined;
  /** Attributes of the reference. */
  attributes?: Record<string, unknown> | undefined;
}

/** A stored object with its live value. */
export interface TaskObject {
  /** The exported record. */
  readonly record: StoredObject;
  /** The value as logged (kept in memory only). */
  readonly value: unknown;
}

/** The object state, as encoded at end. */
export interface ObjectState {
  readonly params: Record<string, JsonValue>;
  readonly inputs: readonly ObjectRef[];
  readonly outputs: readonly ObjectRef[];
  readonly objects: ObjectStore;
}

/** The most params, and the most inputs, outputs and artifact records (each), one task keeps. */
export const MAX_REFS_PER_TASK = 10_000;

/** What a task did not keep because one of its in-memory caps was reached. */
export interface DroppedCounts {
  /** New param names past {@linkcode MAX_REFS_PER_TASK}. */
  readonly params: number;
  /**
   * Inputs past {@linkcode MAX_REFS_PER_TASK}, and inputs of a value the object store could not
   * store (past its `MAX_OBJECTS_PER_TASK`; also counted in `objects`).
   */
  readonly inputs: number;
  /**
   * Outputs past {@linkcode MAX_REFS_PER_TASK}, and outputs of a value the object store could not
   * store (past its `MAX_OBJECTS_PER_TASK`; also counted in `objects`).
   */
  readonly outputs: number;
  /**
   * Values not stored as objects past the object store's `MAX_OBJECTS_PER_TASK` (10,000): hashed,
   * not stored and not referenced (the input or output is dropped, a metric point keeps no
   * `dreadnode.origin.hash`); plus inline objects whose value the task's export left out (past
   * `MAX_INLINE_OBJECT_CHARS_PER_TASK`).
   */
  readonly objects: number;
  /**
   * Artifact records past {@linkcode MAX_REFS_PER_TASK}, left out of `dreadnode.artifacts` (their
   * files are stored and their `artifacts.jsonl` lines written all the same).
   */
  readonly artifacts: number;
  /**
   * Metric points past their series' 10,000, or past the task's `MAX_METRIC_CHARS_PER_TASK`
   * characters of `dreadnode.metrics` JSON.
   */
  readonly metricPoints: number;
  /**
   * Metric points whose name would have been a new series past the task's 10,000 (one per point:
   * the names are not kept).
   */
  readonly metricSeries: number;
}

/** The references of one kind (inputs or outputs) with the live value of each name. */
interface RefList {
  readonly kind: "input" | "output";
  readonly refs: ObjectRef[];
  readonly values: Map<string, unknown>;
  dropped: number;
}

function refList(kind: "input" | "output"): RefList {
  return { kind, refs: [], values: new Map(), dropped: 0 };
}

function reportFull(what: string, dropped = "further ones are dropped"): void {
  reportOnce(
    `task_${what}_full`,
    "warn",
    "task_refs_full",
    `Cannot log more ${what}: the task holds ${MAX_REFS_PER_TASK}; ${dropped}`,
  );
}

const REF_OPTION_KEYS: readonly (keyof LogObjectRefOptions)[] = ["label", "attributes"];

/**
 * Caller attributes of an input, output or link as a redacted JSON record. Read as the other
 * records are (`readRecord`): a `Map` is its entries, and an array or other non-record is
 * reported once rather than becoming `{}` silently.
 */
function serializedAttributes(attributes: unknown, what: string): Record<string, JsonValue> {
  const value = serializedForSpan(readRecord(attributes, what));
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** Params, objects, inputs, outputs and links of a task. */
export abstract class TaskData<T extends TaskData<T>> extends TaskTree<T> {
  /** Storage for large objects and artifacts. */
  readonly storage: TraceStorage | undefined;
  readonly #params = new Map<string, { value: unknown; json: JsonValue }>();
  readonly #objects: ObjectStore;
  readonly #inputs = refList("input");
  readonly #outputs = refList("output");
  #droppedParams = 0;
  #droppedArtifacts = 0;

  /**
   * @param span The started span.
   * @param ids Task id, run id, project.
   * @param parent The parent task.
   * @param storage Blob store for large objects.
   */
  constructor(
    span: Span,
    ids: { taskId: string; runId: string; project: string },
    parent: T | undefined,
    storage: TraceStorage | undefined,
  ) {
    super(span, ids, parent);
    this.storage = storage;
    // An unsampled task is neither exported nor stored: its objects stay inline, no blob is written.
    this.#objects = new ObjectStore((span.traceFlags & 1) === 1 ? storage : undefined);
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
  #refMap(list: RefList): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of list.values) setOwn(out, name, value);
    return out;
  }

  /** What was not kept because a cap was reached (each cap is also reported once). */
  get droppedCounts(): DroppedCounts {
    return {
      params: this.#droppedParams,
      inputs: this.#inputs.dropped,
      outputs: this.#outputs.dropped,
      objects: this.#objects.dropped,
      artifacts: this.#droppedArtifacts,
      metricPoints: this.droppedMetrics.points,
      metricSeries: this.droppedMetrics.series,
    };
  }

  /** Metric points and new metric names the task's metric caps dropped. */
  protected abstract get droppedMetrics(): { readonly points: number; readonly series: number };

  /**
   * Whether a task holding `held` artifact records has room for one more; when it has not, the
   * record is counted as dropped (and the cap reported once).
   *
   * @param held The artifact records the task holds.
   * @returns True when there is room.
   */
  protected roomForArtifact(held: number): boolean {
    if (held < MAX_REFS_PER_TASK) return true;
    this.#droppedArtifacts++;
    reportFull(
      "artifacts",
      "further ones are stored and written to artifacts.jsonl, but left out of the span",
    );
    return false;
  }

  /** The object store (for subclasses). */
  protected get objectStore(): ObjectStore {
    return this.#objects;
  }

  /** @returns The object state for encoding. */
  protected objectState(): ObjectState {
    return {
      params: Object.fromEntries([...this.#params].map(([k, v]) => [k, v.json])),
      inputs: this.#inputs.refs,
      outputs: this.#outputs.refs,
      objects: this.#objects,
    };
  }

  /**
   * True while the task accepts data; otherwise reports once and returns false.
   *
   * @param operation What was attempted.
   * @returns Whether the task is active.
   */
  protected ensureActive(operation: string): boolean {
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
   * Logs a parameter (last write wins; a new name past {@linkcode MAX_REFS_PER_TASK} is dropped).
   *
   * @param key The name.
   * @param value Any value (serialized and redacted for export).
   * @returns This task.
   */
  logParam(key: string, value: unknown): this {
    if (!this.ensureActive("log a param")) return this;
    try {
      const name = safeString(key);
      if (!this.#params.has(name) && this.#params.size >= MAX_REFS_PER_TASK) {
        this.#droppedParams++;
        reportFull("params");
        return this;
      }
      this.#params.set(name, { value, json: serializedForSpan(value, name) });
    } catch (error) {
      report("error", "task_internal", "Cannot log a param", error);
    }
    return this;
  }

  /**
   * Logs several parameters.
   *
   * @param params Name → value: an object or a `Map` with string keys (anything else is reported
   *   as `invalid_task_input` and logs nothing).
   * @returns This task.
   */
  logParams(params: Readonly<Record<string, unknown>> | ReadonlyMap<string, unknown>): this {
    const record = readRecord(params, "params");
    for (const key of Object.keys(record)) this.logParam(key, record[key]);
    return this;
  }

  /**
   * Stores a value as a content-addressed object.
   *
   * It takes no options: dreadnode's `label`, `event_name` and `attributes` are ignored there (v2
   * emits no object event), so a second argument (a call ported as is) is reported once
   * (`unknown_option`) rather than dropped in silence.
   *
   * @param value Any value.
   * @returns The 16-hex object hash (`""` when the task has ended). Past `MAX_OBJECTS_PER_TASK`
   *   objects a new value is hashed but not stored (`getObject` finds no record; reported once,
   *   counted in `droppedCounts.objects`).
   */
  logObject(value: unknown): string {
    if (arguments.length > 1) {
      reportOnce(
        "logObject_options",
        "warn",
        "unknown_option",
        "logObject() takes no options (dreadnode's label, event_name and attributes do nothing): " +
          "the second argument is ignored; name a logged value with logInput/logOutput",
      );
    }
    if (!this.ensureActive("log an object")) return "";
    try {
      return this.#objects.log(value);
    } catch (error) {
      report("error", "task_internal", "Cannot log an object", error);
      return "";
    }
  }

  #logRef(list: RefList, key: string, value: unknown, options?: LogObjectRefOptions): string {
    const what = list.kind;
    if (!this.ensureActive(`log an ${what}`)) return "";
    try {
      if (list.refs.length >= MAX_REFS_PER_TASK) {
        list.dropped++;
        reportFull(`${what}s`);
        return "";
      }
      const name = safeString(key);
      const { label, attributes } = readUserOptions(
        options,
        REF_OPTION_KEYS,
        what === "input" ? "logInput()" : "logOutput()",
        { positional: "label" },
      );
      const hash = this.#objects.logReferenced(value, name);
      if (hash === undefined) {
        // Not stored (the object store is full, reported): a reference would not resolve.
        list.dropped++;
        return "";
      }
      list.refs.push({
        name,
        label: cleanStr(label || name),
        hash,
        attributes: serializedAttributes(attributes, `${what} attributes`),
      });
      list.values.set(name, value);
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
   * @returns The object hash (`""` when the task has ended or holds
   *   {@linkcode MAX_REFS_PER_TASK} inputs, or when the value is not stored yet and the task
   *   holds `MAX_OBJECTS_PER_TASK` objects: the input is then dropped and counted).
   */
  logInput(name: string, value: unknown, options?: LogObjectRefOptions): string {
    return this.#logRef(this.#inputs, name, value, options);
  }

  /**
   * Logs an output.
   *
   * @param name The output name.
   * @param value Any value.
   * @param options Label and attributes.
   * @returns The object hash (`""` when the task has ended or holds
   *   {@linkcode MAX_REFS_PER_TASK} outputs, or when the value is not stored yet and the task
   *   holds `MAX_OBJECTS_PER_TASK` objects: the output is then dropped and counted).
   */
  logOutput(name: string, value: unknown, options?: LogObjectRefOptions): string {
    return this.#logRef(this.#outputs, name, value, options);
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
    if (!this.ensureActive("link objects")) return this;
    const active = localSpan(getContextManager().active().get(SPAN_KEY));
    this.span.addEvent("dreadnode.object.link", {
      ...serializedAttributes(attributes, "link attributes"),
      "dreadnode.object.hash": objectHash,
      "dreadnode.link.hash": linkHash,
      "dreadnode.origin.span_id": active?.active ? active.spanId : this.spanId,
    });
    return this;
  }
}
