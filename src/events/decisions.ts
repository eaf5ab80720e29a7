/**
 * Decision events (design_research_agents' router, model selection, tool selection,
 * continuation and guardrail emitters): point events on the current span, no-ops without an
 * active trace session. Like every event they pass through the redaction policy.
 *
 * @module
 */
import { emitOnCurrent } from "./emitters.ts";

/**
 * Emits `RouterDecision`.
 *
 * @param options Source label, alternatives, selected tool and index, reason, parsed route.
 */
export function emitRouterDecision(options: {
  source: string;
  alternatives: readonly string[];
  selectedToolName?: string | null;
  selectedIndex?: number | null;
  reason?: string | null;
  parsedRoute?: unknown;
}): void {
  emitOnCurrent("RouterDecision", {
    source: options.source,
    alternatives: options.alternatives,
    selected_tool_name: options.selectedToolName ?? null,
    selected_index: options.selectedIndex ?? null,
    reason: options.reason ?? null,
    parsed_route: options.parsedRoute ?? null,
  });
}

/**
 * Emits `ModelSelectionDecision`.
 *
 * @param options The selected model and the policy inputs that led to it.
 */
export function emitModelSelectionDecision(options: {
  modelId: string;
  provider: string;
  rationale?: string | null;
  policyId?: string | null;
  policyConfig?: unknown;
  catalogSignature?: string | null;
  intent?: unknown;
  constraints?: unknown;
  hardwareProfile?: unknown;
  candidateCount?: number;
}): void {
  emitOnCurrent("ModelSelectionDecision", {
    model_id: options.modelId,
    provider: options.provider,
    rationale: options.rationale ?? null,
    policy_id: options.policyId ?? null,
    policy_config: options.policyConfig ?? null,
    catalog_signature: options.catalogSignature ?? null,
    intent: options.intent ?? null,
    constraints: options.constraints ?? null,
    hardware_profile: options.hardwareProfile ?? null,
    candidate_count: options.candidateCount ?? null,
  });
}

/**
 * Emits `ToolSelectionDecision`.
 *
 * @param options Source label, selected tool, reason, parsed tool call.
 */
export function emitToolSelectionDecision(options: {
  source: string;
  toolName: string;
  reason?: string | null;
  parsedToolCall?: unknown;
}): void {
  emitOnCurrent("ToolSelectionDecision", {
    source: options.source,
    tool_name: options.toolName,
    reason: options.reason ?? null,
    parsed_tool_call: options.parsedToolCall ?? null,
  });
}

/**
 * Emits `ContinuationDecision` (the attribute is named `continue`, as in DRA).
 *
 * @param options Step index, decision, reason, source label.
 */
export function emitContinuationDecision(options: {
  step: number;
  shouldContinue: boolean;
  reason?: string | null;
  source: string;
}): void {
  emitOnCurrent("ContinuationDecision", {
    step: options.step,
    continue: options.shouldContinue,
    reason: options.reason ?? null,
    source: options.source,
  });
}

/**
 * Emits `GuardrailDecision` (`details` only when given).
 *
 * @param options Guardrail id, decision label, reason, details.
 */
export function emitGuardrailDecision(options: {
  guardrail: string;
  decision: string;
  reason?: string | null;
  details?: unknown;
}): void {
  emitOnCurrent("GuardrailDecision", {
    guardrail: options.guardrail,
    decision: options.decision,
    reason: options.reason ?? null,
    ...(options.details === undefined ? {} : { details: options.details }),
  });
}
