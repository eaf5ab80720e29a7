/**
 * The six additive *Observed* events (design_research_agents): payloads observed at model, tool
 * and workflow-step boundaries, emitted as point events on the current span (or the root).
 * Payloads pass through the redaction policy: sensitive keys are masked and long strings
 * truncated (`...[truncated:N]`).
 *
 * @module
 */
import { errorText, field, readOrCopy } from "../agents/_input.ts";
import { emitOnCurrent } from "./emitters.ts";
import { sortedNames } from "./event.ts";

function withMetadata(
  attributes: Record<string, unknown>,
  metadata: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  return metadata === undefined ? attributes : { ...attributes, metadata };
}

/**
 * Emits `ModelRequestObserved`.
 *
 * @param options Source label, model, the raw request payload, metadata.
 */
export function emitModelRequestObserved(options: {
  source: string;
  model?: string | null | undefined;
  requestPayload: unknown;
  metadata?: Readonly<Record<string, unknown>> | undefined;
}): void {
  emitOnCurrent(
    "ModelRequestObserved",
    readOrCopy(options, (o) =>
      withMetadata({
        source: o.source,
        model: o.model ?? null,
        request: o.requestPayload,
      }, o.metadata)),
  );
}

/**
 * Emits `ModelResponseObserved`; with a response object, also its `usage`, `latency_ms`,
 * `finish_reason`, `provider` and `model`.
 *
 * @param options Source label, the raw response payload, error, metadata.
 */
export function emitModelResponseObserved(options: {
  source: string;
  responsePayload?: unknown;
  error?: unknown;
  metadata?: Readonly<Record<string, unknown>> | undefined;
}): void {
  const o = readOrCopy(options, (o) => ({
    source: o.source,
    response: o.responsePayload,
    error: o.error,
    metadata: o.metadata,
  }));
  const response = o.response;
  const attributes: Record<string, unknown> = {
    source: o.source,
    response: response ?? null,
    error: errorText(o.error),
  };
  if (typeof response === "object" && response !== null) {
    attributes.usage = field(response, "usage") ?? null;
    attributes.latency_ms = field(response, "latency_ms", "latencyMs") ?? null;
    attributes.finish_reason = field(response, "finish_reason", "finishReason") ?? null;
    attributes.provider = field(response, "provider") ?? null;
    attributes.model = field(response, "model") ?? null;
  }
  emitOnCurrent("ModelResponseObserved", withMetadata(attributes, o.metadata));
}

/**
 * Emits `ToolInvocationObserved`.
 *
 * @param options Tool, source id, request id, input, visible dependency keys, metadata.
 */
export function emitToolInvocationObserved(options: {
  toolName: string;
  sourceId: string;
  requestId: string;
  toolInput: unknown;
  dependencyKeys?: readonly string[] | undefined;
  metadata?: Readonly<Record<string, unknown>> | undefined;
}): void {
  emitOnCurrent(
    "ToolInvocationObserved",
    readOrCopy(options, (o) =>
      withMetadata({
        tool_name: o.toolName,
        source_id: o.sourceId,
        request_id: o.requestId,
        tool_input: o.toolInput,
        dependency_keys: sortedNames(o.dependencyKeys, true),
      }, o.metadata)),
  );
}

/**
 * Emits `ToolResultObserved`.
 *
 * @param options Tool, source id, success flag, result payload, error, metadata.
 */
export function emitToolResultObserved(options: {
  toolName: string;
  sourceId: string;
  ok?: boolean | null | undefined;
  resultPayload?: unknown;
  error?: unknown;
  metadata?: Readonly<Record<string, unknown>> | undefined;
}): void {
  emitOnCurrent(
    "ToolResultObserved",
    readOrCopy(options, (o) =>
      withMetadata({
        tool_name: o.toolName,
        source_id: o.sourceId,
        ok: o.ok ?? null,
        result: o.resultPayload ?? null,
        error: errorText(o.error),
      }, o.metadata)),
  );
}

/**
 * Emits `WorkflowStepContextObserved` (the context visible to a step before it runs).
 *
 * @param options Step id, step kind, context.
 */
export function emitWorkflowStepContext(
  options: { stepId: string; stepType: string; context: unknown },
): void {
  emitOnCurrent(
    "WorkflowStepContextObserved",
    readOrCopy(options, (o) => ({
      step_id: o.stepId,
      step_type: o.stepType,
      context: o.context,
    })),
  );
}

/**
 * Emits `WorkflowStepResultObserved` (a step's result after it ran).
 *
 * @param options Step id, kind, status, success flag, output, error, metadata.
 */
export function emitWorkflowStepResult(options: {
  stepId: string;
  stepType: string;
  status: string;
  success: boolean;
  output?: unknown;
  error?: unknown;
  metadata?: Readonly<Record<string, unknown>> | undefined;
}): void {
  emitOnCurrent(
    "WorkflowStepResultObserved",
    readOrCopy(options, (o) => ({
      step_id: o.stepId,
      step_type: o.stepType,
      status: o.status,
      success: o.success,
      output: o.output ?? null,
      error: errorText(o.error),
      metadata: o.metadata ?? {},
    })),
  );
}
