/**
 * Typed span data of the agent layer, in the OpenAI Agents SDK's shapes (`snake_case` fields as
 * exported by the SDK, so processors written for `@openai/agents-core` read them unchanged).
 *
 * @module
 */
import { setOwn } from "../own_property.ts";
import { readOrCopy } from "./_input.ts";

/** Data of an agent span (one agent's run). */
export interface AgentSpanData {
  /** The span type: always `"agent"`. */
  type: "agent";
  /** The agent's name. */
  name: string;
  /** Agents it may hand off to. */
  handoffs?: string[] | undefined;
  /** Tools it may call. */
  tools?: string[] | undefined;
  /** Name of its output type. */
  output_type?: string | undefined;
}

/** Data of a function (tool) call span. */
export interface FunctionSpanData {
  /** The span type: always `"function"`. */
  type: "function";
  /** The function's name. */
  name: string;
  /** Its input (stringified; `""` when not given, exported as `null`). */
  input: string;
  /** Its output (stringified; `""` when not given, exported as `null`). */
  output: string;
  /** MCP data, when the function came from an MCP server. */
  mcp_data?: string | undefined;
}

/** Token usage of a model generation. */
export interface GenerationUsage {
  /** Input (prompt) tokens. */
  input_tokens?: number | undefined;
  /** Output (completion) tokens. */
  output_tokens?: number | undefined;
  /** Provider-specific details. */
  details?: Record<string, unknown> | null | undefined;
  /** Further provider fields (e.g. `prompt_tokens`, `total_tokens`). */
  [key: string]: unknown;
}

/** Data of a model generation span. */
export interface GenerationSpanData {
  /** The span type: always `"generation"`. */
  type: "generation";
  /** Input messages. */
  input?: Record<string, unknown>[] | undefined;
  /** Output messages. */
  output?: Record<string, unknown>[] | undefined;
  /** Model name. */
  model?: string | undefined;
  /** Model configuration (temperature, max tokens, …). */
  model_config?: Record<string, unknown> | undefined;
  /** Token usage. */
  usage?: GenerationUsage | undefined;
}

/** Data of a Responses API call span. */
export interface ResponseSpanData {
  /** The span type: always `"response"`. */
  type: "response";
  /** The response id. */
  response_id?: string | undefined;
  /** Token usage of the response. */
  usage?: GenerationUsage | undefined;
  /** Model of the response (tracelet addition; not exported by the SDKs). */
  model?: string | undefined;
  /** The request input (private: not exported, like the SDK's `_input`). */
  _input?: string | Record<string, unknown>[] | undefined;
  /** The raw response (private: not exported, like the SDK's `_response`). */
  _response?: Record<string, unknown> | undefined;
}

/** Data of a handoff span. */
export interface HandoffSpanData {
  /** The span type: always `"handoff"`. */
  type: "handoff";
  /** The agent handing off. */
  from_agent?: string | undefined;
  /** The agent receiving control. */
  to_agent?: string | undefined;
}

/** Data of a custom span. */
export interface CustomSpanData {
  /** The span type: always `"custom"`. */
  type: "custom";
  /** The span's name. */
  name: string;
  /** Arbitrary structured data. */
  data: Record<string, unknown>;
}

/** Data of a guardrail span. */
export interface GuardrailSpanData {
  /** The span type: always `"guardrail"`. */
  type: "guardrail";
  /** The guardrail's name. */
  name: string;
  /** Whether it was triggered. */
  triggered: boolean;
}

/** Data of a speech-to-text span. */
export interface TranscriptionSpanData {
  /** The span type: always `"transcription"`. */
  type: "transcription";
  /** The audio input (base64) and its format. */
  input: { data: string; format: string };
  /** The transcribed text. */
  output?: string | undefined;
  /** Model name. */
  model?: string | undefined;
  /** Model configuration. */
  model_config?: Record<string, unknown> | undefined;
}

/** Data of a text-to-speech span. */
export interface SpeechSpanData {
  /** The span type: always `"speech"`. */
  type: "speech";
  /** The text input. */
  input?: string | undefined;
  /** The audio output (base64) and its format. */
  output: { data: string; format: string };
  /** Model name. */
  model?: string | undefined;
  /** Model configuration. */
  model_config?: Record<string, unknown> | undefined;
  /** When the first audio byte arrived (ISO time). */
  first_content_at?: string | undefined;
}

/** Data of a speech group span. */
export interface SpeechGroupSpanData {
  /** The span type: always `"speech_group"`. */
  type: "speech_group";
  /** The input text. */
  input?: string | undefined;
}

/** Data of an MCP list-tools span. */
export interface MCPListToolsSpanData {
  /** The span type: always `"mcp_tools"`. */
  type: "mcp_tools";
  /** The MCP server. */
  server?: string | undefined;
  /** The tool names it listed. */
  result?: string[] | undefined;
}

/** Data of a task span (newer SDK versions: one `Runner.run`). */
export interface TaskSpanData {
  /** The span type: always `"task"`. */
  type: "task";
  /** The task's name. */
  name: string;
  /** Aggregated usage. */
  usage?: GenerationUsage | undefined;
}

/** Data of a turn span (newer SDK versions: one agent turn). */
export interface TurnSpanData {
  /** The span type: always `"turn"`. */
  type: "turn";
  /** The turn number. */
  turn: number;
  /** The agent taking the turn. */
  agent_name: string;
  /** Usage of the turn. */
  usage?: GenerationUsage | undefined;
}

/** Every span data shape of the agent layer. */
export type SpanData =
  | AgentSpanData
  | FunctionSpanData
  | GenerationSpanData
  | ResponseSpanData
  | HandoffSpanData
  | CustomSpanData
  | GuardrailSpanData
  | TranscriptionSpanData
  | SpeechSpanData
  | SpeechGroupSpanData
  | MCPListToolsSpanData
  | TaskSpanData
  | TurnSpanData;

/** The error attached to a span with `setError`. */
export interface SpanError {
  /** What went wrong. */
  message: string;
  /** Structured details. */
  data?: Record<string, unknown> | undefined;
}

/**
 * The fields the OpenAI Agents SDK (Python, and its CAI fork) exports for each span type, in its
 * order (`SpanData.export()`); the SDK writes `None` for one that has no value.
 */
const SDK_FIELDS: Readonly<Record<string, readonly string[]>> = {
  agent: ["name", "handoffs", "tools", "output_type"],
  function: ["name", "input", "output", "mcp_data"],
  generation: ["input", "output", "model", "model_config", "usage"],
  response: ["response_id", "usage"],
  handoff: ["from_agent", "to_agent"],
  custom: ["name", "data"],
  guardrail: ["name", "triggered"],
  transcription: ["input", "output", "model", "model_config"],
  speech: ["input", "output", "model", "model_config", "first_content_at"],
  speech_group: ["input"],
  mcp_tools: ["server", "result"],
};

/**
 * The exported form of span data, as the OpenAI Agents SDK (Python) exports it: `type`, then every
 * field the SDK exports for that type, `null` when it has no value (`{"type": "agent", "name":
 * "triage", "handoffs": null, "tools": null, "output_type": null}`). A function span's input or
 * output that was never given (`""` on the span data, as in the JS SDK) is `null` too. Other
 * fields follow (a response span's `model`, fields added by the caller), without private
 * (`_`-prefixed) fields and `undefined` values. Task and turn data are exported the way the SDK
 * exports them, as custom span data: `{type: "custom", name: "task", data: {sdk_span_type:
 * "task", name, usage}}` (and `name: "turn"` with `turn`, `agent_name`, `usage`; `usage` only
 * when set). Fields that cannot be read are left out (see `ownFields`).
 *
 * @param data The span data.
 * @returns A plain object.
 */
export function exportSpanData(data: SpanData): Record<string, unknown> {
  const fields = readOrCopy(data, exportedFields);
  const type = fields.type;
  const names = typeof type === "string" && Object.hasOwn(SDK_FIELDS, type)
    ? SDK_FIELDS[type]
    : undefined;
  if (names === undefined) return fields;
  const out: Record<string, unknown> = { type };
  for (const name of names) out[name] = fields[name] ?? null;
  if (type === "function") {
    if (out.input === "") out.input = null;
    if (out.output === "") out.output = null;
  }
  for (const key of Object.keys(fields)) {
    if (!Object.hasOwn(out, key)) setOwn(out, key, fields[key]);
  }
  return out;
}

/**
 * {@linkcode exportSpanData} without the guard against span data that cannot be read: reading
 * `data` may throw (callers use `readOrCopy`).
 *
 * @param data The span data.
 * @returns A plain object without `_`-prefixed fields and `undefined` values.
 * @internal
 */
export function exportedFields(data: object): Record<string, unknown> {
  const fields = data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(fields)) {
    if (!key.startsWith("_") && fields[key] !== undefined) out[key] = fields[key];
  }
  const type = out.type;
  if (type !== "task" && type !== "turn") return out;
  delete out.type;
  return { type: "custom", name: type, data: { sdk_span_type: type, ...out } };
}
