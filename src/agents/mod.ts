/**
 * The agent tracing layer: the OpenAI Agents SDK / CAI trace and span model on tracelet's one
 * pipeline. Every recording trace is a root tracelet span and every span a child tracelet span
 * carrying its span data (`openai.span_data`) and GenAI semantic-convention attributes
 * (`gen_ai.*`), so they reach the same processors, JSONL files and OTLP exporter as everything
 * else. Unlike the OpenAI SDKs, `run(fn)` records an exception thrown inside the span.
 *
 * @example
 * ```ts
 * import { addTraceProcessor, functionSpan, generationSpan, trace } from "@tracelet/tracelet/agents";
 *
 * addTraceProcessor({ onSpanEnd: (span) => console.log(span.spanData.type, span.error) });
 * await trace("weather_bot").run(async () => {
 *   await generationSpan({ model: "gpt-4o", usage: { input_tokens: 12, output_tokens: 3 } })
 *     .run(async () => {});
 *   functionSpan("get_weather", { input: '{"city":"Oslo"}', toolCallId: "call_1" })
 *     .run((span) => void (span.spanData.output = "sunny"));
 * });
 * ```
 *
 * Nothing is sent to OpenAI unless you opt in: tracelet registers no OpenAI processor by itself
 * (the OpenAI SDKs do). To send agent traces to the OpenAI Traces dashboard, add
 * `addTraceProcessor(new BatchTraceProcessor(new BackendSpanExporter()))` (key from
 * `OPENAI_API_KEY`, `setTracingExportApiKey()` or the exporter's `apiKey` option).
 *
 * @module
 */

export { AgentTrace, NoOpTrace } from "./trace.ts";
export type { TraceExport } from "./trace.ts";
export { AgentSpan, NoOpSpan } from "./agent_span.ts";
export type { SpanExport } from "./agent_span.ts";
export { createSpan, getCurrentSpan, getCurrentTrace, trace, withTrace } from "./factories.ts";
export type { AgentSpanOptions, AgentTraceOptions } from "./factories.ts";
export {
  agentSpan,
  customSpan,
  functionSpan,
  generationSpan,
  guardrailSpan,
  handoffSpan,
  mcpToolsSpan,
  responseSpan,
  speechGroupSpan,
  speechSpan,
  transcriptionSpan,
} from "./span_factories.ts";
export { exportSpanData } from "./span_data.ts";
export type {
  AgentSpanData,
  CustomSpanData,
  FunctionSpanData,
  GenerationSpanData,
  GenerationUsage,
  GuardrailSpanData,
  HandoffSpanData,
  MCPListToolsSpanData,
  ResponseSpanData,
  SpanData,
  SpanError,
  SpeechGroupSpanData,
  SpeechSpanData,
  TaskSpanData,
  TranscriptionSpanData,
  TurnSpanData,
} from "./span_data.ts";
export {
  addTraceProcessor,
  flushTraces,
  getTraceProcessors,
  setTraceProcessors,
} from "./processors.ts";
export type { SpanView, TraceView, TracingProcessor } from "./processors.ts";
export { TracingProcessorBridge } from "./tracing_processor_bridge.ts";
export type { TracingProcessorBridgeOptions } from "./tracing_processor_bridge.ts";
export {
  getAgentTracer,
  isTracingDisabled,
  setAgentTracer,
  setTracingDisabled,
  setTracingExportApiKey,
} from "./provider.ts";
export { BackendSpanExporter, OPENAI_TRACES_ENDPOINT } from "./backend_exporter.ts";
export type {
  BackendFetch,
  BackendSpanExporterOptions,
  ExportableTraceItem,
} from "./backend_exporter.ts";
export { BatchTraceProcessor } from "./batch_trace_processor.ts";
export type { BatchTraceProcessorOptions, TracingExporter } from "./batch_trace_processor.ts";
export {
  AGENT_SPAN_ENDED_WITH_TRACE,
  AGENT_TRACE_EVICTED,
  TraceletAgentsProcessor,
} from "./agents_core.ts";
export type {
  AgentsCoreSpanLike,
  AgentsCoreTraceLike,
  TraceletAgentsProcessorOptions,
} from "./agents_core.ts";
export { genGroupId, genSpanId, genTraceId, NOOP_ID, toW3CSpanId, toW3CTraceId } from "./ids.ts";
export { genAiAttributes, spanKindFor, spanNameFor, usageTokens } from "./genai_attributes.ts";
export { OPENAI_BATCH_DEFAULTS } from "../processor/batch_options.ts";
