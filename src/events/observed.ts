/**
 * The six additive *Observed* events (design_research_agents): payloads observed at model, tool
 * and workflow-step boundaries, emitted as point events on the current span (or the root).
 * Payloads pass through the redaction policy: sensitive keys are masked and long strings
 * truncated (`...[truncated:N]`).
 *
 * @module
 */
import { emitOnCurrent } from "./emitters.ts";
import { errorText, field } from "./event.ts";

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
  model?: string | null;
  requestPayload: unknown;
  metadata?: Readonly<Record<string, unknown>>;
}): void {
  emitOnCurrent(
    "ModelRequestObserved",
    withMetadata({
      source: options.source,
      model: options.model ?? null,
      request: options.requestPayload,
    }, options.metadata),
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
  metadata?: Readonly<Record<string, unknown>>;
}): void {
  const response = options.responsePayload;
  const attributes: Record<string, unknown> = {
    source: options.source,
    response: response ?? null,
    error: errorText(options.error),
  };
  if (typeof response === "object" && response !== null) {
    attributes.usage = field(response, "usage") ?? null;
    attributes.latency_ms = field(response, "latency_ms", "latencyMs") ?? null;
    attributes.finish_reason = field(response, "finish_reason", "finishReason") ?? null;
    attributes.provider = field(response, "provider") ?? null;
    attributes.model = field(response, "model") ?? null;
  }
  emitOnCurrent("ModelResponseObserved", withMetadata(attributes, options.metadata));
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
  dependencyKeys?: readonly string[];
  metadata?: Readonly<Record<string, unknown>>;
}): void {
  emitOnCurrent(
    "ToolInvocationObserved",
    withMetadata({
      tool_name: options.toolName,
      source_id: options.sourceId,
      request_id: options.requestId,
      tool_input: options.toolInput,
      dependency_keys: [...(options.dependencyKeys ?? [])].sort(),
    }, options.metadata),
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
  ok?: boolean | null;
  resultPayload?: unknown;
  error?: unknown;
  metadata?: Readonly<Record<string, unknown>>;
}): void {
  emitOnCurrent(
    "ToolResultObserved",
    withMetadata({
      tool_name: options.toolName,
      source_id: options.sourceId,
      ok: options.ok ?? null,
      result: options.resultPayload ?? null,
      error: errorText(options.error),
    }, options.metadata),
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
  emitOnCurrent("WorkflowStepContextObserved", {
    step_id: options.stepId,
    step_type: options.stepType,
    context: options.context,
  });
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
  metadata?: Readonly<Record<string, unknown>>;
}): void {
  emitOnCurrent("WorkflowStepResultObserved", {
    step_id: options.stepId,
    step_type: options.stepType,
    status: options.status,
    success: options.success,
    output: options.output ?? null,
    error: errorText(options.error),
    metadata: options.metadata ?? {},
  });
}
