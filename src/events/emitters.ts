/**
 * Event emitters for model calls, tool calls and decisions (design_research_agents'
 * `_emitters`). Every emitter is a no-op without an active trace session. Model and tool spans
 * are children of the current span but do not become current themselves (as in DRA). Emitters
 * given a span id write to the session that opened the span, even where another run (or none)
 * is current. Each model call is also a tracelet `chat` span and each tool call an
 * `execute_tool` span with GenAI semantic-convention attributes.
 *
 * @module
 */
import { errorText, field, ownFields, readOrCopy } from "../agents/_input.ts";
import { usageTokens } from "../agents/genai_attributes.ts";
import { safeString } from "../safe_string.ts";
import { currentSpanId, currentTraceSession } from "./context.ts";
import { closedSessionInContext } from "./_run_frames.ts";
import { sortedNames } from "./event.ts";
import { sessionOfSpan } from "./_span_owners.ts";
import type { TraceSession } from "./session.ts";

function parentOf(): string | null {
  return currentSpanId() ?? currentTraceSession()?.rootSpanId ?? null;
}

/**
 * The current session for an event about to be emitted. With none, an event of a run that has
 * closed (a timer it scheduled fired late) is counted on that run's session and reported once
 * (`events_closed`), not lost silently.
 */
function sessionForEvent(eventType: string): TraceSession | undefined {
  const session = currentTraceSession();
  if (session === undefined) closedSessionInContext()?.countLateEvent(eventType);
  return session;
}

/** The session that opened a span, else the current one. */
function sessionFor(spanId: string | undefined): TraceSession | undefined {
  return sessionOfSpan(spanId) ?? currentTraceSession();
}

/** Options of {@linkcode startModelCall}. */
export interface StartModelCallOptions {
  /** The model. */
  model: string;
  /** Messages sent to the model. */
  messages?: readonly unknown[] | undefined;
  /** Provider-neutral generation parameters. */
  params?: unknown;
  /** Extra attributes merged at the top level. */
  metadata?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Emits `ModelCallStarted` and opens the model call's span. Like every emitter it never throws:
 * options and values that cannot be read are recorded as far as they can be.
 *
 * @param options Model, messages, params, metadata.
 * @returns The span id, or undefined when tracing is off.
 */
export function startModelCall(options: StartModelCallOptions): string | undefined {
  const session = sessionForEvent("ModelCallStarted");
  if (session === undefined) return undefined;
  const { model, attributes } = readOrCopy(options, (o) => {
    const messages = o.messages ?? [];
    const count = field(messages, "length");
    return {
      model: o.model,
      attributes: {
        model: o.model,
        message_count: typeof count === "number" ? count : 0,
        messages,
        params: o.params ?? {},
        ...ownFields(o.metadata),
      },
    };
  });
  return session.startSpan("ModelCallStarted", parentOf(), attributes, {
    name: `chat ${safeString(model)}`,
    kind: "CLIENT",
    attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": model },
  });
}

/** Options of {@linkcode finishModelCall}. */
export interface FinishModelCallOptions {
  /** The response (its `model`, `usage`, `latency_ms`, `finish_reason`, `provider` are read). */
  response?: unknown;
  /** An error: emits `ModelCallFailed` instead. */
  error?: unknown;
  /** The model, when no response names it. */
  model?: string | undefined;
}

/**
 * Emits `ModelCallFinished` (or `ModelCallFailed` with an error) and closes the span.
 *
 * @param spanId The id from {@linkcode startModelCall}.
 * @param options Response, error, model.
 */
export function finishModelCall(
  spanId: string | undefined,
  options: FinishModelCallOptions = {},
): void {
  const session = sessionFor(spanId);
  if (session === undefined || spanId === undefined) return;
  const o = readOrCopy(options, (o) => ({ response: o.response, model: o.model, error: o.error }));
  const response = o.response;
  const model = field(response, "model") ?? o.model ?? null;
  const usage = field(response, "usage") ?? null;
  const latency = field(response, "latency_ms", "latencyMs") ?? null;
  const error = errorText(o.error);
  const tokens = usageTokens(usage);
  const genAi = {
    "gen_ai.response.model": typeof model === "string" ? model : undefined,
    "gen_ai.usage.input_tokens": tokens.input,
    "gen_ai.usage.output_tokens": tokens.output,
  };
  if (error !== null) {
    session.finishSpan("ModelCallFailed", spanId, { error, model, usage, latency_ms: latency }, {
      attributes: genAi,
      error,
    });
    return;
  }
  const finishReason = field(response, "finish_reason", "finishReason") ?? null;
  session.finishSpan("ModelCallFinished", spanId, {
    response: response ?? null,
    model,
    usage,
    latency_ms: latency,
    finish_reason: finishReason,
    provider: field(response, "provider") ?? null,
  }, {
    attributes: {
      ...genAi,
      "gen_ai.response.finish_reasons": typeof finishReason === "string"
        ? [finishReason]
        : undefined,
    },
  });
}

/**
 * Emits `ModelCallToken` (skipped for an empty delta or an undefined span id).
 *
 * @param spanId The model call's span id.
 * @param deltaText The text delta.
 */
export function emitModelToken(spanId: string | undefined, deltaText: string): void {
  const session = sessionFor(spanId);
  if (session === undefined || spanId === undefined || !deltaText) return;
  session.emitSpanEvent("ModelCallToken", spanId, { delta_text: deltaText });
}

/** Options of {@linkcode startToolCall}. */
export interface StartToolCallOptions {
  /** The tool. */
  toolName: string;
  /** The tool input. */
  toolInput?: unknown;
  /** The invocation request id (recorded as `gen_ai.tool.call.id` too). */
  requestId?: string | undefined;
  /** Dependencies (only their sorted keys are recorded). */
  dependencies?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Emits `ToolCallStarted` and opens the tool call's span.
 *
 * @param options Tool, input, request id, dependencies.
 * @returns The span id, or undefined when tracing is off.
 */
export function startToolCall(options: StartToolCallOptions): string | undefined {
  const session = sessionForEvent("ToolCallStarted");
  if (session === undefined) return undefined;
  const o = readOrCopy(options, (o) => ({
    toolName: o.toolName,
    toolInput: o.toolInput,
    requestId: o.requestId,
    dependencies: o.dependencies,
  }));
  return session.startSpan("ToolCallStarted", parentOf(), {
    tool_name: o.toolName,
    tool_input: o.toolInput ?? {},
    request_id: o.requestId ?? null,
    dependency_keys: sortedNames(o.dependencies, false),
  }, {
    name: `execute_tool ${safeString(o.toolName)}`,
    attributes: {
      "gen_ai.operation.name": "execute_tool",
      "gen_ai.tool.name": o.toolName,
      "gen_ai.tool.call.id": o.requestId,
    },
  });
}

/**
 * Emits `ToolCallFinished` (`ok: true`) and closes the span.
 *
 * @param spanId The id from {@linkcode startToolCall}.
 * @param options Tool name and result.
 */
export function finishToolCall(
  spanId: string | undefined,
  options: { toolName: string; result?: unknown },
): void {
  const session = sessionFor(spanId);
  if (session === undefined || spanId === undefined) return;
  session.finishSpan(
    "ToolCallFinished",
    spanId,
    readOrCopy(options, (o) => ({ tool_name: o.toolName, ok: true, result: o.result ?? null })),
  );
}

/**
 * Emits `ToolCallFailed` (`ok: false`) and closes the span with status `ERROR`.
 *
 * @param spanId The id from {@linkcode startToolCall}.
 * @param options Tool name and error.
 */
export function failToolCall(
  spanId: string | undefined,
  options: { toolName: string; error: unknown },
): void {
  const session = sessionFor(spanId);
  if (session === undefined || spanId === undefined) return;
  const o = readOrCopy(options, (o) => ({ toolName: o.toolName, error: o.error }));
  const error = errorText(o.error) ?? "error";
  session.finishSpan("ToolCallFailed", spanId, { tool_name: o.toolName, ok: false, error }, {
    error,
  });
}

/**
 * Emits a point event on the current span (or the root).
 *
 * @param eventType The event type.
 * @param attributes The attributes.
 * @internal
 */
export function emitOnCurrent(
  eventType: string,
  attributes: Readonly<Record<string, unknown>>,
): void {
  const session = sessionForEvent(eventType);
  if (session === undefined) return;
  session.emitSpanEvent(eventType, currentSpanId() ?? session.rootSpanId, attributes);
}
