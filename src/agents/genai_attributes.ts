/**
 * OpenTelemetry GenAI semantic-convention attributes (`gen_ai.*`) for agent-layer span data, and
 * the span names and kinds the conventions recommend, so any OTLP backend shows agent runs,
 * model calls and tool calls natively.
 *
 * | span data | `gen_ai.operation.name` | span name | kind |
 * |---|---|---|---|
 * | agent | `invoke_agent` | `invoke_agent {name}` | INTERNAL |
 * | generation | `chat` | `chat {model}` | CLIENT |
 * | response | `chat` | `chat {model}` (or `response`) | CLIENT |
 * | function | `execute_tool` | `execute_tool {name}` | INTERNAL |
 * | transcription / speech | — | `transcription {model}` / `speech {model}` | CLIENT |
 * | others | — | the type, plus its name | INTERNAL |
 *
 * Agent, generation and response spans also carry `gen_ai.provider.name` (default `"openai"`).
 * A response span's model is the one the response reports (often a dated version of the
 * requested model), so it is recorded as `gen_ai.response.model` only.
 *
 * @module
 */
import { safeString } from "../safe_string.ts";
import type { SpanKind } from "../types.ts";
import { field, ownFields, readOrCopy } from "./_input.ts";
import type { SpanData } from "./span_data.ts";

/** `gen_ai.operation.name` */
export const GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
/** `gen_ai.request.model` */
export const GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
/** `gen_ai.response.model` */
export const GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
/** `gen_ai.response.id` */
export const GEN_AI_RESPONSE_ID = "gen_ai.response.id";
/** `gen_ai.usage.input_tokens` */
export const GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
/** `gen_ai.usage.output_tokens` */
export const GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
/** `gen_ai.tool.name` */
export const GEN_AI_TOOL_NAME = "gen_ai.tool.name";
/** `gen_ai.tool.call.id` */
export const GEN_AI_TOOL_CALL_ID = "gen_ai.tool.call.id";
/** `gen_ai.tool.type` */
export const GEN_AI_TOOL_TYPE = "gen_ai.tool.type";
/** `gen_ai.agent.name` */
export const GEN_AI_AGENT_NAME = "gen_ai.agent.name";
/** `gen_ai.provider.name` */
export const GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
/** The default `gen_ai.provider.name`. */
export const DEFAULT_PROVIDER_NAME = "openai";
/** `gen_ai.conversation.id` (the agent trace's group id). */
export const GEN_AI_CONVERSATION_ID = "gen_ai.conversation.id";

/** Model-config keys mapped to `gen_ai.request.*` attributes. */
const REQUEST_PARAMS: Readonly<Record<string, string>> = {
  temperature: "gen_ai.request.temperature",
  top_p: "gen_ai.request.top_p",
  topP: "gen_ai.request.top_p",
  top_k: "gen_ai.request.top_k",
  max_tokens: "gen_ai.request.max_tokens",
  maxTokens: "gen_ai.request.max_tokens",
  max_output_tokens: "gen_ai.request.max_tokens",
  frequency_penalty: "gen_ai.request.frequency_penalty",
  frequencyPenalty: "gen_ai.request.frequency_penalty",
  presence_penalty: "gen_ai.request.presence_penalty",
  presencePenalty: "gen_ai.request.presence_penalty",
  seed: "gen_ai.request.seed",
};

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/**
 * Input and output token counts from a usage object in OpenAI Responses style
 * (`input_tokens`/`output_tokens`), Chat Completions style (`prompt_tokens`/`completion_tokens`)
 * or camelCase (`inputTokens`/`outputTokens`). Counts that are not finite numbers, or cannot be
 * read, are not found.
 *
 * @param usage The usage object.
 * @returns The counts found.
 */
export function usageTokens(usage: unknown): { input?: number; output?: number } {
  if (typeof usage !== "object" || usage === null) return {};
  return {
    input: count(usage, "input_tokens") ?? count(usage, "prompt_tokens") ??
      count(usage, "inputTokens"),
    output: count(usage, "output_tokens") ?? count(usage, "completion_tokens") ??
      count(usage, "outputTokens"),
  };
}

/** A finite token count read from a usage object; undefined when absent or unreadable. */
function count(usage: object, name: string): number | undefined {
  try {
    return finite((usage as Record<string, unknown>)[name]);
  } catch {
    return undefined;
  }
}

function addUsage(out: Record<string, unknown>, usage: unknown): void {
  const tokens = usageTokens(usage);
  out[GEN_AI_USAGE_INPUT_TOKENS] = tokens.input;
  out[GEN_AI_USAGE_OUTPUT_TOKENS] = tokens.output;
}

function addModelConfig(out: Record<string, unknown>, config: unknown): void {
  const fields = ownFields(config as Record<string, unknown>);
  for (const key of Object.keys(fields)) {
    // Only the table's own keys: `constructor` or `toString` must not map to Object's members.
    const value = finite(fields[key]);
    if (value !== undefined && Object.hasOwn(REQUEST_PARAMS, key)) out[REQUEST_PARAMS[key]] = value;
  }
}

/**
 * The GenAI semantic-convention attributes of some span data. Keys whose value is unknown are
 * present with `undefined` (span attribute setters skip them). Fields that cannot be read count
 * as unknown.
 *
 * @param spanData The span data.
 * @param toolCallId The tool call id of a function span, when known.
 * @param providerName `gen_ai.provider.name` of agent, generation and response spans (default
 *   `"openai"`).
 * @returns Attribute key/value pairs.
 */
export function genAiAttributes(
  spanData: SpanData,
  toolCallId?: string,
  providerName?: string,
): Record<string, unknown> {
  return readOrCopy(
    spanData,
    (data) => genAiAttributesOf(data as SpanData, toolCallId, providerName),
  );
}

/**
 * {@linkcode genAiAttributes} without the guard against span data that cannot be read: reading
 * `data` may throw (the caller uses `readOrCopy`).
 *
 * @param data The span data.
 * @param toolCallId The tool call id of a function span, when known.
 * @param providerName `gen_ai.provider.name` of agent, generation and response spans.
 * @returns Attribute key/value pairs.
 * @internal
 */
export function genAiAttributesOf(
  data: SpanData,
  toolCallId?: string,
  providerName: string = DEFAULT_PROVIDER_NAME,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  switch (data.type) {
    case "agent":
      out[GEN_AI_OPERATION_NAME] = "invoke_agent";
      out[GEN_AI_PROVIDER_NAME] = providerName;
      out[GEN_AI_AGENT_NAME] = data.name;
      break;
    case "generation":
      out[GEN_AI_OPERATION_NAME] = "chat";
      out[GEN_AI_PROVIDER_NAME] = providerName;
      out[GEN_AI_REQUEST_MODEL] = data.model;
      addModelConfig(out, data.model_config);
      addUsage(out, data.usage);
      break;
    case "response": {
      const raw = data._response;
      const rawId = field(raw, "id");
      out[GEN_AI_OPERATION_NAME] = "chat";
      out[GEN_AI_PROVIDER_NAME] = providerName;
      // The model a response reports is the one that answered, not necessarily the one asked for.
      out[GEN_AI_RESPONSE_MODEL] = responseModel(data);
      out[GEN_AI_RESPONSE_ID] = data.response_id ?? (typeof rawId === "string" ? rawId : undefined);
      addUsage(out, data.usage ?? field(raw, "usage"));
      break;
    }
    case "function":
      out[GEN_AI_OPERATION_NAME] = "execute_tool";
      out[GEN_AI_TOOL_NAME] = data.name;
      out[GEN_AI_TOOL_TYPE] = "function";
      out[GEN_AI_TOOL_CALL_ID] = toolCallId;
      break;
    case "transcription":
    case "speech":
      out[GEN_AI_REQUEST_MODEL] = data.model;
      addModelConfig(out, data.model_config);
      break;
    case "turn":
      out[GEN_AI_AGENT_NAME] = data.agent_name;
      addUsage(out, data.usage);
      break;
    case "task":
      addUsage(out, data.usage);
      break;
  }
  return out;
}

/**
 * The span name for some span data, following the GenAI conventions where they apply. Names
 * and models that are not strings appear in their string form.
 *
 * @param spanData The span data.
 * @returns The span name.
 */
export function spanNameFor(spanData: SpanData): string {
  return readOrCopy(spanData, (data) => spanNameOf(data as SpanData));
}

/**
 * {@linkcode spanNameFor} without the guard against span data that cannot be read: reading
 * `data` may throw (the caller uses `readOrCopy`).
 *
 * @param data The span data.
 * @returns The span name.
 * @internal
 */
export function spanNameOf(data: SpanData): string {
  const suffix = (value: unknown) => (value ? ` ${safeString(value)}` : "");
  switch (data.type) {
    case "agent":
      return `invoke_agent${suffix(data.name)}`;
    case "generation":
      return `chat${suffix(data.model)}`;
    case "response": {
      const model = responseModel(data);
      return model ? `chat${suffix(model)}` : "response";
    }
    case "function":
      return `execute_tool${suffix(data.name)}`;
    case "transcription":
    case "speech":
      return `${data.type}${suffix(data.model)}`;
    case "handoff":
      return `handoff${suffix(data.from_agent)}${
        data.to_agent ? ` ->${suffix(data.to_agent)}` : ""
      }`;
    case "custom":
      return data.name ? safeString(data.name) : "custom";
    case "guardrail":
      return `guardrail${suffix(data.name)}`;
    case "mcp_tools":
      return `mcp_tools${suffix(data.server)}`;
    case "task":
      return `task${suffix(data.name)}`;
    case "turn":
      return `turn ${safeString(data.turn)}${suffix(data.agent_name)}`;
    default:
      return safeString((data as { type?: unknown }).type ?? "span");
  }
}

/** A response span's model: its `model` field, else the raw response's `model` string. */
function responseModel(data: { model?: unknown; _response?: unknown }): unknown {
  const raw = field(data._response, "model");
  return data.model ?? (typeof raw === "string" ? raw : undefined);
}

/**
 * The span kind for some span data: `CLIENT` for calls to a model service, else `INTERNAL`.
 *
 * @param data The span data.
 * @returns The span kind.
 */
export function spanKindFor(data: SpanData): SpanKind {
  switch (field(data, "type")) {
    case "generation":
    case "response":
    case "transcription":
    case "speech":
      return "CLIENT";
    default:
      return "INTERNAL";
  }
}
