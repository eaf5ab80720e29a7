/**
 * The lifecycle an agent trace and an agent span share: new, started (its tracelet span opened,
 * optionally made current with `start(true)`), finished (what was current before is current
 * again).
 *
 * @module
 */
import { reportOnce } from "../diagnostics.ts";
import type { Span } from "../span.ts";
import { agentsState, enterFrame, leaveFrame } from "./_state.ts";
import type { AgentFrame } from "./_state.ts";
import type { AgentSpan } from "./agent_span.ts";
import type { AgentTrace } from "./trace.ts";

/** The diagnostic of a second `start()`: key, code and message, for a trace and for a span. */
const RESTART = {
  trace: ["agent_trace_restart", "agent_trace_started", "Cannot start a trace twice: ignored"],
  span: ["agent_span_restart", "agent_span_started", "Cannot start a span twice: ignored"],
} as const;

/**
 * The state of one agent trace or span (new, started, finished) and the frame its `start(true)`
 * made current. @internal
 */
export class Lifecycle {
  readonly #trace: AgentTrace | undefined;
  readonly #span: AgentSpan | undefined;
  #state: "new" | "started" | "finished" = "new";
  #frame: AgentFrame | undefined;

  /**
   * The lifecycle of a trace (`span` undefined) or of a span (`trace` undefined).
   *
   * @param trace The trace it belongs to.
   * @param span The span it belongs to.
   */
  constructor(trace: AgentTrace | undefined, span: AgentSpan | undefined) {
    this.#trace = trace;
    this.#span = span;
  }

  /** True once started. */
  get started(): boolean {
    return this.#state !== "new";
  }
  /** True once finished. */
  get finished(): boolean {
    return this.#state === "finished";
  }

  /**
   * Marks it started; a second start is reported once (debug) and changes nothing.
   *
   * @returns False when it had started before.
   */
  start(): boolean {
    if (this.#state !== "new") {
      const [key, code, message] = RESTART[this.#span === undefined ? "trace" : "span"];
      reportOnce(key, "debug", code, message);
      return false;
    }
    this.#state = "started";
    return true;
  }

  /**
   * Opens the owner's tracelet span. While `startSpan` runs the owner is the pending agent object
   * (processors see the span before the owner knows it); then the span is registered as its.
   *
   * @param startSpan Starts the tracelet span.
   * @returns The span `startSpan` returned (what it throws passes through).
   */
  open(startSpan: () => Span): Span {
    const owner = (this.#span ?? this.#trace)!;
    const state = agentsState();
    state.pending = owner;
    let span: Span;
    try {
      span = startSpan();
    } finally {
      state.pending = undefined;
    }
    state.objects.set(span, owner);
    return span;
  }

  /** Makes the owner current for the rest of this async flow (`start(true)`). */
  enter(): void {
    this.#frame = enterFrame(this.#trace, this.#span);
  }

  /**
   * Marks it finished and makes what was current before `start(true)` current again.
   *
   * @returns False when it was not started, or already finished (then nothing changes).
   */
  finish(): boolean {
    if (this.#state !== "started") return false;
    this.#state = "finished";
    if (this.#frame !== undefined) leaveFrame(this.#frame);
    this.#frame = undefined;
    return true;
  }
}
