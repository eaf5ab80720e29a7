/**
 * OpenAI Agents / CAI-style processors on tracelet's one pipeline.
 *
 * A {@linkcode TracingProcessor} (the OpenAI shape: `onTraceStart`, `onTraceEnd`, `onSpanStart`,
 * `onSpanEnd`, `shutdown`, `forceFlush`) is wrapped in a {@linkcode TracingProcessorBridge}, a
 * regular tracelet `SpanProcessor` installed on the agent layer's tracer. The bridge turns the
 * tracelet span notifications of agent-layer traces and spans back into the agent objects, so
 * the processor receives `AgentTrace` / `AgentSpan` objects (with `traceId`, `spanId`,
 * `parentId`, `spanData`, `error`, `startedAt`, `endedAt`, `toJSON()`), exactly as it would from
 * the OpenAI SDKs. Each bridge is one processor of the tracer's fan-out, so a processor that
 * throws or rejects is reported through diagnostics and affects neither the host program nor
 * other processors. Plain tracelet spans (not created by the agent layer) are not passed on.
 *
 * @module
 */
import { toDeadline } from "../deadline.ts";
import { report } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import type { SpanProcessor } from "../processor/types.ts";
import { isPromiseLike } from "../promise_like.ts";
import { settlesWithin } from "../settles_within.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import type { FlushReport, SpanRecord } from "../types.ts";
import { installExitFlush } from "./_exit_flush.ts";
import { ownFields } from "./_input.ts";
import { agentObjectOf, agentsState } from "./_state.ts";
import { AgentSpan } from "./agent_span.ts";
import { deliveredBy } from "./batch_trace_processor.ts";
import { currentAgentTracer, getAgentTracer, syncBridges } from "./provider.ts";
import type { SpanData, SpanError } from "./span_data.ts";
import { AgentTrace } from "./trace.ts";

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
  readonly metadata?: Record<string, unknown>;
  /** The API key its records are exported with, if not the exporter's (never exported). */
  readonly tracingApiKey?: string;
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
  readonly tracingApiKey?: string;
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

/** Options of a {@linkcode TracingProcessorBridge}. */
export interface TracingProcessorBridgeOptions {
  /**
   * Longest wait in ms for the processor's `forceFlush` and `shutdown`, with or without a
   * deadline (the processor is given the sooner of the two). Default 30000; anything but a finite
   * number of at least 1 means the default.
   */
  processorTimeoutMillis?: number | undefined;
}

/** Default of {@linkcode TracingProcessorBridgeOptions.processorTimeoutMillis}. */
const DEFAULT_PROCESSOR_TIMEOUT_MILLIS = 30_000;

/**
 * A tracelet span processor that feeds one {@linkcode TracingProcessor}.
 *
 * Waiting on the processor is bounded: `forceFlush` and `shutdown` resolve at the deadline (or
 * after `processorTimeoutMillis`) even when the processor's promise never settles, with a
 * diagnostic (`agent_processor_timeout`). Both take an epoch-ms deadline or a timeout in ms (a
 * number below 10^12), as the tracer's `shutdown` does, and hand the processor the time left in
 * ms. The processor's `shutdown` is called at most once per bridge.
 */
export class TracingProcessorBridge implements SpanProcessor {
  /** Brand recognized by the agent layer when it replaces its bridges. */
  readonly agentLayerBridge: true = true;
  /** The wrapped processor. */
  readonly processor: TracingProcessor;
  readonly #processorTimeoutMillis: number;
  #shutdown: Promise<void> | undefined;
  readonly #bindings = new WeakMap<Tracer, SpanProcessor>();

  /**
   * Wraps a processor; `addTraceProcessor` and `setTraceProcessors` do this for you.
   *
   * @param processor The OpenAI-shaped processor.
   * @param options The longest wait for the processor's flush and shutdown.
   */
  constructor(processor: TracingProcessor, options?: TracingProcessorBridgeOptions) {
    this.processor = processor;
    this.#processorTimeoutMillis = countAtLeastOne(
      ownFields(options).processorTimeoutMillis,
      DEFAULT_PROCESSOR_TIMEOUT_MILLIS,
    );
  }

  /**
   * Calls `onTraceStart` or `onSpanStart` when the span belongs to an agent trace or span;
   * other tracelet spans are ignored.
   *
   * @param span A tracelet span that started.
   * @returns What the processor's method returned.
   */
  onSpanStart(span: Span): void | Promise<void> {
    const object = agentObjectOf(span);
    if (object instanceof AgentTrace) return this.processor.onTraceStart?.(object);
    if (object instanceof AgentSpan) return this.processor.onSpanStart?.(object);
  }

  /**
   * Calls `onTraceEnd` or `onSpanEnd` when the span belongs to an agent trace or span; other
   * tracelet spans are ignored.
   *
   * @param span A tracelet span that ended.
   * @returns What the processor's method returned.
   */
  onSpanEnd(span: SpanRecord): void | Promise<void> {
    const object = agentsState().objects.get(span);
    if (object instanceof AgentTrace) return this.processor.onTraceEnd?.(object);
    if (object instanceof AgentSpan) return this.processor.onSpanEnd?.(object);
  }

  /**
   * Calls the processor's `forceFlush`, if it has one.
   *
   * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), passed on as the time left
   *   in ms (the wait ends then, and after `processorTimeoutMillis` at the latest).
   * @returns Resolves when the processor's flush has settled, or at the deadline.
   */
  forceFlush(deadline?: number): Promise<void> {
    return this.#bounded("forceFlush", deadline, (ms) => this.processor.forceFlush?.(ms));
  }

  /**
   * Calls the processor's `shutdown`, if it has one, the first time only; later calls return
   * the first call's promise.
   *
   * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), passed on as the time left
   *   in ms (the wait ends then, and after `processorTimeoutMillis` at the latest).
   * @returns Resolves when the processor's shutdown has settled, or at the deadline.
   */
  shutdown(deadline?: number): Promise<void> {
    return this.#shutdown ??= this.#bounded(
      "shutdown",
      deadline,
      (ms) => this.processor.shutdown?.(ms),
    );
  }

  /**
   * The processor the agent layer installs on `tracer` for this bridge (one per tracer). It
   * knows its tracer, so when that tracer is shut down only because the agent layer moved to
   * another one (`configure()` again, `setAgentTracer`), the processor, still registered, is
   * flushed instead of shut down, and installed on the new tracer, whose shutdown shuts it down.
   *
   * @param tracer The tracer.
   * @returns The per-tracer processor.
   * @internal
   */
  bindTo(tracer: Tracer): SpanProcessor {
    let binding = this.#bindings.get(tracer);
    if (binding === undefined) {
      binding = {
        agentLayerBridge: true,
        onSpanStart: (span) => this.onSpanStart(span),
        onSpanEnd: (span) => this.onSpanEnd(span),
        forceFlush: (deadline?: number) => this.forceFlush(deadline),
        shutdown: (deadline) => this.#shutdownFrom(tracer, deadline),
      } as SpanProcessor;
      this.#bindings.set(tracer, binding);
    }
    return binding;
  }

  async #shutdownFrom(tracer: Tracer, deadline?: number): Promise<void> {
    // configure() installs its new tracer, then shuts the old one down: move at once, so a
    // shutdown of the new pipeline right after reaches the processor. A tracer shut down just
    // before `setAgentTracer` installs another is decided after the current task.
    if (!this.#moved(tracer)) {
      await Promise.resolve();
      if (!this.#moved(tracer)) return await this.shutdown(deadline);
    }
    await this.forceFlush(deadline);
  }

  /**
   * Whether the agent layer moved from `tracer` to another tracer while this bridge is still
   * registered; if so, installs the bridges on that tracer now (not at the next agent-layer call:
   * there may be none before exit), so its shutdown reaches the processor.
   */
  #moved(tracer: Tracer): boolean {
    const current = currentAgentTracer();
    if (current === undefined || current === tracer || !agentsState().bridges.includes(this)) {
      return false;
    }
    syncBridges(current);
    return true;
  }

  /**
   * Runs `call` with the time left before the deadline in ms (undefined without one: a deadline
   * that is not a number, NaN, means none) and waits for its promise until the deadline, and
   * `processorTimeoutMillis` at most (then reports it).
   */
  async #bounded(
    method: string,
    deadline: number | undefined,
    call: (timeout: number | undefined) => unknown,
  ): Promise<void> {
    const given = numberAtLeast(toDeadline(deadline), 0, Infinity);
    const limit = Math.min(given, Date.now() + this.#processorTimeoutMillis);
    const left = (): number => Math.max(0, limit - Date.now());
    const result = call(given < Infinity ? left() : undefined);
    if (!isPromiseLike(result)) return;
    const ms = left();
    if (!await settlesWithin(result, ms)) {
      report(
        "warn",
        "agent_processor_timeout",
        `A trace processor's ${method} did not settle within ${ms} ms: no longer waiting for it`,
      );
    }
  }
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
    Promise.resolve(old.shutdown?.()).then(undefined, (error) => {
      report("error", "processor_failed", "A trace processor failed in shutdown", error);
    });
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
async function exitFlush(): Promise<FlushReport> {
  const before = delivered();
  const report = await flushTraces();
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
