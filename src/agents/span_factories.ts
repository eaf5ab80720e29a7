/**
 * One factory per span type, with the seeds' parameters (camelCase options) and typed span
 * data. Every factory returns an un-started span; see `createSpan` for parent defaulting.
 *
 * @module
 */
import type { AgentSpan } from "./agent_span.ts";
import { jsonEncode } from "../attributes.ts";
import { field, readOrCopy } from "./_input.ts";
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

/**
 * A function span's input or output as text: strings as is, anything else as JSON as attribute
 * values are encoded (cycles marked, BigInts as text, at most 65,536 values: a 2 MB byte buffer
 * as input took a second of `JSON.stringify`, for text cut to 2,048 characters on export).
 */
function text(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : jsonEncode(value);
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
  options: AgentSpanOptions & {
    handoffs?: string[] | undefined;
    tools?: string[] | undefined;
    outputType?: string | undefined;
  } = {},
): AgentSpan<AgentSpanData> {
  return createSpan(
    readOrCopy(options, (o): AgentSpanData => ({
      type: "agent",
      name,
      handoffs: o.handoffs,
      tools: o.tools,
      output_type: o.outputType,
    })),
    options,
  );
}

/**
 * A function (tool call) span. Input and output are stored as strings (objects are JSON-encoded);
 * one not given is `""` on the span data, as in the JS SDK, and `null` in `export()`, as the
 * Python SDK exports it.
 *
 * @param name The function's name.
 * @param options Input, output, MCP data, and the common span options (`toolCallId`).
 * @returns The un-started span.
 */
export function functionSpan(
  name: string,
  options: AgentSpanOptions & { input?: unknown; output?: unknown; mcpData?: unknown } = {},
): AgentSpan<FunctionSpanData> {
  return createSpan(
    readOrCopy(options, (o): FunctionSpanData => ({
      type: "function",
      name,
      input: text(o.input),
      output: text(o.output),
      mcp_data: o.mcpData === undefined ? undefined : text(o.mcpData),
    })),
    options,
  );
}

/**
 * A model generation span.
 *
 * @param options Input and output messages, model, model config, usage, and the common options.
 * @returns The un-started span.
 */
export function generationSpan(
  options: AgentSpanOptions & {
    input?: Record<string, unknown>[] | undefined;
    output?: Record<string, unknown>[] | undefined;
    model?: string | undefined;
    modelConfig?: Record<string, unknown> | undefined;
    usage?: GenerationUsage | undefined;
  } = {},
): AgentSpan<GenerationSpanData> {
  return createSpan(
    readOrCopy(options, (o): GenerationSpanData => ({
      type: "generation",
      input: o.input,
      output: o.output,
      model: o.model,
      model_config: o.modelConfig,
      usage: o.usage,
    })),
    options,
  );
}

/**
 * A Responses API span. Its `response_id`, usage and model are read from the response object.
 *
 * @param options The response (`{id, model, usage}`), its input, and the common options.
 * @returns The un-started span.
 */
export function responseSpan(
  options: AgentSpanOptions & {
    response?:
      | (
        & {
          id?: string | undefined;
          model?: string | undefined;
          usage?: GenerationUsage | undefined;
        }
        & Record<string, unknown>
      )
      | undefined;
    input?: string | Record<string, unknown>[] | undefined;
  } = {},
): AgentSpan<ResponseSpanData> {
  return createSpan(
    readOrCopy(options, (o): ResponseSpanData => ({
      type: "response",
      response_id: field(o.response, "id") as string | undefined,
      usage: field(o.response, "usage") as GenerationUsage | undefined,
      model: field(o.response, "model") as string | undefined,
      _input: o.input,
      _response: o.response,
    })),
    options,
  );
}

/**
 * A handoff span.
 *
 * @param options From/to agent names and the common options.
 * @returns The un-started span.
 */
export function handoffSpan(
  options: AgentSpanOptions & { fromAgent?: string | undefined; toAgent?: string | undefined } = {},
): AgentSpan<HandoffSpanData> {
  return createSpan(
    readOrCopy(
      options,
      (o): HandoffSpanData => ({ type: "handoff", from_agent: o.fromAgent, to_agent: o.toAgent }),
    ),
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
  options: AgentSpanOptions & { data?: Record<string, unknown> | undefined } = {},
): AgentSpan<CustomSpanData> {
  return createSpan(
    readOrCopy(options, (o): CustomSpanData => ({ type: "custom", name, data: o.data ?? {} })),
    options,
  );
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
  options: AgentSpanOptions & { triggered?: boolean | undefined } = {},
): AgentSpan<GuardrailSpanData> {
  return createSpan(
    readOrCopy(
      options,
      (o): GuardrailSpanData => ({ type: "guardrail", name, triggered: o.triggered ?? false }),
    ),
    options,
  );
}

/**
 * A speech-to-text span.
 *
 * @param options Model, audio input (base64), input format (default `pcm`), output, model config.
 * @returns The un-started span.
 */
export function transcriptionSpan(
  options: AgentSpanOptions & {
    model?: string | undefined;
    input?: string | undefined;
    inputFormat?: string | undefined;
    output?: string | undefined;
    modelConfig?: Record<string, unknown> | undefined;
  } = {},
): AgentSpan<TranscriptionSpanData> {
  return createSpan(
    readOrCopy(options, (o): TranscriptionSpanData => ({
      type: "transcription",
      input: { data: o.input ?? "", format: o.inputFormat ?? "pcm" },
      output: o.output,
      model: o.model,
      model_config: o.modelConfig,
    })),
    options,
  );
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
    model?: string | undefined;
    input?: string | undefined;
    output?: string | undefined;
    outputFormat?: string | undefined;
    modelConfig?: Record<string, unknown> | undefined;
    firstContentAt?: string | undefined;
  } = {},
): AgentSpan<SpeechSpanData> {
  return createSpan(
    readOrCopy(options, (o): SpeechSpanData => ({
      type: "speech",
      input: o.input,
      output: { data: o.output ?? "", format: o.outputFormat ?? "pcm" },
      model: o.model,
      model_config: o.modelConfig,
      first_content_at: o.firstContentAt,
    })),
    options,
  );
}

/**
 * A speech group span.
 *
 * @param options The input text and the common options.
 * @returns The un-started span.
 */
export function speechGroupSpan(
  options: AgentSpanOptions & { input?: string | undefined } = {},
): AgentSpan<SpeechGroupSpanData> {
  return createSpan(
    readOrCopy(options, (o): SpeechGroupSpanData => ({ type: "speech_group", input: o.input })),
    options,
  );
}

/**
 * An MCP list-tools span.
 *
 * @param options The server name, the listed tool names, and the common options.
 * @returns The un-started span.
 */
export function mcpToolsSpan(
  options: AgentSpanOptions & { server?: string | undefined; result?: string[] | undefined } = {},
): AgentSpan<MCPListToolsSpanData> {
  return createSpan(
    readOrCopy(
      options,
      (o): MCPListToolsSpanData => ({ type: "mcp_tools", server: o.server, result: o.result }),
    ),
    options,
  );
}
