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
 * the agent layer) are not passed on. Waits on the processor's flush and shutdown are bounded;
 * its `shutdown` is called at most once, and neither it nor `forceFlush` after that.
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
import type { FlushReport, SpanRecord } from "../types.ts";
import { takeReport } from "./_batch_reports.ts";
import { ownFields } from "./_input.ts";
import { markShutDown, wasShutDown } from "./_shut_down.ts";
import { agentObjectOf, agentsState, noteActivity } from "./_state.ts";
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
 * ms. The processor's `shutdown` is called at most once, by any bridge (a processor added again
 * gets a new one), and nothing but its `on*` methods after that. Both resolve with what a
 * `BatchTraceProcessor` did since its last report (exported, failed, dropped), so the tracer's
 * report counts it.
 */
export class TracingProcessorBridge implements SpanProcessor {
  /** Brand recognized by the agent layer when it replaces its bridges. */
  readonly agentLayerBridge: true = true;
  /** The wrapped processor. */
  readonly processor: TracingProcessor;
  /** The processor as the one-element list the fan-out's `notify` takes. */
  readonly #processors: readonly TracingProcessor[];
  readonly #processorTimeoutMillis: number;
  #shutdown: Promise<FlushReport | undefined> | undefined;
  /** Traces and spans passed to the processor so far. */
  #told = 0;
  /** The flush of the processor running now, and `#told` when it started. */
  #flushing: { readonly done: Promise<void>; readonly told: number } | undefined;
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
    this.#pass(agentObjectOf(span), "onTraceStart", "onSpanStart");
  }

  /**
   * Calls `onTraceEnd` or `onSpanEnd` when the span belongs to an agent trace or span; other
   * tracelet spans are ignored. A throw or a rejection of the processor is reported
   * (`processor_failed`, naming its method), never passed on.
   *
   * @param span A tracelet span that ended.
   */
  onSpanEnd(span: SpanRecord): void {
    this.#pass(agentsState().objects.get(span), "onTraceEnd", "onSpanEnd");
  }

  /**
   * Passes an agent trace to the processor's `onTrace` method, an agent span to its `onSpan`
   * one; anything else is ignored. Counted (here, and for the exit's shutdown).
   */
  #pass(
    object: unknown,
    onTrace: "onTraceStart" | "onTraceEnd",
    onSpan: "onSpanStart" | "onSpanEnd",
  ): void {
    if (object instanceof AgentTrace) notify(this.#processors, onTrace, object, "trace");
    else if (object instanceof AgentSpan) notify(this.#processors, onSpan, object, "trace");
    else return;
    this.#told++;
    noteActivity();
  }

  /**
   * Calls the processor's `forceFlush`, if it has one, unless it was shut down. Called while a
   * flush of the processor runs and nothing was passed to it since that one started (the exit
   * flushes of `configure()` and of the agent layer run together), it waits for that flush
   * instead of flushing again.
   *
   * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), passed on as the time left
   *   in ms (the wait ends then, and after `processorTimeoutMillis` at the latest).
   * @returns Resolves when the processor's flush has settled, or at the deadline, with what a
   *   `BatchTraceProcessor` did since its last report (nothing for other processors, or when it
   *   waited for another call's flush); never rejects (a throw or a rejection of the processor is
   *   reported, `processor_failed`).
   */
  forceFlush(deadline?: number): Promise<FlushReport | undefined> {
    if (wasShutDown(this.processor)) return Promise.resolve(undefined);
    const running = this.#flushing;
    if (running !== undefined && running.told === this.#told) {
      return settlesWithin(running.done, this.#limit(toDeadline(deadline)) - Date.now())
        .then(() => undefined);
    }
    const done = this.#bounded("forceFlush", deadline, (ms) => this.processor.forceFlush?.(ms));
    const flushing = { done, told: this.#told };
    this.#flushing = flushing;
    return done.then(() => {
      if (this.#flushing === flushing) this.#flushing = undefined;
      return takeReport(this.processor);
    });
  }

  /**
   * Calls the processor's `shutdown`, if it has one, unless it was shut down already (by another
   * bridge, or a `BatchTraceProcessor` by its own `shutdown()`); later calls return the first
   * call's promise. A flush of the processor still running is waited for first (within the same
   * limit), so the processor is flushed, then shut down.
   *
   * @param deadline Epoch-ms limit, or a timeout in ms (below 10^12), passed on as the time left
   *   in ms (the wait ends then, and after `processorTimeoutMillis` at the latest).
   * @returns Resolves when the processor's shutdown has settled, or at the deadline, with what a
   *   `BatchTraceProcessor` did since its last report; never rejects (a throw or a rejection of
   *   the processor is reported, `processor_failed`).
   */
  shutdown(deadline?: number): Promise<FlushReport | undefined> {
    return this.#shutdown ??= this.#shutDown(toDeadline(deadline));
  }

  async #shutDown(deadline: number | undefined): Promise<FlushReport | undefined> {
    if (!wasShutDown(this.processor)) {
      markShutDown(this.processor); // before any await: no flush starts after this
      const limit = this.#limit(deadline); // for both waits together
      if (this.#flushing !== undefined) {
        await settlesWithin(this.#flushing.done, limit - Date.now());
      }
      await this.#bounded("shutdown", deadline, (ms) => this.processor.shutdown?.(ms), limit);
    }
    return takeReport(this.processor);
  }

  /**
   * The epoch-ms time a wait that starts now ends: the deadline (a deadline that is not a number,
   * NaN, means none), and `processorTimeoutMillis` from now at the latest.
   */
  #limit(deadline: number | undefined): number {
    return Math.min(
      numberAtLeast(deadline, 0, Infinity),
      Date.now() + this.#processorTimeoutMillis,
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

  async #shutdownFrom(tracer: Tracer, deadline?: number): Promise<FlushReport | undefined> {
    // configure() installs its new tracer, then shuts the old one down: move at once, so a
    // shutdown of the new pipeline right after reaches the processor. A tracer shut down just
    // before `setAgentTracer` installs another is decided after the current task.
    deadline = toDeadline(deadline);
    if (!this.#moved(tracer)) {
      await Promise.resolve();
      if (!this.#moved(tracer)) return await this.shutdown(deadline);
    }
    return await this.forceFlush(deadline);
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
   * `processorTimeoutMillis` at most (then reports it), or until `until` when given. Never
   * rejects: a throw or a rejection of the processor is reported (`processor_failed`) as the
   * trace processor's, naming `method`.
   */
  async #bounded(
    method: string,
    deadline: number | undefined,
    call: (timeout: number | undefined) => unknown,
    until?: number,
  ): Promise<void> {
    const given = numberAtLeast(toDeadline(deadline), 0, Infinity);
    const limit = until ?? this.#limit(given);
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
