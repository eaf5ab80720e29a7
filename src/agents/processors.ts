/**
 * The agent layer's processor registry: the OpenAI Agents / CAI-style processors added with
 * {@linkcode addTraceProcessor} or {@linkcode setTraceProcessors} (each wrapped in a
 * `TracingProcessorBridge`, one processor of the agent layer tracer's fan-out, so a processor
 * that throws or rejects affects neither the host program nor other processors), the exit flush
 * and shutdown they install, {@linkcode flushTraces}, and the shapes a {@linkcode TracingProcessor}
 * sees ({@linkcode TraceView}, {@linkcode SpanView}).
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { failed, settleAll } from "../processor/fan_out.ts";
import { mergeReport } from "../processor/report.ts";
import type { SpanProcessor } from "../processor/types.ts";
import type { FlushReport } from "../types.ts";
import { installExitFlush } from "./_exit_flush.ts";
import { wasShutDown } from "./_shut_down.ts";
import { activity, agentsState } from "./_state.ts";
import { getAgentTracer, isBridge } from "./provider.ts";
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
   * The application is stopping (called once: when the program ends, or when the tracer the
   * agent layer uses shuts down); `timeout` in ms (the bridge passes the time left before its
   * deadline, or nothing when there is none). Nothing is called after it but `on*` methods.
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

/**
 * Whether `processor` was shut down, and then reports that it is not added
 * (`agent_processor_shut_down`): it could not work again.
 */
function refusedAsShutDown(processor: TracingProcessor): boolean {
  if (!wasShutDown(processor)) return false;
  report(
    "warn",
    "agent_processor_shut_down",
    "Cannot add a trace processor that was already shut down: it is not added " +
      "(it would receive traces it can no longer handle; create a new one)",
  );
  return true;
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
 * and Deno the first processor added also installs an exit flush and shutdown: when the program
 * ends normally, `flushTraces()` once its event loop empties, then, when it empties again with
 * nothing recorded since, each registered processor's `shutdown` (5 s at most); on Node and Bun on
 * `SIGTERM` / `SIGINT`, as the Node preset does, a flush then a shutdown within the signal's
 * time. So a `BatchTraceProcessor` loses nothing, and a processor that writes its summary in
 * `shutdown` does so, when the program ends without flushing, with or without `configure()`.
 * On Workers call `flushTraces()` in `ctx.waitUntil`. Adding a processor that is already
 * registered does nothing (it is notified, flushed and shut down once). A processor that was shut
 * down is not added (reported as `agent_processor_shut_down`).
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
  if (refusedAsShutDown(processor)) return;
  const state = agentsState();
  if (state.bridges.some((b) => processorOf(b) === processor)) return;
  state.bridges = [...state.bridges, bridge(processor)];
  state.version++;
  getAgentTracer();
  installExitFlush(exitFlush, exitShutdown);
}

/**
 * Replaces every processor added through the agent layer, as the OpenAI Agents Python SDK and
 * CAI do (their `set_trace_processors`: "replace the current list"). Tracelet's own processors and
 * exporters (set up by `configure()` or on the tracer) are kept. Processors that are not in the
 * new list are flushed, in the background, not shut down (`shutdown` is for the end of the
 * program): they are yours again, and may be added again later; shut one down yourself if you
 * drop it for good. Those that are in it stay registered as they were (not started again). A
 * processor listed twice is registered once; one that was shut down is left out (reported as
 * `agent_processor_shut_down`).
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
  const listed = [...new Set(processors)].filter((p) => !refusedAsShutDown(p));
  // A processor that stays keeps its bridge (it is not started, nor shut down, again).
  const kept = (p: TracingProcessor) => state.bridges.find((b) => processorOf(b) === p);
  const bridges = listed.map((p) => kept(p) ?? bridge(p));
  const removed = state.bridges.filter((b) => !listed.includes(processorOf(b)!));
  state.bridges = bridges;
  state.version++;
  getAgentTracer();
  if (bridges.length > 0) installExitFlush(exitFlush, exitShutdown);
  for (const old of removed) {
    // What it holds is sent. A bridge of this copy reports its processor's failure itself; one
    // of another copy of tracelet (the registry is shared) may reject.
    Promise.resolve(old.forceFlush?.()).then(
      undefined,
      (error) => failed("forceFlush", error, "trace"),
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

/** The longest wait for the processors' shutdown when the program ends normally (as in Python). */
const EXIT_SHUTDOWN_MS = 5_000;
/** Their shortest, when the exit flush used up its time (a processor may still close a file). */
const EXIT_SHUTDOWN_MIN_MS = 1_000;

/** {@linkcode activity} when the last exit flush started. */
let flushedAt = -1;

/**
 * The exit flush: the agent layer's tracer flushes, every processor ({@linkcode flushTraces}).
 * What the agent layer's processors delivered since their last report counts as exported, so it
 * runs again when the process comes back to its end with more; what they failed to send or
 * dropped does not count as work to do again (their exporter retried already, and an export that
 * runs into the deadline is no progress: a backend that never answers ends the process after one
 * flush timeout, not one per batch). Given a deadline (a signal ends the process), it flushes,
 * then shuts the processors down, by then.
 */
async function exitFlush(deadline?: number): Promise<FlushReport> {
  flushedAt = activity();
  const processors = getAgentTracer().processors;
  const [own, added] = await Promise.all([
    settleAll(processors.filter((p) => !isBridge(p)), "forceFlush", deadline),
    settleAll(processors.filter(isBridge), "forceFlush", deadline),
  ]);
  if (deadline !== undefined) await shutDown(agentsState().bridges, deadline);
  return mergeReport(own, { exported: added.exported });
}

/**
 * The exit's final step, when the program ends normally: once the event loop emptied again after
 * the last exit flush, each registered processor not shut down yet is shut down (each waited
 * for 5 s at most, or until `end`, the exit's time limit, but at least a second). The program
 * may go on after its event loop first empties (its own `beforeExit` handler): while agent
 * traces or spans were recorded since the last exit flush, it waits for the next flush.
 *
 * @returns Resolves true once done, false when the program recorded more since the last flush;
 *   undefined when no processor is left to shut down.
 */
function exitShutdown(end: number): Promise<boolean> | undefined {
  const open = agentsState().bridges.filter((b) => !wasShutDown(processorOf(b)));
  if (open.length === 0) return undefined;
  if (activity() !== flushedAt) return Promise.resolve(false);
  const now = Date.now();
  const deadline = Math.min(now + EXIT_SHUTDOWN_MS, Math.max(end, now + EXIT_SHUTDOWN_MIN_MS));
  return shutDown(open, deadline).then(() => true);
}

/** Shuts `bridges` down by `deadline`, together; never rejects. */
async function shutDown(bridges: readonly SpanProcessor[], deadline: number): Promise<void> {
  await Promise.all(bridges.map((b) =>
    // A bridge of another copy of tracelet (the registry is shared) may reject.
    Promise.resolve(b.shutdown?.(deadline)).then(
      undefined,
      (error) => failed("shutdown", error, "trace"),
    )
  ));
}

/**
 * Flushes the agent layer's tracer: every processor (agent-layer and tracelet) exports what it
 * holds. A processor added through the agent layer is waited for 30 s at most.
 *
 * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), handed to every processor;
 *   the flush resolves a second past it at the latest. Default: none (each processor's own).
 * @returns The merged flush report of every processor; never rejects. For a processor added
 *   through the agent layer, what a `BatchTraceProcessor` did since its last report is counted
 *   (`exported`; `failed`: items its exporter could not deliver; `dropped` by reason); other
 *   processors' `forceFlush` reports nothing.
 * @example
 * ```ts
 * import { flushTraces } from "@tracelet/tracelet/agents";
 * await flushTraces(5_000); // within 5 s
 * ```
 */
export function flushTraces(deadline?: number): Promise<FlushReport> {
  return getAgentTracer().forceFlush(deadline);
}
