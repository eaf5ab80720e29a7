/**
 * The events layer: design_research_agents' event log on tracelet's one pipeline. An
 * {@linkcode EventTracer} traces runs (`runCallable`, `withTraceRun`, or `startTraceRun` /
 * `finishTraceRun`); emitters record model and tool calls, decisions and the *Observed* payload
 * events. Every event is redacted and truncated, then written as one JSONL line (through the
 * storage adapter) and printed by the console sink; runs, agent runs, model calls and tool calls
 * are also tracelet spans.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "@tracelet/tracelet";
 * import {
 *   EventTracer,
 *   emitToolInvocationObserved,
 *   finishToolCall,
 *   startToolCall,
 * } from "@tracelet/tracelet/events";
 *
 * const tracer = new EventTracer({ storage: new MemoryStorage() });
 * await tracer.runCallable({
 *   agentName: "researcher",
 *   requestId: "req-42",
 *   inputPayload: { question: "why?" },
 *   fn: () => {
 *     const id = startToolCall({ toolName: "search", toolInput: { q: "why" } });
 *     emitToolInvocationObserved({ toolName: "search", sourceId: "web", requestId: "t1", toolInput: { q: "why" } });
 *     finishToolCall(id, { toolName: "search", result: { hits: 3 } });
 *     return "because";
 *   },
 * });
 * ```
 *
 * @module
 */

export { EventTracer } from "./event_tracer.ts";
export { sanitizeRunId, utcStamp } from "./_trace_names.ts";
export type { EventTracerOptions, RunCallableOptions, TraceInfoPayload } from "./event_tracer.ts";
export {
  currentSpanId,
  currentTraceSession,
  finishTraceRun,
  startTraceRun,
  withTraceRun,
} from "./context.ts";
export type { FinishTraceRunOptions, StartTraceRunOptions, TraceScope } from "./context.ts";
export { TraceSession } from "./session.ts";
export type { SpanShape, TraceSessionOptions } from "./session_options.ts";
export { OBSERVED_EVENT_TYPES } from "./event.ts";
export type { EventSink, EventType, TraceEvent } from "./event.ts";
export { eventLine } from "./event_line.ts";
export { JsonlEventSink } from "./sinks.ts";
export { MemoryEventSink } from "./memory_sink.ts";
export type { JsonlEventSinkOptions } from "./sinks.ts";
export {
  ConsoleEventSink,
  formatEvent,
  lineStream,
  preview,
  stderrStream,
} from "./console_sink.ts";
export type { ConsoleStream } from "./console_sink.ts";
export {
  emitModelToken,
  failToolCall,
  finishModelCall,
  finishToolCall,
  startModelCall,
  startToolCall,
} from "./emitters.ts";
export type {
  FinishModelCallOptions,
  StartModelCallOptions,
  StartToolCallOptions,
} from "./emitters.ts";
export {
  emitContinuationDecision,
  emitGuardrailDecision,
  emitModelSelectionDecision,
  emitRouterDecision,
  emitToolSelectionDecision,
} from "./decisions.ts";
export {
  emitModelRequestObserved,
  emitModelResponseObserved,
  emitToolInvocationObserved,
  emitToolResultObserved,
  emitWorkflowStepContext,
  emitWorkflowStepResult,
} from "./observed.ts";
export {
  analyzeTraceDir,
  analyzeTraceFiles,
  formatReportJson,
  formatReportText,
  percentile,
  roundHalfEven,
  summarize,
} from "../analyze/mod.ts";
export type {
  AnalysisReport,
  AnalyzeOptions,
  ModelStats,
  NamedSummary,
  Summary,
  ToolStats,
  TraceDirReader,
  TraceFileText,
} from "../analyze/mod.ts";
