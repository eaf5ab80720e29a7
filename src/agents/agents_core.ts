/**
 * Tracelet as a processor of `@openai/agents-core`: register {@linkcode TraceletAgentsProcessor}
 * with that SDK (`setTraceProcessors([new TraceletAgentsProcessor()])` or `addTraceProcessor`)
 * and every trace and span of its agent runs becomes an agent-layer trace/span here, and so a
 * tracelet span on the one pipeline (JSONL, OTLP, console, agent-layer processors).
 *
 * The class only relies on the shape of the SDK's objects (no import of the package), so tracelet
 * keeps zero runtime dependencies. Ids are kept (`trace_<32 hex>` → W3C trace id, `span_<24 hex>`
 * → W3C span id, see `ids.ts`), so the same run can be correlated across both SDKs. Times are the
 * SDK's own `startedAt` / `endedAt`.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { Tracer } from "../tracer.ts";
import { countAtLeastOne } from "../number_option.ts";
import { ownFields } from "./_input.ts";
import { AgentSpan } from "./agent_span.ts";
import { getAgentTracer } from "./provider.ts";
import type { SpanData } from "./span_data.ts";
import { AgentTrace } from "./trace.ts";

/** The fields read from an `@openai/agents-core` `Trace`. */
export interface AgentsCoreTraceLike {
  /** The SDK's trace id (`trace_<32 hex>`); kept as the agent trace id. */
  readonly traceId: string;
  /** The workflow name. */
  readonly name: string;
  /** The group id (e.g. a chat thread id), if any. */
  readonly groupId?: string | null;
  /** Free-form trace metadata. */
  readonly metadata?: Record<string, unknown>;
}

/** The fields read from an `@openai/agents-core` `Span`. */
export interface AgentsCoreSpanLike {
  /** The id (`trace_<32 hex>`) of the trace it belongs to. */
  readonly traceId: string;
  /** The SDK's span id (`span_<24 hex>`); kept as the agent span id. */
  readonly spanId: string;
  /** The parent span's id, or null when the parent is the trace. */
  readonly parentId: string | null;
  /** The typed span data (copied as is; `type` selects the shape). */
  readonly spanData: { readonly type: string };
  /** The error set on the span, or null; recorded as the span's error when it ends. */
  readonly error: { message: string; data?: Record<string, unknown> } | null;
  /** Start time as an ISO string, or null; used as the tracelet span's start. */
  readonly startedAt: string | null;
  /** End time as an ISO string, or null; used as the tracelet span's end. */
  readonly endedAt: string | null;
}

/** Options of {@linkcode TraceletAgentsProcessor}. */
export interface TraceletAgentsProcessorOptions {
  /** The tracer to record into (default: the agent layer's tracer). */
  tracer?: Tracer;
  /**
   * Maximum traces and spans open at once; beyond it new ones are dropped and counted. Default
   * 10000; anything but a finite number of at least 1 means the default.
   */
  maxOpen?: number;
}

function epochMs(iso: string | null): number | undefined {
  if (typeof iso !== "string") return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A copy of the SDK span's data (the fields that can be read). */
function copyData(span: AgentsCoreSpanLike): SpanData {
  return ownFields(span.spanData) as SpanData;
}

/**
 * A `TracingProcessor` for `@openai/agents-core` that records the SDK's traces and spans in
 * tracelet. Its methods never throw or reject.
 *
 * @example
 * ```ts
 * import { setTraceProcessors } from "@openai/agents-core";
 * import { TraceletAgentsProcessor } from "@tracelet/tracelet/agents";
 * setTraceProcessors([new TraceletAgentsProcessor()]);
 * // Runner.run(agent, "hi") now lands in tracelet's pipeline
 * ```
 */
export class TraceletAgentsProcessor {
  readonly #tracer: Tracer | undefined;
  readonly #maxOpen: number;
  readonly #traces = new Map<string, AgentTrace>();
  readonly #spans = new Map<string, AgentSpan>();
  #dropped = 0;

  /**
   * Creates the processor; register it with `setTraceProcessors` or `addTraceProcessor`.
   *
   * @param options Tracer and bound on open traces and spans.
   */
  constructor(options?: TraceletAgentsProcessorOptions) {
    const o = ownFields(options);
    this.#tracer = o.tracer;
    this.#maxOpen = countAtLeastOne(o.maxOpen, 10_000);
  }

  /** Traces and spans dropped because too many were open. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Nothing to start (no background work). */
  start(): void {}

  #full(what: string): boolean {
    if (this.#traces.size + this.#spans.size < this.#maxOpen) return false;
    this.#dropped++;
    report(
      "warn",
      "agents_core_dropped",
      `Cannot record an @openai/agents-core ${what}: ${this.#maxOpen} are open`,
    );
    return true;
  }

  /**
   * Starts the matching agent trace (a root tracelet span). A known id is ignored; beyond
   * `maxOpen` the trace is dropped and counted in {@linkcode TraceletAgentsProcessor.dropped}.
   *
   * @param trace The SDK's trace that started.
   * @returns A resolved promise; never rejects.
   */
  onTraceStart(trace: AgentsCoreTraceLike): Promise<void> {
    try {
      if (this.#traces.has(trace.traceId) || this.#full("trace")) return Promise.resolve();
      const t = new AgentTrace({
        name: trace.name,
        traceId: trace.traceId,
        groupId: trace.groupId ?? null,
        metadata: trace.metadata,
        tracer: getAgentTracer(this.#tracer),
      });
      this.#traces.set(trace.traceId, t.start());
    } catch (error) {
      report("error", "agents_core_failed", "Cannot record an @openai/agents-core trace", error);
    }
    return Promise.resolve();
  }

  /**
   * Finishes the matching agent trace, if it was recorded.
   *
   * @param trace The SDK's trace that ended.
   * @returns A resolved promise; never rejects.
   */
  onTraceEnd(trace: AgentsCoreTraceLike): Promise<void> {
    try {
      const t = this.#traces.get(trace.traceId);
      this.#traces.delete(trace.traceId);
      t?.finish();
    } catch (error) {
      report("error", "agents_core_failed", "Cannot finish an @openai/agents-core trace", error);
    }
    return Promise.resolve();
  }

  /**
   * Starts the matching agent span under its parent (recording its trace implicitly when the
   * processor was registered mid-trace).
   *
   * @param span The SDK's span that started.
   * @returns A resolved promise; never rejects.
   */
  onSpanStart(span: AgentsCoreSpanLike): Promise<void> {
    try {
      if (this.#spans.has(span.spanId) || this.#full("span")) return Promise.resolve();
      let trace = this.#traces.get(span.traceId);
      if (trace === undefined) {
        // The processor was registered in the middle of a trace: record the trace implicitly.
        trace = new AgentTrace({
          name: "agents-core",
          traceId: span.traceId,
          tracer: getAgentTracer(this.#tracer),
        });
        this.#traces.set(span.traceId, trace.start());
      }
      const parent = (span.parentId === null ? undefined : this.#spans.get(span.parentId)) ?? trace;
      const s = new AgentSpan({
        data: copyData(span),
        trace,
        parent,
        spanId: span.spanId,
        explicitParent: true,
        tracer: trace.tracer,
        startTime: epochMs(span.startedAt),
      });
      this.#spans.set(span.spanId, s.start());
    } catch (error) {
      report("error", "agents_core_failed", "Cannot record an @openai/agents-core span", error);
    }
    return Promise.resolve();
  }

  /**
   * Copies the final span data and error onto the agent span and finishes it at `endedAt`.
   *
   * @param span The SDK's span that ended.
   * @returns A resolved promise; never rejects.
   */
  onSpanEnd(span: AgentsCoreSpanLike): Promise<void> {
    try {
      const s = this.#spans.get(span.spanId);
      this.#spans.delete(span.spanId);
      if (s !== undefined) {
        s.spanData = copyData(span);
        if (span.error !== null && span.error !== undefined) s.setError(span.error);
        s.finish(false, epochMs(span.endedAt));
      }
    } catch (error) {
      report("error", "agents_core_failed", "Cannot finish an @openai/agents-core span", error);
    }
    return Promise.resolve();
  }

  /** Flushes tracelet's pipeline (the shared tracer is not shut down). */
  async forceFlush(): Promise<void> {
    await getAgentTracer(this.#tracer).forceFlush();
  }

  /**
   * Flushes tracelet's pipeline when the SDK shuts down. The tracer itself is shared with the rest
   * of the program and is left running.
   *
   * @param _timeout Ignored (the flush has its own deadline).
   */
  async shutdown(_timeout?: number): Promise<void> {
    await this.forceFlush();
  }
}
