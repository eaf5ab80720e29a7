/**
 * The agent layer's processor registry: the OpenAI Agents / CAI-style processors added with
 * {@linkcode addTraceProcessor} or {@linkcode setTraceProcessors} (each wrapped in a
 * `TracingProcessorBridge`, one processor of the agent layer tracer's fan-out, so a processor
 * that throws or rejects affects neither the host program nor other processors), the exit flush
 * they install, {@linkcode flushTraces}, and the shapes a {@linkcode TracingProcessor} sees
 * ({@linkcode TraceView}, {@linkcode SpanView}).
 *
 * @module
 */
import { TracerError } from "../errors.ts";
import { failed } from "../processor/fan_out.ts";
import type { SpanProcessor } from "../processor/types.ts";
import type { FlushReport } from "../types.ts";
import { installExitFlush } from "./_exit_flush.ts";
import { agentsState } from "./_state.ts";
import { deliveredBy } from "./_batch_delivered.ts";
import { getAgentTracer } from "./provider.ts";
import type { SpanData, SpanError } from "./span_data.ts";
import { TracingProcessorBridge } from "./tracing_processor_bridge.ts";

/** What a processor sees of a trace (an `AgentTrace`; also matches `@openai/agents-core`'s `Trace`). */
export interface TraceView {
  /** Always `"trace"`. */
  readonly type: "trace";
  /** The agent trace id. */
  readonly traceId: string;
  /** The workflow name. */
  readonly name: string;
  /** The group id, or null. */
  readonly groupId: string | null;
  /** Free-form metadata. */
  readonly metadata?: Record<string, unknown> | undefined;
  /** The API key its records are exported with, if not the exporter's (never exported). */
  readonly tracingApiKey?: string | undefined;
  /** The exported record. */
  toJSON(): object | null;
}

/** What a processor sees of a span (an `AgentSpan`; also matches `@openai/agents-core`'s `Span`). */
export interface SpanView<D extends { type: string } = SpanData> {
  /** Always `"trace.span"`. */
  readonly type: "trace.span";
  /** The agent trace id. */
  readonly traceId: string;
  /** The agent span id. */
  readonly spanId: string;
  /** The parent span's agent id, or null under the trace. */
  readonly parentId: string | null;
  /** The typed span data. */
  readonly spanData: D;
  /** The error, or null. */
  readonly error: SpanError | null;
  /** ISO start time, or null. */
  readonly startedAt: string | null;
  /** ISO end time, or null. */
  readonly endedAt: string | null;
  /** Its trace's API key, if not the exporter's (never exported). */
  readonly tracingApiKey?: string | undefined;
  /** The exported record. */
  toJSON(): object | null;
}

/**
 * The OpenAI Agents / CAI processor interface. Every method is optional and may return a promise.
 * A processor written for `@openai/agents-core` (`implements TracingProcessor` from that package)
 * satisfies it too.
 */
export interface TracingProcessor {
  /** Called once when the processor is registered. */
  start?(): void;
  /** A trace started. */
  onTraceStart?(trace: TraceView): void | Promise<void>;
  /** A trace finished. */
  onTraceEnd?(trace: TraceView): void | Promise<void>;
  /** A span started. */
  onSpanStart?(span: SpanView): void | Promise<void>;
  /** A span finished. Should not block or throw. */
  onSpanEnd?(span: SpanView): void | Promise<void>;
  /**
   * The application is stopping; `timeout` in ms (the bridge passes the time left before its
   * deadline, or nothing when there is none).
   */
  shutdown?(timeout?: number): void | Promise<void>;
  /**
   * Export everything queued; `timeout` in ms when the flush has a deadline (processors written
   * for `@openai/agents-core` take none, and are waited for until the deadline all the same).
   */
  forceFlush?(timeout?: number): void | Promise<void>;
}

/**
 * Throws a `TracerError` (`INVALID_CONFIG`) unless `processor` is an object (a caller's
 * programming error).
 */
function assertProcessor(processor: unknown): void {
  if ((typeof processor !== "object" && typeof processor !== "function") || processor === null) {
    const kind = processor === null ? "null" : typeof processor;
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot add a trace processor: it must be an object, not ${kind}`,
    );
  }
}

function bridge(processor: TracingProcessor): TracingProcessorBridge {
  try {
    processor.start?.();
  } catch {
    // A processor whose start() throws still receives notifications.
  }
  return new TracingProcessorBridge(processor);
}

/**
 * Adds a processor: it receives every agent-layer trace and span from now on. A processor that
 * throws or rejects is reported through diagnostics and never reaches the caller. On Node, Bun
 * and Deno the first processor added also installs an exit flush (`flushTraces()` when the event
 * loop empties, and on Node and Bun on `SIGTERM` / `SIGINT` as the Node preset does), so a
 * `BatchTraceProcessor` loses nothing when the program ends without flushing, with or without
 * `configure()`. On Workers call `flushTraces()` in `ctx.waitUntil`. Adding a processor that is
 * already registered does nothing (it is notified, flushed and shut down once).
 *
 * @param processor The processor (tracelet's or `@openai/agents-core`'s shape).
 * @throws {TracerError} `INVALID_CONFIG` when `processor` is not an object.
 * @example
 * ```ts
 * import { addTraceProcessor } from "@tracelet/tracelet/agents";
 * addTraceProcessor({
 *   onSpanEnd: (span) => console.log(span.spanData.type, span.startedAt, span.endedAt),
 * });
 * ```
 */
export function addTraceProcessor(processor: TracingProcessor): void {
  assertProcessor(processor);
  const state = agentsState();
  if (state.bridges.some((b) => processorOf(b) === processor)) return;
  state.bridges = [...state.bridges, bridge(processor)];
  state.version++;
  getAgentTracer();
  installExitFlush(exitFlush);
}

/**
 * Replaces every processor added through the agent layer. Tracelet's own processors and
 * exporters (set up by `configure()` or on the tracer) are kept. Processors that are not in the
 * new list are shut down (as `@openai/agents-core` does), in the background; those that are stay
 * registered as they were (not started, nor shut down, again). A processor listed twice is
 * registered once.
 *
 * @param processors The new list.
 * @throws {TracerError} `INVALID_CONFIG` when `processors` is not an array of objects (nothing
 *   is replaced then).
 */
export function setTraceProcessors(processors: readonly TracingProcessor[]): void {
  if (!Array.isArray(processors)) {
    throw new TracerError(
      "INVALID_CONFIG",
      "Cannot set trace processors: setTraceProcessors expects an array of trace processors",
    );
  }
  processors.forEach(assertProcessor);
  const state = agentsState();
  const listed = [...new Set(processors)];
  // A processor that stays keeps its bridge (it is not started, nor shut down, again).
  const kept = (p: TracingProcessor) => state.bridges.find((b) => processorOf(b) === p);
  const bridges = listed.map((p) => kept(p) ?? bridge(p));
  const removed = state.bridges.filter((b) => !listed.includes(processorOf(b)!));
  state.bridges = bridges;
  state.version++;
  getAgentTracer();
  if (bridges.length > 0) installExitFlush(exitFlush);
  for (const old of removed) {
    // A bridge of this copy reports its processor's failure itself; one of another copy of
    // tracelet (the registry is shared) may reject.
    Promise.resolve(old.shutdown?.()).then(
      undefined,
      (error) => failed("shutdown", error, "trace"),
    );
  }
}

function processorOf(bridge: SpanProcessor): TracingProcessor | undefined {
  return (bridge as Partial<TracingProcessorBridge>).processor;
}

/**
 * Lists the processors added through the agent layer (tracelet's own are not included).
 *
 * @returns The processors, in the order they were added.
 */
export function getTraceProcessors(): TracingProcessor[] {
  return agentsState().bridges.map((b) => processorOf(b)!);
}

/**
 * The exit flush ({@linkcode flushTraces}); what `BatchTraceProcessor`s delivered meanwhile
 * ({@linkcode deliveredBy}) counts as exported, so it runs again when the process comes back to
 * its end with more, also when as many arrived meanwhile. A flush whose exports ran into the
 * deadline delivered nothing: a backend that never answers ends the process after one flush
 * timeout, not one per batch.
 */
async function exitFlush(deadline?: number): Promise<FlushReport> {
  const before = delivered();
  // A flush, not a shutdown, on a signal too: a processor may flush only in `forceFlush`.
  const report = await flushTraces(deadline);
  return { ...report, exported: report.exported + Math.max(0, delivered() - before) };
}

/** The items delivered by the registered processors. */
function delivered(): number {
  let total = 0;
  for (const processor of getTraceProcessors()) total += deliveredBy(processor);
  return total;
}

/**
 * Flushes the agent layer's tracer: every processor (agent-layer and tracelet) exports what it
 * holds. A processor added through the agent layer is waited for 30 s at most.
 *
 * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), handed to every processor;
 *   the flush resolves a second past it at the latest. Default: none (each processor's own).
 * @returns The merged flush report of tracelet's own processors; never rejects. What processors
 *   added through the agent layer send is not counted (their `forceFlush` reports nothing; a
 *   `BatchTraceProcessor` posts its queue all the same).
 * @example
 * ```ts
 * import { flushTraces } from "@tracelet/tracelet/agents";
 * await flushTraces(5_000); // within 5 s
 * ```
 */
export function flushTraces(deadline?: number): Promise<FlushReport> {
  return getAgentTracer().forceFlush(deadline);
}
