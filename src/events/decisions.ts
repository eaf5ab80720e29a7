/**
 * Decision events (design_research_agents' router, model selection, tool selection,
 * continuation and guardrail emitters): point events on the current span, no-ops without an
 * active trace session. Like every event they pass through the redaction policy.
 *
 * @module
 */
import { readOrCopy } from "../agents/_input.ts";
import { emitOnCurrent } from "./emitters.ts";

/**
 * Emits `RouterDecision`.
 *
 * @param options Source label, alternatives, selected tool and index, reason, parsed route.
 */
export function emitRouterDecision(options: {
  source: string;
  alternatives: readonly string[];
  selectedToolName?: string | null | undefined;
  selectedIndex?: number | null | undefined;
  reason?: string | null | undefined;
  parsedRoute?: unknown;
}): void {
  emitOnCurrent(
    "RouterDecision",
    readOrCopy(options, (o) => ({
      source: o.source,
      alternatives: o.alternatives,
      selected_tool_name: o.selectedToolName ?? null,
      selected_index: o.selectedIndex ?? null,
      reason: o.reason ?? null,
      parsed_route: o.parsedRoute ?? null,
    })),
  );
}

/**
 * Emits `ModelSelectionDecision`.
 *
 * @param options The selected model and the policy inputs that led to it.
 */
export function emitModelSelectionDecision(options: {
  modelId: string;
  provider: string;
  rationale?: string | null | undefined;
  policyId?: string | null | undefined;
  policyConfig?: unknown;
  catalogSignature?: string | null | undefined;
  intent?: unknown;
  constraints?: unknown;
  hardwareProfile?: unknown;
  candidateCount?: number | undefined;
}): void {
  emitOnCurrent(
    "ModelSelectionDecision",
    readOrCopy(options, (o) => ({
      model_id: o.modelId,
      provider: o.provider,
      rationale: o.rationale ?? null,
      policy_id: o.policyId ?? null,
      policy_config: o.policyConfig ?? null,
      catalog_signature: o.catalogSignature ?? null,
      intent: o.intent ?? null,
      constraints: o.constraints ?? null,
      hardware_profile: o.hardwareProfile ?? null,
      candidate_count: o.candidateCount ?? null,
    })),
  );
}

/**
 * Emits `ToolSelectionDecision`.
 *
 * @param options Source label, selected tool, reason, parsed tool call.
 */
export function emitToolSelectionDecision(options: {
  source: string;
  toolName: string;
  reason?: string | null | undefined;
  parsedToolCall?: unknown;
}): void {
  emitOnCurrent(
    "ToolSelectionDecision",
    readOrCopy(options, (o) => ({
      source: o.source,
      tool_name: o.toolName,
      reason: o.reason ?? null,
      parsed_tool_call: o.parsedToolCall ?? null,
    })),
  );
}

/**
 * Emits `ContinuationDecision` (the attribute is named `continue`, as in DRA).
 *
 * @param options Step index, decision, reason, source label.
 */
export function emitContinuationDecision(options: {
  step: number;
  shouldContinue: boolean;
  reason?: string | null | undefined;
  source: string;
}): void {
  emitOnCurrent(
    "ContinuationDecision",
    readOrCopy(options, (o) => ({
      step: o.step,
      continue: o.shouldContinue,
      reason: o.reason ?? null,
      source: o.source,
    })),
  );
}

/**
 * Emits `GuardrailDecision` (`details` only when given).
 *
 * @param options Guardrail id, decision label, reason, details.
 */
export function emitGuardrailDecision(options: {
  guardrail: string;
  decision: string;
  reason?: string | null | undefined;
  details?: unknown;
}): void {
  emitOnCurrent(
    "GuardrailDecision",
    readOrCopy(options, (o) => ({
      guardrail: o.guardrail,
      decision: o.decision,
      reason: o.reason ?? null,
      ...(o.details === undefined ? {} : { details: o.details }),
    })),
  );
}
