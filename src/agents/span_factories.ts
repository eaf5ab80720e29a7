/**
 * One factory per span type, with the seeds' parameters (camelCase options) and typed span
 * data. Every factory returns an un-started span; see `createSpan` for parent defaulting.
 *
 * @module
 */
import type { AgentSpan } from "./agent_span.ts";
import { createSpan } from "./factories.ts";
import type { AgentSpanOptions } from "./factories.ts";
import type {
  AgentSpanData,
  CustomSpanData,
  FunctionSpanData,
  GenerationSpanData,
  GenerationUsage,
  GuardrailSpanData,
  HandoffSpanData,
  MCPListToolsSpanData,
  ResponseSpanData,
  SpeechGroupSpanData,
  SpeechSpanData,
  TranscriptionSpanData,
} from "./span_data.ts";

function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * An agent span.
 *
 * @param name The agent's name.
 * @param options Handoffs, tools, output type, and the common span options.
 * @returns The un-started span.
 * @example
 * ```ts
 * import { agentSpan, functionSpan, trace } from "@tracelet/tracelet/agents";
 * trace("support").run(() =>
 *   agentSpan("triage", { tools: ["lookup"] }).run(() =>
 *     functionSpan("lookup", { input: '{"id":1}', toolCallId: "call_1" }).run((s) => {
 *       s.spanData.output = "found";
 *     })
 *   )
 * );
 * ```
 */
export function agentSpan(
  name: string,
  options: AgentSpanOptions & { handoffs?: string[]; tools?: string[]; outputType?: string } = {},
): AgentSpan<AgentSpanData> {
  return createSpan({
    type: "agent",
    name,
    handoffs: options.handoffs,
    tools: options.tools,
    output_type: options.outputType,
  }, options);
}

/**
 * A function (tool call) span. Input and output are stored as strings (objects are JSON-encoded).
 *
 * @param name The function's name.
 * @param options Input, output, MCP data, and the common span options (`toolCallId`).
 * @returns The un-started span.
 */
export function functionSpan(
  name: string,
  options: AgentSpanOptions & { input?: unknown; output?: unknown; mcpData?: unknown } = {},
): AgentSpan<FunctionSpanData> {
  return createSpan({
    type: "function",
    name,
    input: text(options.input),
    output: text(options.output),
    mcp_data: options.mcpData === undefined ? undefined : text(options.mcpData),
  }, options);
}

/**
 * A model generation span.
 *
 * @param options Input and output messages, model, model config, usage, and the common options.
 * @returns The un-started span.
 */
export function generationSpan(
  options: AgentSpanOptions & {
    input?: Record<string, unknown>[];
    output?: Record<string, unknown>[];
    model?: string;
    modelConfig?: Record<string, unknown>;
    usage?: GenerationUsage;
  } = {},
): AgentSpan<GenerationSpanData> {
  return createSpan({
    type: "generation",
    input: options.input,
    output: options.output,
    model: options.model,
    model_config: options.modelConfig,
    usage: options.usage,
  }, options);
}

/**
 * A Responses API span. Its `response_id`, usage and model are read from the response object.
 *
 * @param options The response (`{id, model, usage}`), its input, and the common options.
 * @returns The un-started span.
 */
export function responseSpan(
  options: AgentSpanOptions & {
    response?: { id?: string; model?: string; usage?: GenerationUsage } & Record<string, unknown>;
    input?: string | Record<string, unknown>[];
  } = {},
): AgentSpan<ResponseSpanData> {
  const response = options.response;
  return createSpan({
    type: "response",
    response_id: response?.id,
    usage: response?.usage,
    model: response?.model,
    _input: options.input,
    _response: response,
  }, options);
}

/**
 * A handoff span.
 *
 * @param options From/to agent names and the common options.
 * @returns The un-started span.
 */
export function handoffSpan(
  options: AgentSpanOptions & { fromAgent?: string; toAgent?: string } = {},
): AgentSpan<HandoffSpanData> {
  return createSpan(
    { type: "handoff", from_agent: options.fromAgent, to_agent: options.toAgent },
    options,
  );
}

/**
 * A custom span with arbitrary data.
 *
 * @param name The span's name.
 * @param options Data and the common options.
 * @returns The un-started span.
 */
export function customSpan(
  name: string,
  options: AgentSpanOptions & { data?: Record<string, unknown> } = {},
): AgentSpan<CustomSpanData> {
  return createSpan({ type: "custom", name, data: options.data ?? {} }, options);
}

/**
 * A guardrail span.
 *
 * @param name The guardrail's name.
 * @param options Whether it triggered (default false) and the common options.
 * @returns The un-started span.
 */
export function guardrailSpan(
  name: string,
  options: AgentSpanOptions & { triggered?: boolean } = {},
): AgentSpan<GuardrailSpanData> {
  return createSpan({ type: "guardrail", name, triggered: options.triggered ?? false }, options);
}

/**
 * A speech-to-text span.
 *
 * @param options Model, audio input (base64), input format (default `pcm`), output, model config.
 * @returns The un-started span.
 */
export function transcriptionSpan(
  options: AgentSpanOptions & {
    model?: string;
    input?: string;
    inputFormat?: string;
    output?: string;
    modelConfig?: Record<string, unknown>;
  } = {},
): AgentSpan<TranscriptionSpanData> {
  return createSpan({
    type: "transcription",
    input: { data: options.input ?? "", format: options.inputFormat ?? "pcm" },
    output: options.output,
    model: options.model,
    model_config: options.modelConfig,
  }, options);
}

/**
 * A text-to-speech span.
 *
 * @param options Model, text input, audio output (base64), output format (default `pcm`), model
 *   config, time of the first audio byte.
 * @returns The un-started span.
 */
export function speechSpan(
  options: AgentSpanOptions & {
    model?: string;
    input?: string;
    output?: string;
    outputFormat?: string;
    modelConfig?: Record<string, unknown>;
    firstContentAt?: string;
  } = {},
): AgentSpan<SpeechSpanData> {
  return createSpan({
    type: "speech",
    input: options.input,
    output: { data: options.output ?? "", format: options.outputFormat ?? "pcm" },
    model: options.model,
    model_config: options.modelConfig,
    first_content_at: options.firstContentAt,
  }, options);
}

/**
 * A speech group span.
 *
 * @param options The input text and the common options.
 * @returns The un-started span.
 */
export function speechGroupSpan(
  options: AgentSpanOptions & { input?: string } = {},
): AgentSpan<SpeechGroupSpanData> {
  return createSpan({ type: "speech_group", input: options.input }, options);
}

/**
 * An MCP list-tools span.
 *
 * @param options The server name, the listed tool names, and the common options.
 * @returns The un-started span.
 */
export function mcpToolsSpan(
  options: AgentSpanOptions & { server?: string; result?: string[] } = {},
): AgentSpan<MCPListToolsSpanData> {
  return createSpan({ type: "mcp_tools", server: options.server, result: options.result }, options);
}
