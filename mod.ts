/**
 * tracelet: portable tracing for AI agents and services on Deno, Node, Bun and Cloudflare
 * Workers, with zero runtime dependencies.
 *
 * This entry is runtime-neutral. For file storage, AsyncLocalStorage context and a fast gzip,
 * import `configure` from your runtime's preset (`@tracelet/tracelet/node`, `/deno`, `/worker`,
 * `/web`).
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, JsonlSpanExporter, MemoryStorage, Tracer } from "@tracelet/tracelet";
 *
 * const storage = new MemoryStorage();
 * const tracer = new Tracer({
 *   serviceName: "demo",
 *   processors: [new BatchSpanProcessor(new JsonlSpanExporter({ storage }))],
 * });
 * await tracer.withSpan("answer", async (span) => {
 *   span.setAttribute("question", "life");
 *   return 42;
 * });
 * const report = await tracer.shutdown();
 * console.log(report.exported); // 1
 * ```
 *
 * @module
 */

// Core span model
export type {
  AttributePrimitive,
  Attributes,
  AttributeValue,
  FlushReport,
  InstrumentationScope,
  Resource,
  SpanContext,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanRecord,
  SpanStatus,
  StatusCode,
  TraceInfo,
} from "./src/types.ts";
export { Span } from "./src/span.ts";
export type { LinkInput, Sampler, SpanPipeline, SpanType } from "./src/span_types.ts";
export { alwaysOff, alwaysOn, parentBased, samplerFromEnv, traceIdRatio } from "./src/sampling.ts";
export { Tracer } from "./src/tracer.ts";
export type { StartSpanOptions, TracerOptions } from "./src/tracer.ts";
export { getTracer, setTracer } from "./src/global.ts";
// HTTP
export { tracedFetch } from "./src/http/traced_fetch.ts";
export type {
  FetchFunction,
  FetchRequestInfo,
  TracedFetchOptions,
} from "./src/http/traced_fetch.ts";
export { traceFetchHandler } from "./src/http/trace_fetch_handler.ts";
export type { FetchHandler, TraceFetchHandlerOptions } from "./src/http/trace_fetch_handler.ts";
export { traceRequestListener } from "./src/http/trace_request_listener.ts";
export type {
  IncomingMessageLike,
  RequestListenerLike,
  ServerResponseLike,
  TraceRequestListenerOptions,
} from "./src/http/trace_request_listener.ts";
export { DEFAULT_SPAN_LIMITS } from "./src/attributes.ts";
export type { SpanLimits } from "./src/attributes.ts";
export { isValidSpanId, isValidTraceId, newSpanId, newTraceId, newUuid } from "./src/ids.ts";
export { isoFromNs, nowNs } from "./src/clock.ts";
export type { TimeInput } from "./src/clock.ts";
export { cleanStr, cleanTags } from "./src/clean.ts";
export { VERSION } from "./src/version.ts";

// Configuration
export { configure, getConfig } from "./src/portable.ts";
export { configureWith } from "./src/configure.ts";
export type { Configured, ConfigureOptions, RuntimeParts } from "./src/configure.ts";
export type { PipelineOptions } from "./src/pipeline.ts";
export type { LocalFiles, TraceletConfig } from "./src/config_state.ts";

// Context
export { Context, createContextKey } from "./src/context/context.ts";
export type { ContextKey } from "./src/context/context.ts";
export { contextWithAttributes, INHERITED_ATTRIBUTES_KEY } from "./src/context/keys.ts";
export { activeContext, getContextManager, setContextManager } from "./src/context/manager.ts";
export type { ContextManager } from "./src/context/manager.ts";
export type { Adopted } from "./src/context/run_in_context.ts";
export { SyncContextManager } from "./src/context/sync_manager.ts";
export { AsyncLocalStorageContextManager } from "./src/context/als_manager.ts";
export type { AsyncLocalStorageClass, AsyncLocalStorageLike } from "./src/context/als_manager.ts";

// Processors and exporters
export type { ExportOptions, SpanExporter, SpanProcessor } from "./src/processor/types.ts";
export { SimpleSpanProcessor } from "./src/processor/simple.ts";
export type { SimpleSpanProcessorOptions } from "./src/processor/simple.ts";
export { BatchSpanProcessor } from "./src/processor/batch.ts";
export { OPENAI_BATCH_DEFAULTS } from "./src/processor/batch_options.ts";
export type { BatchSpanProcessorOptions } from "./src/processor/batch_options.ts";
export { emptyReport, mergeReport } from "./src/processor/report.ts";
export { TailSamplingProcessor } from "./src/processor/tail_sampling.ts";
export type {
  TailSamplingOptions,
  TailSamplingStats,
  TailSamplingTrace,
} from "./src/processor/tail_sampling.ts";
export {
  JsonlSpanExporter,
  LocalStorageSpanExporter,
  spanLogPath,
  toFlatSpan,
} from "./src/exporter/jsonl.ts";
export type { FlatSpan, JsonlSpanExporterOptions } from "./src/exporter/jsonl.ts";
export { ConsoleSpanExporter, formatSpanLine } from "./src/exporter/console.ts";
export type { ConsoleSpanExporterOptions } from "./src/exporter/console.ts";
export { DEFAULT_MCP_PORT, WebSocketSpanExporter } from "./src/exporter/websocket.ts";
export type {
  WebSocketConstructor,
  WebSocketLike,
  WebSocketSpanExporterOptions,
} from "./src/exporter/websocket.ts";
export { DEFAULT_OTLP_TRACES_URL, OtlpHttpExporter } from "./src/exporter/otlp_http.ts";
export type {
  Compressor,
  FetchLike,
  OtlpHttpExporterOptions,
  RetryOptions,
  SendResult,
} from "./src/exporter/otlp_http.ts";
export type { PartialSuccess } from "./src/otlp/partial_success.ts";
export {
  createOtlpExporter,
  resolveOtlpConfig,
  resolveTraceBackend,
} from "./src/exporter/otlp_factory.ts";
export type {
  BackendCredentials,
  OtlpCompression,
  OtlpConfig,
  OtlpConfigOptions,
  OtlpExporterOptions,
  OtlpProtocol,
  TraceBackend,
} from "./src/exporter/otlp_factory.ts";
export { OtlpOutbox } from "./src/exporter/otlp_outbox.ts";
export type {
  ExportOutbox,
  OutboxLink,
  OutboxRetryOptions,
  UndeliveredBatch,
} from "./src/exporter/otlp_outbox.ts";
export type { OtlpEncoder } from "./src/otlp/encoder.ts";
export {
  encodeTracesProtobuf,
  OTLP_PROTOBUF_ENCODER,
  PROTOBUF_CONTENT_TYPE,
} from "./src/otlp/encode_protobuf.ts";
export { encodeTracesJson, JSON_CONTENT_TYPE, OTLP_JSON_ENCODER } from "./src/otlp/encode_json.ts";
export { DEFAULT_SERVICE_NAME, resolveResource } from "./src/otlp/resource.ts";
export type { EnvReader, ResourceOptions } from "./src/otlp/resource.ts";
export { parseResourceAttributes, resolveResourceFromEnv } from "./src/otlp/resource_env.ts";

// Storage
export { MemoryStorage } from "./src/storage/memory.ts";
export type { MemoryStorageOptions, MemoryStorageStats } from "./src/storage/memory.ts";
export type {
  EnqueueResult,
  Outbox,
  OutboxDropPolicy,
  OutboxEntry,
  OutboxEntryInfo,
  OutboxInput,
  OutboxOptions,
  OutboxPeekOptions,
  StoragePath,
  TraceStorage,
} from "./src/storage/types.ts";

// Serialization, redaction and hashing
export { serialize, serializeToJson } from "./src/serialize/serialize.ts";
export type {
  JsonArray,
  JsonObject,
  JsonSchema,
  JsonValue,
  Serialized,
  SerializeOptions,
} from "./src/serialize/types.ts";
export { DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH } from "./src/serialize/limits.ts";
export { pythonJson, pythonStr } from "./src/serialize/python_json.ts";
export { sha1, sha1Hex } from "./src/hash/sha1.ts";
export { EMPTY_HASH, hashSerialized, objectHashes, schemaHash } from "./src/hash/object_hash.ts";
export type { ObjectHashes } from "./src/hash/object_hash.ts";
export { createRedactionPolicy, RedactionPolicy } from "./src/redact/policy.ts";
export { normalizeKey } from "./src/redact/sensitive_keys.ts";
export type { HeadersInput } from "./src/redact/headers.ts";
export {
  DEFAULT_MAX_STRING_LENGTH,
  DEFAULT_REDACTED_KEYS,
  DEFAULT_REPLACEMENT,
  DEFAULT_URL_PARAMETER_KEYS,
} from "./src/redact/options.ts";
export type { RedactionOptions } from "./src/redact/options.ts";
export { getRedactionPolicy, setRedactionPolicy } from "./src/redact/global.ts";
export { codePointLength, truncateString } from "./src/redact/truncate.ts";
export { RedactingExporter, redactSpan } from "./src/redact/redacting_exporter.ts";

// TaskSpan layer (dreadnode-style API)
export * from "./src/task/mod.ts";

// Agent tracing layer (OpenAI Agents / CAI-style traces, spans and processors; also `./agents`)
export * from "./src/agents/mod.ts";

// Events layer (design_research_agents-style events, sinks and trace analysis; also `./events`)
export * from "./src/events/mod.ts";

// Diagnostics and errors
export { report, reportOnce, setDiagnosticsHook } from "./src/diagnostics.ts";
export type { Diagnostic, DiagnosticLevel, DiagnosticsHook } from "./src/diagnostics.ts";
export { TracerError } from "./src/errors.ts";
export type { TracerErrorCode } from "./src/errors.ts";
