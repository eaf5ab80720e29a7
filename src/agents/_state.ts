/**
 * Process-wide state of the agent layer (behind a `Symbol.for` slot, shared by every copy of
 * tracelet in a process) and the current trace / current span.
 *
 * What is current is an immutable frame `{trace, span}` linked to the frame that was current
 * before it, like a Python `ContextVar` and its reset token. Frames live in two places:
 *
 * - Scoped runs (`trace.run(fn)`, `span.run(fn)`, `withTrace`) put a frame in tracelet's context
 *   for their callback, so concurrent async work stays isolated on every context manager.
 * - The imperative `start(true)` puts a frame in the current async flow (`../context/flow_local.ts`:
 *   `AsyncLocalStorage.enterWith`, as the OpenAI Agents JS SDK does, where it works), so each
 *   concurrent request has its own current trace. Where it does not (workerd, whose `enterWith`
 *   throws even with `nodejs_compat`; a `SyncContextManager`), one slot per context manager,
 *   shared by all async flows: `finish` only takes a frame off the slot while the slot still
 *   holds it. There a trace's `start(true)` that replaces another unfinished one is reported once
 *   (`agent_trace_replaced`, a warning): the other may be a concurrent request's.
 *
 * Whatever the store, a frame whose trace or span has finished is never current: the frame
 * before it is. So nothing finished stays current, even when finishes come out of order or from
 * another async flow. One exception: the scope of a span's `run(fn)` stays current while the span
 * is open after its trace finished (a sub-agent that lost a race runs on inside it).
 *
 * Where the context manager loses the context at an `await` (`SyncContextManager`), a scoped run
 * is only isolated until its callback's first `await`; after that its code runs outside any
 * scope, where the slot of `start(true)` is found. While such a run is unfinished, code outside
 * any scope may be its continuation or another request's, so the slot is used only if its trace
 * is the trace of every such run; else nothing is current (reported once as
 * `agent_context_lost`): that work is not recorded, never recorded in another request's trace.
 * With the slot empty, nothing is current there either way; a span or read of the current trace
 * there while runs of two traces are unfinished (two concurrent requests) is reported the same.
 *
 * @module
 */
import { createContextKey } from "../context/context.ts";
import { ScopesInFlight } from "../context/scopes_in_flight.ts";
import type { ContextKey } from "../context/context.ts";
import { flowLocal } from "../context/flow_local.ts";
import type { FlowLocal } from "../context/flow_local.ts";
import { getContextManager } from "../context/manager.ts";
import { runDetached } from "../context/run_detached.ts";
import { report, reportOnce } from "../diagnostics.ts";
import type { SpanProcessor } from "../processor/types.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import type { AgentSpan } from "./agent_span.ts";
import type { AgentTrace } from "./trace.ts";

/** What is current (trace and span), and what was current before. @internal */
export interface AgentFrame {
  /** The current trace (possibly a no-op trace). */
  readonly trace: AgentTrace | undefined;
  /** The current span (possibly a no-op span). */
  readonly span: AgentSpan | undefined;
  /** Scope frames: the tracelet span that `run()` made active together with this frame. */
  readonly scopeSpan: Span | undefined;
  /** The frame that was current when this one was made. */
  readonly previous: AgentFrame | undefined;
  /** True for a frame of `start(true)` (kept in the async flow, not in the context). */
  readonly manual: boolean;
  /** Manual frames: the scope frame active when it was made (undefined outside any scope). */
  readonly scope: AgentFrame | undefined;
  /** Length of the chain of frames ending here (bounded by {@linkcode MAX_DEPTH}). */
  readonly depth: number;
}

/** The agent layer's process-wide state. @internal */
export interface AgentsState {
  /** Set by `setTracingDisabled`; undefined means "read the environment once". */
  disabled: boolean | undefined;
  /** The tracer set with `setAgentTracer`; undefined means the configured tracer. */
  tracer: Tracer | undefined;
  /** Bridges of the processors added with `addTraceProcessor` / `setTraceProcessors`. */
  bridges: SpanProcessor[];
  /** Bumped whenever `bridges` changes. */
  version: number;
  /** Which `version` of the bridges each tracer has. */
  synced: WeakMap<Tracer, number>;
  /** Tracelet span → the agent-layer object it belongs to. */
  objects: WeakMap<object, AgentTrace | AgentSpan>;
  /** The agent object whose tracelet span is being started right now. */
  pending: AgentTrace | AgentSpan | undefined;
  /**
   * Bumped each time a processor added through the agent layer is told that an agent trace or
   * span started or ended (see {@linkcode noteActivity}): the exit's shutdown waits while it moves.
   */
  activity: number;
}

/** The longest chain of frames; a frame made on a longer one forgets what was current before. */
const MAX_DEPTH = 1000;

const SLOT = Symbol.for("tracelet.agents");
const globals = globalThis as unknown as Record<symbol, AgentsState | undefined>;

/** @returns The agent layer's state. @internal */
export function agentsState(): AgentsState {
  return globals[SLOT] ??= {
    disabled: undefined,
    tracer: undefined,
    bridges: [],
    version: 0,
    synced: new WeakMap(),
    objects: new WeakMap(),
    pending: undefined,
    activity: 0,
  };
}

/**
 * Notes that agent-layer processors were told of a trace or span starting or ending. @internal
 */
export function noteActivity(): void {
  const state = agentsState();
  state.activity = (state.activity || 0) + 1; // a state made by an older copy has no count
}

/**
 * @returns How often agent-layer processors were told of a trace or span so far (compare two
 *   values: a change means the program recorded more). @internal
 */
export function activity(): number {
  return agentsState().activity || 0;
}

/** The context key of the agent layer's scope frame. @internal */
export const AGENT_FRAME_KEY: ContextKey<AgentFrame> = createContextKey("tracelet.agents.frame");

/** Where `start(true)` keeps the latest manual frame of the current async flow. */
function flowStore(): FlowLocal<AgentFrame> {
  return flowLocal("tracelet.agents.frame");
}

/**
 * Whether a frame's span and trace are unfinished. The scope of a span's `run(fn)` stays live
 * while the span is open, after its trace finished: a sub-agent that lost a race runs on inside
 * it, its tools and model calls still its children (as in the Python SDK). A `start(true)` frame
 * ends with its trace: it may sit in a slot other requests share.
 */
function isLive(frame: AgentFrame): boolean {
  const span = frame.span;
  return span?.finished !== true &&
    (frame.trace?.finished !== true || (span !== undefined && !frame.manual));
}

/** The frame itself, or the nearest frame before it, that is live. */
function live(frame: AgentFrame | undefined): AgentFrame | undefined {
  while (frame !== undefined && !isLive(frame)) frame = frame.previous;
  return frame;
}

/** @returns The scope frame of the active context (set by `run()`), if any. @internal */
export function activeScope(): AgentFrame | undefined {
  return getContextManager().active().get(AGENT_FRAME_KEY);
}

// A run counts as in flight while its trace and span are both unfinished: under a manager that
// loses the context, a sub-agent running on after its trace finished cannot see its own frame
// after an `await` anyway, and counting it would hide every later request's `start(true)` trace.
const inFlight = new ScopesInFlight<AgentFrame>((frame) =>
  frame.trace?.finished !== true && frame.span?.finished !== true
);

/**
 * The current frame in `scope`. Outside any scope, where the context manager loses the context at
 * an `await`, nothing is current while that code may be the continuation of a run of another
 * trace (see {@linkcode ScopesInFlight.ownedByAnother}); reported once as `agent_context_lost`
 * when that hides what was found, or, with nothing found, when `recording` (work recorded in what
 * is found is lost; a trace or scope started there is the same either way).
 */
function resolve(scope: AgentFrame | undefined, recording: boolean): AgentFrame | undefined {
  let frame: AgentFrame | undefined;
  try {
    frame = flowStore().get();
  } catch {
    frame = undefined;
  }
  // A manual frame made in this scope is innermost. Frames made in another scope (one that has
  // ended, where `enterWith` leaked out of it) are passed over; so is this scope's own frame.
  while (frame !== undefined && frame !== scope && !(frame.manual && frame.scope === scope)) {
    frame = frame.previous;
  }
  const found = live(frame ?? scope);
  const lost = scope === undefined && (
    (found !== undefined || recording) && inFlight.ownedByAnother((s) => s.trace, found) ||
    // Nothing current while a run is unfinished: the work after its `await` is not recorded.
    found === undefined && recording && inFlight.anyLive()
  );
  if (lost) {
    reportOnce(
      "agent_context_lost",
      "warn",
      "agent_context_lost",
      "Work after an await in run(fn) is outside it: this context manager loses the context at " +
        "an await, and that work cannot be told from another request's. Nothing is current " +
        "there (spans are not recorded); use AsyncLocalStorage, or pass parent explicitly",
    );
    return undefined;
  }
  return found;
}

/**
 * The current frame: the latest live manual frame of this flow made in the active scope, else
 * the active scope's frame (or the live one before it).
 *
 * @param recording True (the default) when work is recorded in what is found (a new span's
 *   parent, the trace a caller reads), so finding nothing where the context was lost during
 *   another request's run is reported; false where what is found only decides how something
 *   started there nests.
 * @returns The frame, or undefined when nothing is current.
 * @internal
 */
export function currentFrame(recording = true): AgentFrame | undefined {
  return resolve(activeScope(), recording);
}

function makeFrame(
  trace: AgentTrace | undefined,
  span: AgentSpan | undefined,
  scopeSpan: Span | undefined,
  previous: AgentFrame | undefined,
  manual: boolean,
  scope: AgentFrame | undefined,
): AgentFrame {
  let depth = (previous?.depth ?? 0) + 1;
  if (depth > MAX_DEPTH) {
    reportOnce(
      "agent_frames_deep",
      "warn",
      "agent_frames_deep",
      `More than ${MAX_DEPTH} agent traces and spans are current at once: finish what you start ` +
        "with start(true); the oldest are no longer current",
    );
    previous = undefined;
    depth = 1;
  }
  return { trace, span, scopeSpan, previous, manual, scope, depth };
}

/**
 * A frame for a scoped run (`run()`), on top of what is current now; put it in the context.
 *
 * @param trace The trace current in the scope.
 * @param span The span current in the scope.
 * @param scopeSpan The tracelet span made active with it.
 * @returns The frame.
 * @internal
 */
export function scopeFrame(
  trace: AgentTrace | undefined,
  span: AgentSpan | undefined,
  scopeSpan: Span | undefined,
): AgentFrame {
  const frame = makeFrame(trace, span, scopeSpan, currentFrame(false), false, undefined);
  inFlight.add(frame);
  return frame;
}

/**
 * Reports once, as a warning (`agent_trace_replaced`), that `start(true)` of a trace replaces
 * another unfinished trace made current with `start(true)`, when the store of `start(true)` is one
 * slot shared by every async flow (workerd, whose `enterWith` throws even with `nodejs_compat`; a
 * `SyncContextManager`): the slot is shared if what it holds is seen outside this flow too. There
 * the other trace may be another request's, whose agent spans made after it without an explicit
 * parent are then recorded in this trace, and its own stays empty. Where each flow has its own
 * store, that is one request nesting traces: not reported (`agent_trace_exists`, debug, says so).
 */
function reportSharedSlotReplaced(): void {
  try {
    const store = flowStore();
    if (runDetached(() => store.get()) !== store.get()) return;
  } catch {
    return;
  }
  reportOnce(
    "agent_trace_replaced",
    "warn",
    "agent_trace_replaced",
    "trace().start(true) replaced another unfinished trace made current with start(true): here " +
      "one slot holds it for every request of the isolate (Cloudflare Workers), so if that trace " +
      "is another request's, the agent spans it makes without `parent` are recorded in this " +
      "trace. With concurrent requests use trace.run(fn) (with nodejs_compat), or pass `parent`",
  );
}

/**
 * Makes a trace or span current for the rest of this async flow (`start(true)`). Never throws.
 *
 * @param trace The trace to make current (for a span: undefined, the current trace stays).
 * @param span The span to make current (for a trace: undefined).
 * @returns The frame, to hand to {@linkcode leaveFrame} when the object finishes.
 * @internal
 */
export function enterFrame(
  trace: AgentTrace | undefined,
  span: AgentSpan | undefined,
): AgentFrame {
  const scope = activeScope();
  const previous = resolve(scope, false);
  if (span === undefined && previous?.manual && previous.trace !== trace) {
    reportSharedSlotReplaced();
  }
  const frame = makeFrame(
    span === undefined ? trace : previous?.trace,
    span,
    scope?.scopeSpan,
    previous,
    true,
    scope,
  );
  try {
    flowStore().set(frame);
  } catch (error) {
    report("error", "agent_context_failed", "Cannot make an agent trace or span current", error);
  }
  return frame;
}

/**
 * Takes a finished object's frame off this flow, if it is still the latest one there (so a
 * finish out of order, or from another flow, changes nothing but is still never current).
 * Never throws.
 *
 * @param frame The frame {@linkcode enterFrame} returned.
 * @internal
 */
export function leaveFrame(frame: AgentFrame): void {
  try {
    const store = flowStore();
    if (store.get() === frame) store.set(live(frame.previous));
  } catch (error) {
    report("error", "agent_context_failed", "Cannot restore the current agent trace", error);
  }
}

/**
 * The tracelet span an agent object owns, looked up from either side: registered objects, and
 * the one object whose span is being started right now (processors see the span before the
 * agent object knows it).
 *
 * @param span A tracelet span.
 * @returns The agent object, if the span belongs to one.
 * @internal
 */
export function agentObjectOf(span: object): AgentTrace | AgentSpan | undefined {
  const state = agentsState();
  const found = state.objects.get(span);
  if (found !== undefined) return found;
  const pending = state.pending;
  if (pending === undefined) return undefined;
  state.pending = undefined;
  state.objects.set(span, pending);
  return pending;
}
