/**
 * The bridge from an OpenAI Agents / CAI {@linkcode TracingProcessor} (the OpenAI shape:
 * `onTraceStart`, `onTraceEnd`, `onSpanStart`, `onSpanEnd`, `shutdown`, `forceFlush`) to
 * tracelet's pipeline: a {@linkcode TracingProcessorBridge} is a regular tracelet `SpanProcessor`
 * installed on the agent layer's tracer. It turns the tracelet span notifications of agent-layer
 * traces and spans back into the agent objects, so the processor receives `AgentTrace` /
 * `AgentSpan` objects (with `traceId`, `spanId`, `parentId`, `spanData`, `error`, `startedAt`,
 * `endedAt`, `toJSON()`), exactly as it would from the OpenAI SDKs. Each bridge is one processor
 * of the tracer's fan-out, and reports a processor that throws or rejects itself, naming the
 * processor's method (`processor_failed`: "A trace processor failed in onTraceStart"), so it
 * affects neither the host program nor other processors. Plain tracelet spans (not created by
 * the agent layer) are not passed on. Waits on the processor's flush and shutdown are bounded.
 *
 * @module
 */
import { toDeadline } from "../deadline.ts";
import { report } from "../diagnostics.ts";
import { countAtLeastOne, numberAtLeast } from "../number_option.ts";
import { failed, notify } from "../processor/fan_out.ts";
import type { SpanProcessor } from "../processor/types.ts";
import { isPromiseLike } from "../promise_like.ts";
import { settlesWithin } from "../settles_within.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import type { SpanRecord } from "../types.ts";
import { ownFields } from "./_input.ts";
import { agentObjectOf, agentsState } from "./_state.ts";
import { AgentSpan } from "./agent_span.ts";
import type { TracingProcessor } from "./processors.ts";
import { currentAgentTracer, syncBridges } from "./provider.ts";
import { AgentTrace } from "./trace.ts";

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
  /** The processor as the one-element list the fan-out's `notify` takes. */
  readonly #processors: readonly TracingProcessor[];
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
    this.#processors = [processor];
    this.#processorTimeoutMillis = countAtLeastOne(
      ownFields(options).processorTimeoutMillis,
      DEFAULT_PROCESSOR_TIMEOUT_MILLIS,
    );
  }

  /**
   * Calls `onTraceStart` or `onSpanStart` when the span belongs to an agent trace or span;
   * other tracelet spans are ignored. A throw or a rejection of the processor is reported
   * (`processor_failed`, naming its method), never passed on.
   *
   * @param span A tracelet span that started.
   */
  onSpanStart(span: Span): void {
    // Through the fan-out's notify (which also reads the method inside its guard: a getter or a
    // revoked proxy may throw), so a failure names the processor's own method, reported once
    // here: nothing is returned for the tracer's fan-out to report again as the bridge's.
    const object = agentObjectOf(span);
    if (object instanceof AgentTrace) notify(this.#processors, "onTraceStart", object, "trace");
    else if (object instanceof AgentSpan) notify(this.#processors, "onSpanStart", object, "trace");
  }

  /**
   * Calls `onTraceEnd` or `onSpanEnd` when the span belongs to an agent trace or span; other
   * tracelet spans are ignored. A throw or a rejection of the processor is reported
   * (`processor_failed`, naming its method), never passed on.
   *
   * @param span A tracelet span that ended.
   */
  onSpanEnd(span: SpanRecord): void {
    const object = agentsState().objects.get(span);
    if (object instanceof AgentTrace) notify(this.#processors, "onTraceEnd", object, "trace");
    else if (object instanceof AgentSpan) notify(this.#processors, "onSpanEnd", object, "trace");
  }

  /**
   * Calls the processor's `forceFlush`, if it has one.
   *
   * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), passed on as the time left
   *   in ms (the wait ends then, and after `processorTimeoutMillis` at the latest).
   * @returns Resolves when the processor's flush has settled, or at the deadline; never rejects
   *   (a throw or a rejection of the processor is reported, `processor_failed`).
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
   * @returns Resolves when the processor's shutdown has settled, or at the deadline; never
   *   rejects (a throw or a rejection of the processor is reported, `processor_failed`).
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
   * `processorTimeoutMillis` at most (then reports it). Never rejects: a throw or a rejection of
   * the processor is reported (`processor_failed`) as the trace processor's, naming `method`.
   */
  async #bounded(
    method: string,
    deadline: number | undefined,
    call: (timeout: number | undefined) => unknown,
  ): Promise<void> {
    const given = numberAtLeast(toDeadline(deadline), 0, Infinity);
    const limit = Math.min(given, Date.now() + this.#processorTimeoutMillis);
    const left = (): number => Math.max(0, limit - Date.now());
    try {
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
    } catch (error) {
      failed(method, error, "trace");
    }
  }
}
