/**
 * The TaskSpan layer: dreadnode's task model and module-level API in TypeScript — runs, tasks,
 * params, inputs/outputs as content-addressed objects, metrics, artifacts, samples, object links,
 * distributed continuation, session binding, study/trial spans and graph export.
 *
 * @example
 * ```ts
 * import { logInput, logMetric, logOutput, run, taskSpan } from "@tracelet/tracelet";
 * await run("experiment-1", { project: "demo" }, async () => {
 *   await taskSpan("data-prep", { tags: ["etl"] }, async () => {
 *     logInput("rows", 250);
 *     logMetric("latency_ms", 112, { step: 1 });
 *     logOutput("status", "ok");
 *   });
 * });
 * ```
 *
 * @module
 */
export { TaskSpan } from "./task_span.ts";
export type {
  LogObjectRefOptions,
  TaskArguments,
  TaskDroppedCounts,
  TaskObject,
} from "./task_span.ts";
export { ATTR_TASK_ID, ATTR_TASK_PARENT_ID, newRunId, startTask } from "./start.ts";
export type { StartTaskExtras, TaskSpanOptions } from "./start.ts";
export {
  contextForTask,
  findSpanByType,
  getCurrentRun,
  getCurrentRunSpan,
  getCurrentTask,
  getCurrentTaskSpan,
  runTask,
  TASK_KEY,
} from "./task_context.ts";
export { bindSessionId, run, span, taskAndRun, taskSpan } from "./spans.ts";
export type { RunOptions, SpanOptions, TaskAndRunOptions, TaskBody } from "./spans.ts";
export {
  linkObjects,
  logArtifact,
  logInput,
  logInputs,
  logMetric,
  logMetrics,
  logOutput,
  logOutputs,
  logParam,
  logParams,
  tag,
} from "./log.ts";
export { logSample, logSamples } from "./samples.ts";
export type { LogSampleOptions, Sample } from "./samples.ts";
export { pushUpdate } from "./push_update.ts";
export { parameterNames } from "./parameter_names.ts";
export { task } from "./task_fn.ts";
export type { Score, Scorer, TaskOptions } from "./task_fn.ts";
export { Metric, toMetricValue } from "./metric_point.ts";
export type { MetricPoint } from "./metric_point.ts";
export { METRIC_AGG_MODES, MetricSeries } from "./metrics.ts";
export type { MetricAggMode, MetricSeriesJson } from "./metrics.ts";
export type { LogMetricOptions, MetricEntry } from "./_task_state.ts";
export {
  INLINE_OBJECT_LIMIT,
  loadObjectValue,
  MAX_OBJECTS_PER_TASK,
  OBJECT_URI_PREFIX,
} from "./objects.ts";
export type { InlineObject, ObjectRef, StoredObject, UriObject } from "./objects.ts";
export { artifactsLogPath } from "./artifacts.ts";
export { sha256Hex } from "./_artifact_blobs.ts";
export type {
  ArtifactRecord,
  ArtifactSource,
  DirectoryArtifact,
  LogArtifactOptions,
} from "./artifacts.ts";
export { guessMimeType } from "./mime.ts";
export {
  extractTraceContext,
  formatTraceparent,
  formatTracestate,
  injectTraceContext,
  isValidTracestateKey,
  isValidTracestateValue,
  MAX_TRACESTATE_MEMBERS,
  parseTraceparent,
  parseTracestate,
} from "./trace_context.ts";
export type {
  ExtractedTraceContext,
  TraceCarrier,
  Traceparent,
  TracestateMember,
} from "./trace_context.ts";
export { continueTask, getTaskContext, validateTaskContext } from "./continuation.ts";
export type { TaskContext } from "./continuation.ts";
export { limitBaggage, MAX_BAGGAGE_BYTES, MAX_BAGGAGE_MEMBERS, parseBaggage } from "./baggage.ts";
export type { LimitedBaggage } from "./baggage.ts";
export { AIRT_ATTRIBUTE_PREFIX, airtAttributes, studySpan, trialSpan } from "./study.ts";
export type { AirtFields, StudySpanOptions, TrialSpanOptions } from "./study.ts";
export { runSpanToGraph, taskSpanToGraph, toDot, toMermaid } from "./graph.ts";
export type { GraphTask, TaskGraph, TaskGraphEdge, TaskGraphNode } from "./graph.ts";
