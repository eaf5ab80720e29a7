/**
 * The agent-layer span (OpenAI Agents / CAI `Span`): typed span data plus the OpenAI fields
 * (`traceId`, `spanId`, `parentId`, `spanData`, `error`, `startedAt`, `endedAt`). A recording
 * span IS a child tracelet span; its data is written onto it as attributes (`openai.span_data`
 * JSON, redacted) together with GenAI semantic-convention attributes (`gen_ai.*`).
 *
 * @module
 */
import { isoFromNs, toEpochNs } from "../clock.ts";
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { reportOnce } from "../diagnostics.ts";
import { getRedactionPolicy } from "../redact/global.ts";
import { safeString } from "../safe_string.ts";
import { Span } from "../span.ts";
import { isInstance } from "../safe_read.ts";
import type { Tracer } from "../tracer.ts";
import { epochMsOf, errorText, errorType, field, readOrCopy } from "./_input.ts";
import { jsonSafeFields, redactedErrorJson, redactedJson } from "./_redact.ts";
import { Lifecycle } from "./_lifecycle.ts";
import { spanExportMetadata } from "./_span_metadata.ts";
import { runScoped } from "./_scope.ts";
import { activeScope, AGENT_FRAME_KEY, currentFrame, scopeFrame } from "./_state.ts";
import {
  GEN_AI_CONVERSATION_ID,
  genAiAttributesOf,
  spanKindFor,
  spanNameOf,
} from "./genai_attributes.ts";
import { NOOP_ID, toW3CSpanId } from "./ids.ts";
import { exportedFields, exportSpanData } from "./span_data.ts";
import type { SpanData, SpanError } from "./span_data.ts";
import type { AgentTrace } from "./trace.ts";

/** Construction data of an {@linkcode AgentSpan}. @internal */
export interface AgentSpanInit<D extends SpanData> {
  readonly data: D;
  readonly trace: AgentTrace | undefined;
  readonly parent: AgentTrace | AgentSpan | undefined;
  readonly spanId: string;
  /** Whether `parent` was given explicitly (then active tracelet spans are not considered). */
  readonly explicitParent: boolean;
  /** Undefined for a no-op span. */
  readonly tracer: Tracer | undefined;
  readonly toolCallId?: string | undefined;
  /** `gen_ai.provider.name` (default: the trace's, else `"openai"`). */
  readonly providerName?: string | undefined;
  /** Start time in epoch ms (when converting spans of another SDK). */
  readonly startTime?: number | undefined;
}

/** The exported record of a span (the OpenAI Agents backend format). */
export interface SpanExport {
  /** Always `"trace.span"`. */
  object: "trace.span";
  /** The agent span id (`span_<24 hex>`). */
  id: string;
  /** The agent trace id (`trace_<32 hex>`) of its trace. */
  trace_id: string;
  /** The parent span's agent id, or null when the parent is the trace. */
  parent_id: string | null;
  /** Start time as an ISO string (`+00:00`), or null before start. */
  started_at: string | null;
  /** End time as an ISO string, or null before finish. */
  ended_at: string | null;
  /** The span data as exported (no `_`-prefixed fields, no `undefined` values), JSON-safe. */
  span_data: Record<string, unknown>;
  /** The error set on the span (its data JSON-safe), or null. */
  error: SpanError | null;
  /**
   * The trace's `agent_harness_id`, then the keys of the span data's own `metadata` object (as the
   * OpenAI Agents SDK exports them); absent when there are none.
   */
  metadata?: Record<string, unknown> | undefined;
}

/** A span of the agent layer. Create one with a factory (`agentSpan`, `functionSpan`, …). */
export class AgentSpan<D extends SpanData = SpanData> {
  /** Always `"trace.span"` (as in `@openai/agents-core`). */
  readonly type: "trace.span" = "trace.span";
  /** The agent trace id of the trace it belongs to. */
  readonly traceId: string;
  /** The agent span id (`span_<24 hex>`, or `"no-op"`). */
  readonly spanId: string;
  /** The parent span's agent id, or null when the parent is the trace. */
  readonly parentId: string | null;
  /** The typed span data; may be updated until the span finishes. */
  spanData: D;
  /** The trace it belongs to. */
  readonly trace: AgentTrace | undefined;
  /** The tool call id (function spans), recorded as `gen_ai.tool.call.id`. */
  toolCallId: string | undefined;
  /** `gen_ai.provider.name` of agent, generation and response spans (undefined: `"openai"`). */
  readonly providerName: string | undefined;
  readonly #parent: AgentTrace | AgentSpan | undefined;
  readonly #explicitParent: boolean;
  readonly #tracer: Tracer | undefined;
  readonly #startTime: number | undefined;
  #error: SpanError | null = null;
  #errorType: string | undefined;
  #span: Span | undefined;
  #startNs = 0;
  #endNs = 0;
  readonly #life: Lifecycle = new Lifecycle(undefined, this);

  /**
   * Creates an unstarted span; prefer a factory (`agentSpan`, `functionSpan`, …).
   *
   * @param init Construction data.
   */
  constructor(init: AgentSpanInit<D>) {
    this.spanData = init.data;
    this.trace = init.trace;
    this.#parent = init.parent;
    this.#explicitParent = init.explicitParent;
    this.#tracer = init.tracer;
    this.#startTime = epochMsOf(init.startTime);
    this.spanId = safeString(init.spanId);
    this.traceId = init.tracer === undefined ? NOOP_ID : init.trace?.traceId ?? NOOP_ID;
    this.parentId = init.parent instanceof AgentSpan ? init.parent.spanId : null;
    this.toolCallId = init.toolCallId;
    const provider = init.providerName ?? init.trace?.providerName;
    this.providerName = provider === undefined ? undefined : safeString(provider);
  }

  /** True for a no-op span: it nests but is never recorded. */
  get isNoOp(): boolean {
    return this.#tracer === undefined;
  }
  /** The tracelet span, once started (undefined for a no-op span). */
  get span(): Span | undefined {
    return this.#span;
  }
  /** True once finished. */
  get finished(): boolean {
    return this.#life.finished;
  }
  /** The error set with `setError` (or recorded by `run`), or null. */
  get error(): SpanError | null {
    return this.#error;
  }
  /** Start time as an ISO string (`+00:00`), or null before start (always, for a no-op span). */
  get startedAt(): string | null {
    return this.#startNs === 0 ? null : isoFromNs(this.#startNs);
  }
  /** End time as an ISO string, or null before finish (always, for a no-op span). */
  get endedAt(): string | null {
    const end = this.#span !== undefined && this.#span.endTime !== 0
      ? this.#span.endTime
      : this.#endNs;
    return end === 0 ? null : isoFromNs(end);
  }
  /** The metadata of its trace. */
  get traceMetadata(): Record<string, unknown> | undefined {
    return this.trace?.metadata;
  }
  /**
   * The API key of its trace (see `AgentTrace.tracingApiKey`), used by `BackendSpanExporter`
   * instead of the exporter's own; undefined when the trace has none, and for a no-op span.
   */
  get tracingApiKey(): string | undefined {
    return this.isNoOp ? undefined : this.trace?.tracingApiKey;
  }

  /**
   * Attaches an error (OpenAI's `set_error`): the tracelet span gets status `ERROR`. A message
   * that is not a string is kept in its string form; a bare string (or other non-object) given
   * instead of `{message}` is the message. A no-op span keeps no error (as in the OpenAI SDKs).
   *
   * @param error A message and optional structured data.
   * @returns This span.
   */
  setError(error: SpanError): this {
    if (this.isNoOp) return this;
    const structured = typeof error === "object" && error !== null;
    const message = structured ? field(error, "message") : error;
    this.#error = {
      message: typeof message === "string" ? message : safeString(message),
      data: structured ? field(error, "data") as SpanError["data"] : undefined,
    };
    return this;
  }

  /**
   * Starts the span: opens its tracelet span under the parent's (or under a tracelet span opened
   * inside the parent's scope). A second start is ignored.
   *
   * @param markAsCurrent Also make it the current span for the rest of this async flow, or of the
   *   innermost scope (see {@linkcode AgentSpan.finish}).
   * @returns This span.
   */
  start(markAsCurrent: boolean = false): this {
    if (!this.#life.start()) return this;
    const tracer = this.#tracer;
    if (tracer !== undefined) {
      // A time outside 1970-2540 (microseconds by mistake) means now, as for every tracelet span.
      this.#startNs = toEpochNs(this.#startTime);
      const shape = readOrCopy(this.spanData, (data) => ({
        name: spanNameOf(data as D),
        kind: spanKindFor(data as D),
        attributes: this.#attributes(data as D),
      }));
      this.#span = this.#life.open(() =>
        tracer.startSpan(shape.name, {
          parent: this.#traceletParent(),
          traceId: this.trace?.w3cTraceId,
          spanId: toW3CSpanId(this.spanId),
          kind: shape.kind,
          startTime: this.#startNs / 1e6,
          attributes: shape.attributes,
        })
      );
    }
    if (markAsCurrent) this.#life.enter();
    return this;
  }

  /**
   * Finishes the span: writes the (possibly updated) span data and error onto the tracelet span,
   * renames it when its data now gives another name (a model known only after the call), and
   * ends it. Finishing twice, or before start, is ignored. A finished span is never current: what
   * was current before `start(true)` is current again, whether or not `resetCurrent` is given (the
   * OpenAI SDKs keep a span finished without it current).
   *
   * @param _resetCurrent Accepted for the SDKs' signature; the current span is restored anyway.
   * @param endTime End time in epoch ms (default, and for anything that is not a number or a
   *   valid `Date` between 1970 and 2540: now).
   * @returns This span.
   */
  finish(_resetCurrent: boolean = false, endTime?: number): this {
    if (!this.#life.finish()) return this;
    const span = this.#span;
    if (span !== undefined) {
      this.#endNs = toEpochNs(epochMsOf(endTime));
      const shape = readOrCopy(this.spanData, (data) => ({
        // Data without a readable type (replaced by something else) keeps the name it started with.
        name: typeof data.type === "string" ? spanNameOf(data as D) : span.name,
        attributes: this.#attributes(data as D),
      }));
      if (shape.name !== span.name) span.updateName(shape.name);
      span.setAttributes(shape.attributes);
      if (this.#error !== null) {
        span.setAttribute("openai.error", redactedErrorJson(this.#error));
        span.setAttribute("error.type", this.#errorType ?? "_OTHER");
        span.setStatus({ code: "ERROR", message: statusMessage(this.#error.message) });
      }
      span.end(this.#endNs / 1e6);
    }
    return this;
  }

  /** Alias of `finish()` (the `@openai/agents-core` name). */
  end(): void {
    this.finish();
  }

  /**
   * Runs `fn` with this span current (starting it if needed) and finishes it when `fn` returns or
   * its promise settles. A thrown error is recorded (the OpenAI SDKs do not do this): the span
   * gets `error` `{message, data: {type}}` and an `exception` event; the error is rethrown.
   *
   * @param fn The function.
   * @returns What `fn` returned.
   * @throws {TypeError} When `fn` is not a function (the span is then not started).
   */
  run<R>(fn: (span: this) => R): R {
    if (typeof fn != "function") throw new TypeError("span.run(fn): fn must be a function");
    if (!this.#life.started) this.start();
    const span = this.#span;
    let context = getContextManager().active().set(
      AGENT_FRAME_KEY,
      scopeFrame(currentFrame(false)?.trace ?? this.trace, this, span ?? activeScope()?.scopeSpan),
    );
    if (span !== undefined) context = context.set(SPAN_KEY, span);
    return runScoped(context, () => fn(this), (error, failed) => {
      if (failed && span !== undefined) {
        const type = errorType(error);
        if (this.#error === null) {
          this.setError({ message: errorText(error) ?? safeString(error), data: { type } });
        }
        this.#errorType ??= type;
        span.recordException(error);
      }
      this.finish();
    });
  }

  /**
   * The span in the OpenAI Agents backend format. Its values are JSON-safe (see `serialize`), so
   * `JSON.stringify` of the record never throws, whatever the span data holds. Every field is
   * kept; only a field larger than 16 MiB, or nested deeper than 256 levels, is cut (inside that
   * field). `BackendSpanExporter` applies the backend's own limits when it posts.
   *
   * @returns The exported record, or null for a no-op span.
   */
  export(): SpanExport | null {
    if (this.isNoOp) return null;
    const exported: SpanExport = {
      object: "trace.span",
      id: this.spanId,
      trace_id: this.traceId,
      parent_id: this.parentId,
      started_at: this.startedAt,
      ended_at: this.endedAt,
      span_data: jsonSafeFields(exportSpanData(this.spanData)) as Record<string, unknown>,
      error: this.#error === null ? null : jsonSafeFields(this.#error) as unknown as SpanError,
    };
    const metadata = spanExportMetadata(this.trace?.metadata, this.spanData);
    if (metadata !== undefined) exported.metadata = jsonSafeFields(metadata) as typeof metadata;
    return exported;
  }

  /**
   * The JSON form used by `JSON.stringify`.
   *
   * @returns The same as {@linkcode AgentSpan.export}.
   */
  toJSON(): SpanExport | null {
    return this.export();
  }

  /** Finishes the span when a `using` block exits (restoring the current span). */
  [Symbol.dispose](): void {
    this.finish(true);
  }

  #traceletParent(): Span | null {
    const parent = this.#parent;
    const own = parent === undefined ? undefined : parent.span;
    if (!this.#explicitParent) {
      // A tracelet span opened inside the parent's scope (e.g. `tracer.withSpan` inside
      // `agentSpan.run`) is a deeper parent in the same trace; not a span the trace joined (a
      // request's, around a `start(true)` trace), which started before its root.
      const active = getContextManager().active().get(SPAN_KEY);
      const root = this.trace?.span;
      if (
        isInstance(active, Span) && active.endTime === 0 && active !== own &&
        active !== activeScope()?.scopeSpan && active.traceId === this.trace?.w3cTraceId &&
        root !== undefined && active.startTime >= root.startTime &&
        active.spanId !== root.parentSpanId
      ) return active;
    }
    if (own !== undefined) return own; // an ended parent is still the parent
    const root = this.trace?.span;
    if (root === undefined) {
      reportOnce(
        "agent_parent_unstarted",
        "debug",
        "agent_parent_unstarted",
        "A span's trace was not started; the span becomes a root span",
      );
      return null;
    }
    return root;
  }

  /** The span's attributes from its span data (read through `readOrCopy`, so it may throw). */
  #attributes(data: D): Record<string, unknown> {
    const attributes: Record<string, unknown> = {
      "openai.trace_id": this.traceId,
      "openai.span_id": this.spanId,
      "openai.parent_id": this.parentId ?? undefined,
      "openai.span.type": data.type,
      "openai.span_data": redactedJson(exportedFields(data)),
      [GEN_AI_CONVERSATION_ID]: this.trace?.groupId ?? undefined,
      ...genAiAttributesOf(data, this.toolCallId, this.providerName),
    };
    if (data.type === "handoff") {
      attributes["openai.handoff.from_agent"] = data.from_agent;
      attributes["openai.handoff.to_agent"] = data.to_agent;
    } else if (data.type === "guardrail") {
      attributes["openai.guardrail.name"] = data.name;
      attributes["openai.guardrail.triggered"] = data.triggered;
    } else if (data.type === "agent") {
      attributes["openai.agent.tools"] = data.tools;
      attributes["openai.agent.handoffs"] = data.handoffs;
      attributes["openai.agent.output_type"] = data.output_type;
    } else if (data.type === "mcp_tools") {
      attributes["openai.mcp.server"] = data.server;
    }
    return attributes;
  }
}

/**
 * A span that records nothing (tracing disabled, or no trace); it still nests. As in the OpenAI
 * SDKs, its `startedAt` and `endedAt` stay null and `setError` keeps nothing.
 */
export class NoOpSpan<D extends SpanData = SpanData> extends AgentSpan<D> {
  /**
   * Creates a no-op span with id `"no-op"`.
   *
   * @param data The span data (kept, never recorded).
   * @param trace The (no-op) trace it belongs to.
   */
  constructor(data: D, trace?: AgentTrace) {
    super({
      data,
      trace,
      parent: undefined,
      spanId: NOOP_ID,
      explicitParent: false,
      tracer: undefined,
    });
  }
}

/**
 * The status message of a span whose error has this message: the message (redacted as error text
 * when the span is exported), or the process-wide policy's replacement when that policy finds the
 * error record's `message` key, or the `openai.error` attribute that holds it, sensitive (as it
 * masks the message there; a policy that throws on the keys leaves its replacement too).
 */
function statusMessage(message: string): string {
  const policy = getRedactionPolicy();
  try {
    const sensitive = policy.isSensitiveKey("message") || policy.isSensitiveKey("openai.error");
    return policy.enabled && sensitive ? policy.replacement : message;
  } catch {
    return policy.replacement;
  }
}
