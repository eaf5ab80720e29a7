/**
 * Tracelet as a processor of `@openai/agents-core`: register {@linkcode TraceletAgentsProcessor}
 * with that SDK (`setTraceProcessors([new TraceletAgentsProcessor()])` or `addTraceProcessor`)
 * and every trace and span of its agent runs becomes an agent-layer trace/span here, and so a
 * tracelet span on the one pipeline (JSONL, OTLP, console, agent-layer processors).
 *
 * The class only relies on the shape of the SDK's objects (no import of the package), so tracelet
 * keeps zero runtime dependencies. Ids are kept (`trace_<32 hex>` → W3C trace id, `span_<24 hex>`
 * → W3C span id, see `ids.ts`), so the same run can be correlated across both SDKs. Times are the
 * SDK's own `startedAt` / `endedAt`. A trace's `tracingApiKey` (`RunConfig.tracing.apiKey`) is
 * kept on the agent trace and its spans, so `BackendSpanExporter` sends them with that key; it is
 * never recorded.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { Tracer } from "../tracer.ts";
import { countAtLeastOne } from "../number_option.ts";
import { EndedSpan } from "./_ended_span.ts";
import { ownFields } from "./_input.ts";
import { AgentSpan } from "./agent_span.ts";
import { getAgentTracer, isTracingDisabled } from "./provider.ts";
import type { SpanData } from "./span_data.ts";
import { AgentTrace } from "./trace.ts";

/** The fields read from an `@openai/agents-core` `Trace`. */
export interface AgentsCoreTraceLike {
  /** The SDK's trace id (`trace_<32 hex>`); kept as the agent trace id. */
  readonly traceId: string;
  /** The workflow name. */
  readonly name: string;
  /** The group id (e.g. a chat thread id), if any. */
  readonly groupId?: string | null | undefined;
  /** Free-form trace metadata. */
  readonly metadata?: Record<string, unknown> | undefined;
  /** The API key its records are exported with (`RunConfig.tracing.apiKey`), if any. */
  readonly tracingApiKey?: string | undefined;
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
  readonly error: { message: string; data?: Record<string, unknown> | undefined } | null;
  /** Start time as an ISO string, or null; used as the tracelet span's start. */
  readonly startedAt: string | null;
  /** End time as an ISO string, or null; used as the tracelet span's end. */
  readonly endedAt: string | null;
  /** Its trace's API key, if any; kept for an implicit trace (one this processor never saw start). */
  readonly tracingApiKey?: string | undefined;
}

/** Options of {@linkcode TraceletAgentsProcessor}. */
export interface TraceletAgentsProcessorOptions {
  /** The tracer to record into (default: the agent layer's tracer). */
  tracer?: Tracer | undefined;
  /**
   * Maximum traces and spans open at once (a trace is a root span); beyond it the oldest open
   * trace is ended (with its open spans) as incomplete, and counted. Default 10000; anything but a
   * finite number of at least 1 means the default.
   */
  maxOpenSpans?: number | undefined;
  /** `gen_ai.provider.name` of agent, generation and response spans (default `"openai"`). */
  providerName?: string | undefined;
}

/** How many ended traces are remembered, so that spans arriving after their trace ended join it. */
const ENDED_TRACES = 1024;

/**
 * How many ended spans are remembered (their ids and tracelet span, not their data), so that a
 * child starting after its parent ended keeps it.
 */
const ENDED_SPANS = 1024;

/**
 * Attribute set on a span that was still open when its trace ended (or was forgotten), and that
 * was therefore ended with it.
 */
export const AGENT_SPAN_ENDED_WITH_TRACE = "tracelet.agents.ended_with_trace";

/**
 * Attribute set on the root span of a trace that was ended before its `onTraceEnd` came, because
 * `maxOpenSpans` traces and spans were open and it was the oldest (its `onTraceEnd` never came,
 * or the bound is too small).
 */
export const AGENT_TRACE_EVICTED = "tracelet.agents.evicted";

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
 * Spans are kept per trace. When a trace ends, its spans that are still open are ended with it
 * (marked with the attribute `tracelet.agents.ended_with_trace`), so a span the SDK never ends
 * (a cancelled stream) holds no memory and no slot of `maxOpenSpans`. A span that starts after
 * its trace ended (streamed runs of some SDK versions end the trace first) joins the ended trace,
 * whose id is remembered for the last 1024 ended traces; likewise a span that starts after its
 * parent ended keeps that parent (the ids and tracelet spans of the last 1024 ended spans are
 * remembered, not their data). A span of a trace that this processor never saw start (registered
 * mid-run) gets an implicit trace named `agents-core`, which ends when its last open span ends.
 * When `maxOpenSpans` traces and spans are open (traces whose `onTraceEnd` never came), the
 * oldest open trace is ended with its spans, marked with `tracelet.agents.evicted`, to make room
 * (counted in `evicted`, and reported as `agents_core_evicted` once until no more than half of
 * `maxOpenSpans` are open again).
 * While tracing is disabled (`setTracingDisabled(true)`, `OPENAI_AGENTS_DISABLE_TRACING`), no new
 * trace or span is recorded; those already open still finish. `forceFlush` and `shutdown` flush
 * the tracer within their timeout (in ms, or an epoch-ms deadline).
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
  readonly #maxOpenSpans: number;
  readonly #providerName: string | undefined;
  /** Open traces by id. */
  readonly #traces = new Map<string, AgentTrace>();
  /** Open spans by id. */
  readonly #spans = new Map<string, AgentSpan>();
  /** Ids of the open spans of each trace, in start order. */
  readonly #spansOf = new Map<string, Set<string>>();
  /** Ids of the open traces that were created implicitly (for spans of an unseen trace). */
  readonly #implicit = new Set<string>();
  /** Recently ended traces, oldest first (at most {@linkcode ENDED_TRACES}). */
  readonly #ended = new Map<string, AgentTrace>();
  /** Stand-ins of recently ended spans, oldest first (at most {@linkcode ENDED_SPANS}). */
  readonly #endedSpans = new Map<string, EndedSpan>();
  #evicted = 0;
  /** Evicting since no more than half of `maxOpenSpans` were last open (reported once). */
  #evicting = false;

  /**
   * Creates the processor; register it with `setTraceProcessors` or `addTraceProcessor`.
   *
   * @param options Tracer, bound on open traces and spans, provider name.
   */
  constructor(options?: TraceletAgentsProcessorOptions) {
    const o = ownFields(options);
    this.#tracer = o.tracer;
    this.#maxOpenSpans = countAtLeastOne(o.maxOpenSpans, 10_000);
    this.#providerName = o.providerName;
  }

  /** Traces ended early (marked `tracelet.agents.evicted`) because `maxOpenSpans` were open. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Nothing to start (no background work). */
  start(): void {}

  /**
   * Makes room for one more trace or span when `maxOpenSpans` are open: ends the oldest open
   * trace (else the spans still open in the oldest ended trace) as incomplete. Reported once per
   * episode: until no more than half of `maxOpenSpans` are open again.
   */
  #makeRoom(): void {
    if (this.#traces.size + this.#spans.size <= this.#maxOpenSpans / 2) this.#evicting = false;
    while (this.#traces.size + this.#spans.size >= this.#maxOpenSpans) {
      const oldest = this.#traces.keys().next().value ?? this.#spansOf.keys().next().value;
      if (oldest === undefined) return;
      this.#evicted++;
      if (!this.#evicting) {
        this.#evicting = true;
        report(
          "warn",
          "agents_core_evicted",
          `${this.#maxOpenSpans} @openai/agents-core traces and spans are open: the oldest trace ` +
            `is ended as incomplete (did its onTraceEnd never come?); ${this.#evicted} evicted so ` +
            "far (TraceletAgentsProcessor.evicted), not reported again until at most half as " +
            "many have been open",
        );
      }
      this.#traces.get(oldest)?.span?.setAttribute(AGENT_TRACE_EVICTED, true);
      this.#closeTrace(oldest);
    }
  }

  #openTrace(
    traceId: string,
    name: string,
    trace: AgentsCoreTraceLike | undefined,
    tracingApiKey: string | undefined,
  ): AgentTrace {
    this.#makeRoom();
    const t = new AgentTrace({
      name,
      traceId,
      groupId: trace?.groupId ?? null,
      metadata: trace?.metadata,
      providerName: this.#providerName,
      tracer: getAgentTracer(this.#tracer),
      tracingApiKey,
      joinsActive: true,
    });
    this.#traces.set(traceId, t.start());
    return t;
  }

  /** Ends a trace (if open) and its open spans, and remembers it for late spans. */
  #closeTrace(traceId: string): void {
    const t = this.#traces.get(traceId);
    this.#traces.delete(traceId);
    this.#implicit.delete(traceId);
    this.#endOpenSpans(traceId);
    if (t === undefined) return;
    t.finish();
    this.#ended.delete(traceId);
    this.#ended.set(traceId, t);
    if (this.#ended.size > ENDED_TRACES) {
      const oldest = this.#ended.keys().next().value as string;
      this.#ended.delete(oldest);
      this.#endOpenSpans(oldest); // late spans that never ended
    }
  }

  /** Ends the spans of a trace that are still open (innermost first), marked as such. */
  #endOpenSpans(traceId: string): void {
    const ids = this.#spansOf.get(traceId);
    if (ids === undefined) return;
    this.#spansOf.delete(traceId);
    for (const id of [...ids].reverse()) {
      const s = this.#spans.get(id);
      this.#spans.delete(id);
      if (s === undefined) continue;
      s.span?.setAttribute(AGENT_SPAN_ENDED_WITH_TRACE, true);
      this.#remember(s.finish());
    }
  }

  /**
   * Remembers an ended span for children that start after it ended: only what they need (its ids
   * and tracelet span), not its span data.
   */
  #remember(span: AgentSpan): void {
    this.#endedSpans.delete(span.spanId);
    this.#endedSpans.set(span.spanId, new EndedSpan(span));
    if (this.#endedSpans.size > ENDED_SPANS) {
      this.#endedSpans.delete(this.#endedSpans.keys().next().value as string);
    }
  }

  /**
   * Starts the matching agent trace (a root tracelet span). A known id is ignored, and so is every
   * trace while tracing is disabled. With `maxOpenSpans` open, the oldest open trace is ended
   * first (counted in {@linkcode TraceletAgentsProcessor.evicted}).
   *
   * @param trace The SDK's trace that started.
   * @returns A resolved promise; never rejects.
   */
  onTraceStart(trace: AgentsCoreTraceLike): Promise<void> {
    try {
      if (!isTracingDisabled() && !this.#traces.has(trace.traceId)) {
        this.#openTrace(trace.traceId, trace.name, trace, trace.tracingApiKey);
      }
    } catch (error) {
      report("error", "agents_core_failed", "Cannot record an @openai/agents-core trace", error);
    }
    return Promise.resolve();
  }

  /**
   * Finishes the matching agent trace, if it was recorded, and ends its spans that are still
   * open (see the class description).
   *
   * @param trace The SDK's trace that ended.
   * @returns A resolved promise; never rejects.
   */
  onTraceEnd(trace: AgentsCoreTraceLike): Promise<void> {
    try {
      this.#closeTrace(trace.traceId);
    } catch (error) {
      report("error", "agents_core_failed", "Cannot finish an @openai/agents-core trace", error);
    }
    return Promise.resolve();
  }

  /**
   * Starts the matching agent span under its parent (open or recently ended): in its open trace,
   * else in its recently ended trace, else in an implicit trace (the processor was registered
   * mid-trace). Nothing is recorded while tracing is disabled.
   *
   * @param span The SDK's span that started.
   * @returns A resolved promise; never rejects.
   */
  onSpanStart(span: AgentsCoreSpanLike): Promise<void> {
    try {
      if (isTracingDisabled() || this.#spans.has(span.spanId)) return Promise.resolve();
      const traceId = span.traceId;
      let trace = this.#traces.get(traceId) ?? this.#ended.get(traceId);
      if (trace === undefined) {
        trace = this.#openTrace(traceId, "agents-core", undefined, span.tracingApiKey);
        this.#implicit.add(traceId);
      }
      this.#makeRoom(); // may end `trace` itself: the span then joins it as a late span
      const parent = this.#parentOf(span.parentId, traceId) ?? trace;
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
      let ids = this.#spansOf.get(traceId);
      if (ids === undefined) this.#spansOf.set(traceId, ids = new Set());
      ids.add(span.spanId);
    } catch (error) {
      report("error", "agents_core_failed", "Cannot record an @openai/agents-core span", error);
    }
    return Promise.resolve();
  }

  /**
   * Copies the final span data and error onto the agent span and finishes it at `endedAt`. The
   * last span of an implicit trace also finishes that trace.
   *
   * @param span The SDK's span that ended.
   * @returns A resolved promise; never rejects.
   */
  onSpanEnd(span: AgentsCoreSpanLike): Promise<void> {
    try {
      const s = this.#spans.get(span.spanId);
      if (s === undefined) return Promise.resolve();
      this.#spans.delete(span.spanId);
      const traceId = span.traceId;
      const ids = this.#spansOf.get(traceId);
      ids?.delete(span.spanId);
      if (ids?.size === 0) this.#spansOf.delete(traceId);
      s.spanData = copyData(span);
      if (span.error !== null && span.error !== undefined) s.setError(span.error);
      this.#remember(s.finish(false, epochMs(span.endedAt)));
      if (this.#implicit.has(traceId) && !this.#spansOf.has(traceId)) this.#closeTrace(traceId);
    } catch (error) {
      report("error", "agents_core_failed", "Cannot finish an @openai/agents-core span", error);
    }
    return Promise.resolve();
  }

  /** The open, else recently ended, span with this id in this trace. */
  #parentOf(parentId: string | null, traceId: string): AgentSpan | undefined {
    if (parentId === null) return undefined;
    const parent = this.#spans.get(parentId) ?? this.#endedSpans.get(parentId);
    return parent?.traceId === traceId ? parent : undefined;
  }

  /**
   * Flushes tracelet's pipeline (the shared tracer is not shut down).
   *
   * @param timeout Time limit in ms, or an epoch-ms deadline (10^12 or more), handed to every
   *   processor of the tracer; the flush resolves a second past it at the latest. Default: none
   *   (each processor's own).
   * @returns Resolves when the pipeline is flushed; never rejects.
   */
  async forceFlush(timeout?: number): Promise<void> {
    await getAgentTracer(this.#tracer).forceFlush(timeout);
  }

  /**
   * Flushes tracelet's pipeline when the SDK shuts down. The tracer itself is shared with the rest
   * of the program and is left running.
   *
   * @param timeout Time limit in ms, or an epoch-ms deadline (10^12 or more), as for
   *   {@linkcode TraceletAgentsProcessor.forceFlush}.
   * @returns Resolves when the pipeline is flushed; never rejects.
   */
  async shutdown(timeout?: number): Promise<void> {
    await this.forceFlush(timeout);
  }
}
