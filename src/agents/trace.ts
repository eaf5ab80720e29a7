/**
 * The agent-layer trace (OpenAI Agents / CAI `Trace`): one logical workflow. A recording trace
 * IS a root tracelet span (name = workflow name) created through the agent layer's tracer, so it
 * reaches the same processors and exporters as every other span.
 *
 * @module
 */
import { isoFromNs, toEpochNs } from "../clock.ts";
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { safeString } from "../safe_string.ts";
import { Span } from "../span.ts";
import { isInstance } from "../safe_read.ts";
import type { Tracer } from "../tracer.ts";
import { Lifecycle } from "./_lifecycle.ts";
import { AGENT_FRAME_KEY, scopeFrame } from "./_state.ts";
import { runScoped } from "./_scope.ts";
import { GEN_AI_CONVERSATION_ID } from "./genai_attributes.ts";
import { NOOP_ID, toW3CTraceId } from "./ids.ts";
import { jsonSafeFields, redactedJson } from "./_redact.ts";

/** Construction data of an {@linkcode AgentTrace}. @internal */
export interface AgentTraceInit {
  readonly name: string;
  readonly traceId: string;
  readonly groupId?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  /** `gen_ai.provider.name` of its agent, generation and response spans (default `"openai"`). */
  readonly providerName?: string | undefined;
  /** Undefined for a no-op trace. */
  readonly tracer: Tracer | undefined;
  /** Start time in epoch ms (used when converting traces of another SDK). */
  readonly startTime?: number | undefined;
  /**
   * The API key its records are exported with (`@openai/agents-core`'s per-trace
   * `tracingApiKey`), trimmed; anything but a non-blank string means none.
   */
  readonly tracingApiKey?: string | undefined;
  /**
   * Join the tracelet span active at `start()` (its W3C trace, as its child) rather than start a
   * W3C trace of its own: `trace()` without a `traceId`, and the `@openai/agents-core` bridge.
   */
  readonly joinsActive?: boolean | undefined;
}

/** The exported record of a trace (the OpenAI Agents backend format). */
export interface TraceExport {
  /** Always `"trace"`. */
  object: "trace";
  /** The agent trace id (`trace_<32 hex>`). */
  id: string;
  /** The workflow name the trace was created with. */
  workflow_name: string;
  /** The group id (e.g. a chat thread id), or null. */
  group_id: string | null;
  /** Free-form metadata (JSON-safe), or null when none was given. */
  metadata: Record<string, unknown> | null;
}

/**
 * A trace of the agent layer. Create one with `trace(workflowName, options)`; it does not start
 * until `start()` or `run(fn)`.
 */
export class AgentTrace {
  /** Always `"trace"` (as in `@openai/agents-core`). */
  readonly type: "trace" = "trace";
  /** The agent trace id (`trace_<32 hex>`, or `"no-op"`). */
  readonly traceId: string;
  /** The workflow name. */
  readonly name: string;
  /** The group id (e.g. a chat thread id), or null. */
  readonly groupId: string | null;
  /** Free-form metadata. */
  readonly metadata: Record<string, unknown> | undefined;
  /**
   * The W3C trace id on the wire: `toW3CTraceId(traceId)`, or, once started inside a tracelet
   * span it joins, that span's trace id.
   */
  get w3cTraceId(): string {
    return this.#w3cTraceId;
  }
  #w3cTraceId: string;
  readonly #joinsActive: boolean;
  /** `gen_ai.provider.name` of its spans, unless a span gives its own (undefined: `"openai"`). */
  readonly providerName: string | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #startTime: number | undefined;
  readonly #tracingApiKey: string | undefined;
  #span: Span | undefined;
  #startNs = 0;
  readonly #life: Lifecycle = new Lifecycle(this, undefined);

  /**
   * Creates an unstarted trace; prefer `trace(workflowName, options)`. A trace id, name or group
   * id that is not a string is kept in its string form.
   *
   * @param init Construction data.
   */
  constructor(init: AgentTraceInit) {
    this.traceId = safeString(init.traceId);
    this.name = safeString(init.name);
    this.groupId = init.groupId === undefined || init.groupId === null
      ? null
      : safeString(init.groupId);
    this.metadata = init.metadata;
    this.providerName = init.providerName === undefined ? undefined : safeString(init.providerName);
    this.#tracer = init.tracer;
    this.#startTime = init.startTime;
    // The exporter's rule for a key: trimmed, and blank means none (so the trace never claims a
    // key that its records are not sent with).
    const key = typeof init.tracingApiKey === "string" ? init.tracingApiKey.trim() : "";
    this.#tracingApiKey = key === "" ? undefined : key;
    this.#w3cTraceId = toW3CTraceId(this.traceId);
    this.#joinsActive = init.joinsActive === true;
  }

  /** True for a no-op trace (tracing disabled): it nests but is never recorded. */
  get isNoOp(): boolean {
    return this.#tracer === undefined;
  }
  /**
   * The API key this trace and its spans are exported with by `BackendSpanExporter`, instead of
   * the exporter's own (as `@openai/agents-core` sets it per run), or undefined. It is never part
   * of the exported record, of the root span's attributes or of a diagnostic.
   */
  get tracingApiKey(): string | undefined {
    return this.#tracingApiKey;
  }
  /** The tracer its spans are created with (undefined for a no-op trace). */
  get tracer(): Tracer | undefined {
    return this.#tracer;
  }
  /** The root tracelet span, once started (undefined for a no-op trace). */
  get span(): Span | undefined {
    return this.#span;
  }
  /** True once started. */
  get started(): boolean {
    return this.#life.started;
  }
  /** True once finished. */
  get finished(): boolean {
    return this.#life.finished;
  }
  /**
   * Start time as an ISO string (Python `isoformat`, `+00:00`), or null before start (and for a
   * no-op trace). Already set when processors hear of the start (`onTraceStart`).
   */
  get startedAt(): string | null {
    return this.#startNs === 0 ? null : isoFromNs(this.#startNs);
  }

  /**
   * Starts the trace (idempotent): opens its root tracelet span.
   *
   * @param markAsCurrent Also make it the current trace (with no current span) for the rest of
   *   this async flow, or of the innermost scope (see {@linkcode AgentTrace.finish}).
   * @returns This trace.
   */
  start(markAsCurrent: boolean = false): this {
    if (!this.#life.start()) return this;
    const tracer = this.#tracer;
    if (tracer !== undefined) {
      const found = getContextManager().active().get(SPAN_KEY);
      const active = isInstance(found, Span) ? found : undefined;
      // Inside a request's server span, a task or any tracelet span, the trace is part of that
      // distributed trace (its root a child of the span); one given its own id starts its own,
      // linked to the span, and so does one inside a span not sampled (a caller's `-00`): agent
      // dashboards expect every trace, and the trace's own sampling decides.
      const joins = active !== undefined && this.#joinsActive && (active.traceFlags & 1) === 1;
      if (joins) this.#w3cTraceId = active.traceId;
      // Before the processors are notified (the root span is assigned only after they were).
      this.#startNs = toEpochNs(this.#startTime);
      this.#span = this.#life.open(() =>
        tracer.startSpan(this.name, {
          parent: joins ? active : null,
          traceId: joins ? undefined : this.#w3cTraceId,
          startTime: this.#startNs / 1e6,
          attributes: this.#attributes(),
          links: active && !joins ? [{ context: active.spanContext() }] : undefined,
        })
      );
    }
    if (markAsCurrent) this.#life.enter();
    return this;
  }

  /**
   * Finishes the trace: ends its root span. Finishing a trace that never started does nothing.
   * A finished trace is never current: what was current before `start(true)` is current again,
   * whether or not `resetCurrent` is given (the OpenAI SDKs keep a trace finished without it
   * current).
   *
   * @param _resetCurrent Accepted for the SDKs' signature; the current trace is restored anyway.
   * @param endTime End time in epoch ms (default now).
   * @returns This trace.
   */
  finish(_resetCurrent: boolean = false, endTime?: number): this {
    if (!this.#life.finish()) return this;
    this.#span?.end(endTime);
    return this;
  }

  /**
   * Runs `fn` with this trace current (starting it if needed) and finishes it when `fn` returns
   * or its promise settles. A thrown error is recorded on the root span and rethrown.
   *
   * @param fn The function.
   * @returns What `fn` returned.
   * @throws {TypeError} When `fn` is not a function (the trace is then not started).
   */
  run<R>(fn: (trace: this) => R): R {
    if (typeof fn != "function") throw new TypeError("trace.run(fn): fn must be a function");
    if (!this.#life.started) this.start();
    const span = this.#span;
    let context = getContextManager().active().set(
      AGENT_FRAME_KEY,
      scopeFrame(this, undefined, span),
    );
    if (span !== undefined) context = context.set(SPAN_KEY, span);
    return runScoped(context, () => fn(this), (error, failed) => {
      if (failed) span?.recordException(error);
      this.finish();
    });
  }

  /**
   * The trace in the OpenAI Agents backend format. Its metadata is JSON-safe (see `serialize`),
   * so `JSON.stringify` of the record never throws.
   *
   * @returns The exported record, or null for a no-op trace.
   */
  export(): TraceExport | null {
    if (this.isNoOp) return null;
    return {
      object: "trace",
      id: this.traceId,
      workflow_name: this.name,
      group_id: this.groupId,
      metadata: this.metadata === undefined || this.metadata === null
        ? null
        : jsonSafeFields(this.metadata) as Record<string, unknown>,
    };
  }

  /**
   * The JSON form used by `JSON.stringify`.
   *
   * @returns The same as {@linkcode AgentTrace.export}.
   */
  toJSON(): TraceExport | null {
    return this.export();
  }

  /** Finishes the trace when a `using` block exits (restoring the current trace). */
  [Symbol.dispose](): void {
    this.finish(true);
  }

  #attributes(): Record<string, unknown> {
    return {
      "openai.trace_id": this.traceId,
      "openai.workflow_name": this.name,
      "openai.group_id": this.groupId ?? undefined,
      [GEN_AI_CONVERSATION_ID]: this.groupId ?? undefined,
      "openai.trace.metadata": this.metadata === undefined
        ? undefined
        : redactedJson(this.metadata),
    };
  }
}

/** A trace that records nothing (tracing disabled); it still becomes current and nests. */
export class NoOpTrace extends AgentTrace {
  /**
   * Creates a no-op trace with id `"no-op"`.
   *
   * @param name The workflow name (default `"no-op"`).
   */
  constructor(name: string = NOOP_ID) {
    super({ name, traceId: NOOP_ID, tracer: undefined });
  }
}
