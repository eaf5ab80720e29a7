/**
 * Creating agent-layer traces and spans: `trace()`, `withTrace()`, the current trace and span,
 * and one factory per span type. Factories return **un-started** spans (call `start()` /
 * `finish()`, use `run(fn)`, or `using`). A span's parent is the explicit `parent`, else the
 * current span, else the current trace; with none of them, or when tracing is disabled, the
 * factory returns a no-op span.
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import { safeString } from "../safe_string.ts";
import type { Tracer } from "../tracer.ts";
import { isInstance } from "../safe_read.ts";
import { readOrCopy } from "./_input.ts";
import { currentFrame } from "./_state.ts";
import { AgentSpan, NoOpSpan } from "./agent_span.ts";
import { genSpanId, genTraceId, NOOP_ID } from "./ids.ts";
import { getAgentTracer, isTracingDisabled } from "./provider.ts";
import type { SpanData } from "./span_data.ts";
import { AgentTrace, NoOpTrace } from "./trace.ts";

/** Options of {@linkcode trace}. */
export interface AgentTraceOptions {
  /**
   * The trace id (default `genTraceId()`). Without one, a trace started inside a tracelet span (a
   * request's server span, a task, `withSpan`) joins that span's W3C trace, its root a child of
   * the span; with one, it starts a W3C trace of its own (`toW3CTraceId(traceId)`), linked to it.
   */
  traceId?: string | undefined;
  /** A grouping id, e.g. a chat thread id. */
  groupId?: string | undefined;
  /** Free-form metadata. */
  metadata?: Record<string, unknown> | undefined;
  /** Return a no-op trace. */
  disabled?: boolean | undefined;
  /** Record into this tracer instead of the agent layer's tracer. */
  tracer?: Tracer | undefined;
  /**
   * `gen_ai.provider.name` of the trace's agent, generation and response spans (default
   * `"openai"`), e.g. `"anthropic"` when the agents call another provider's models.
   */
  providerName?: string | undefined;
  /**
   * The API key `BackendSpanExporter` sends this trace and its spans with, instead of its own (a
   * per-tenant key, as `@openai/agents-core`'s `tracingApiKey`). It is never exported, recorded
   * as an attribute or written to a diagnostic.
   */
  readonly tracingApiKey?: string | undefined;
}

/** Options shared by every span factory. */
export interface AgentSpanOptions {
  /** The span id (default `genSpanId()`; `"no-op"` makes a no-op span). */
  spanId?: string | undefined;
  /** The parent trace or span (default: the current span, else the current trace). */
  parent?: AgentTrace | AgentSpan | undefined;
  /** Return a no-op span. */
  disabled?: boolean | undefined;
  /** Tool call id (function spans; recorded as `gen_ai.tool.call.id`). */
  toolCallId?: string | undefined;
  /** Start time in epoch ms, used when the span starts (default: the moment of `start()`). */
  startTime?: number | undefined;
  /** `gen_ai.provider.name` of an agent, generation or response span (default: the trace's). */
  providerName?: string | undefined;
}

/**
 * Creates a trace (not started). If a trace is already current, a new one is still created.
 * Options that cannot be read are ignored; a name or id that is not a string is kept in its
 * string form.
 *
 * @param workflowName The workflow's name, e.g. `"customer_support_agent"`.
 * @param options Trace id, group id, metadata, disabled, tracer, provider name, tracing API key.
 * @returns The trace (a {@linkcode NoOpTrace} when tracing is disabled).
 * @example
 * ```ts
 * import { agentSpan, trace } from "@tracelet/tracelet/agents";
 * await trace("code_bot", { groupId: "thread-42" }).run(async () => {
 *   await agentSpan("planner", { tools: ["search"] }).run(async (span) => {
 *     // … the agent's work; nested spans find their parent automatically
 *   });
 * });
 * ```
 */
export function trace(workflowName: string, options?: AgentTraceOptions): AgentTrace {
  const o = readOrCopy(options, (o) => ({
    traceId: o.traceId,
    groupId: o.groupId,
    metadata: o.metadata,
    disabled: o.disabled,
    tracer: o.tracer,
    providerName: o.providerName,
    tracingApiKey: o.tracingApiKey,
  }));
  if (currentFrame(false)?.trace !== undefined) {
    reportOnce(
      "agent_trace_exists",
      "debug",
      "agent_trace_exists",
      "A trace is already current; creating a new trace anyway",
    );
  }
  if (o.disabled === true || isTracingDisabled() || o.traceId === NOOP_ID) {
    return new NoOpTrace(safeString(workflowName));
  }
  return new AgentTrace({
    name: safeString(workflowName),
    traceId: o.traceId ?? genTraceId(),
    joinsActive: o.traceId === undefined,
    groupId: o.groupId,
    metadata: o.metadata,
    providerName: o.providerName,
    tracer: getAgentTracer(o.tracer),
    tracingApiKey: o.tracingApiKey,
  });
}

/**
 * Runs `fn` inside a trace (created from a name, or given) that is current for `fn` and finished
 * when `fn` settles.
 *
 * @param nameOrTrace A workflow name or a trace (anything else is a name, in its string form).
 * @param fn The function; receives the trace.
 * @param options Trace options when a name is given.
 * @returns What `fn` returned.
 */
export function withTrace<R>(
  nameOrTrace: string | AgentTrace,
  fn: (trace: AgentTrace) => R,
  options?: AgentTraceOptions,
): R {
  const t = isInstance(nameOrTrace, AgentTrace) ? nameOrTrace : trace(nameOrTrace, options);
  return t.run(fn);
}

/**
 * The agent trace current in this context.
 *
 * @returns The current trace (possibly a no-op trace), or null.
 */
export function getCurrentTrace(): AgentTrace | null {
  return currentFrame()?.trace ?? null;
}

/**
 * The agent span current in this context.
 *
 * @returns The current span (possibly a no-op span), or null.
 */
export function getCurrentSpan(): AgentSpan | null {
  return currentFrame()?.span ?? null;
}

/** The `parent` option when it is an agent trace or span; anything else is ignored. */
function parentOf(parent: unknown): AgentTrace | AgentSpan | undefined {
  if (parent === undefined || isInstance(parent, AgentTrace) || isInstance(parent, AgentSpan)) {
    return parent;
  }
  reportOnce(
    "agent_invalid_parent",
    "warn",
    "invalid_input",
    "A span's parent is not an agent trace or span: it is ignored",
  );
  return undefined;
}

/**
 * Creates a span of any span data (the factories below call this). Options that cannot be read
 * are ignored, and so is a `parent` that is not an agent trace or span.
 *
 * @param data The span data.
 * @param options Span id, parent, disabled, tool call id, start time, provider name.
 * @returns The span (a {@linkcode NoOpSpan} when it cannot be recorded).
 */
export function createSpan<D extends SpanData>(
  data: D,
  options?: AgentSpanOptions,
): AgentSpan<D> {
  const o = readOrCopy(options, (o) => ({
    spanId: o.spanId,
    parent: o.parent,
    disabled: o.disabled,
    toolCallId: o.toolCallId,
    startTime: o.startTime,
    providerName: o.providerName,
  }));
  const explicit = parentOf(o.parent);
  const current = explicit === undefined ? currentFrame() : undefined;
  const parent = explicit ?? current?.span ?? current?.trace;
  const trace = parent instanceof AgentSpan ? parent.trace : parent;
  if (o.disabled === true || isTracingDisabled() || o.spanId === NOOP_ID) {
    return new NoOpSpan(data, trace);
  }
  if (parent === undefined || trace === undefined) {
    reportOnce(
      "agent_no_trace",
      "debug",
      "agent_no_trace",
      "No current trace; the span is not recorded",
    );
    return new NoOpSpan(data);
  }
  if (parent.isNoOp || trace.isNoOp || trace.tracer === undefined) return new NoOpSpan(data, trace);
  return new AgentSpan({
    data,
    trace,
    parent,
    spanId: o.spanId ?? genSpanId(),
    explicitParent: explicit !== undefined,
    tracer: getAgentTracer(trace.tracer),
    toolCallId: o.toolCallId,
    startTime: o.startTime,
    providerName: o.providerName,
  });
}
