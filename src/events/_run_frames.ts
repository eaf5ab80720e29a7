/**
 * Where the events layer's current run lives (see `context.ts` for the rules): an immutable frame
 * `{scope, previous}` per run scope, linked to the frame that was current before it, like a
 * Python `ContextVar` and its reset token (as the agent layer's frames, `../agents/_state.ts`).
 * `withTraceRun` puts its frame in tracelet's context for its callback; `startTraceRun` puts its
 * frame in the current async flow (`../context/flow_local.ts`), as the latest frame made there in
 * the active `withTraceRun` (or outside any). Nothing shared is mutated, so concurrent async flows
 * never see each other's runs where `enterWith` works; where the flow store is one slot, each
 * `withTraceRun` still has its own latest frame. A frame whose scope has finished is never
 * current: the live frame before it is.
 *
 * @internal
 * @module
 */
import { createContextKey } from "../context/context.ts";
import type { ContextKey } from "../context/context.ts";
import { flowLocal } from "../context/flow_local.ts";
import type { FlowLocal } from "../context/flow_local.ts";
import { getContextManager } from "../context/manager.ts";
import { ScopesInFlight } from "../context/scopes_in_flight.ts";
import { report, reportOnce } from "../diagnostics.ts";
import type { TraceScope } from "./context.ts";
import type { TraceSession } from "./session.ts";

/** What is current: a run scope, and what was current when it started. */
export interface RunFrame {
  /** The scope made current. */
  readonly scope: TraceScope;
  /** The frame current when this one was made. */
  readonly previous: RunFrame | undefined;
  /** Length of the chain of frames ending here (bounded by {@linkcode MAX_DEPTH}). */
  readonly depth: number;
}

/**
 * What a flow keeps: per `withTraceRun` (its scope; undefined outside any), the latest frame
 * `startTraceRun` made there. Replaced, never changed, so other flows keep theirs.
 */
type FlowFrames = ReadonlyMap<TraceScope | undefined, RunFrame>;

/** The longest chain of frames; a frame made on a longer one forgets what was current before. */
const MAX_DEPTH = 1000;
/** Scopes that finished (their frames are never current). */
const finished = new WeakSet<TraceScope>();
/** `withTraceRun` frames whose callback may run on without its context (sync managers). */
const inFlight = new ScopesInFlight<RunFrame>(isLive);

/** The context key of a `withTraceRun` frame. */
export const FRAME_KEY: ContextKey<RunFrame> = createContextKey("tracelet.events.frame");

/** Where `startTraceRun` keeps the latest frame of the current async flow. */
function flowStore(): FlowLocal<FlowFrames> {
  return flowLocal("tracelet.events.frames");
}

/**
 * Makes this flow store now (an `EventTracer` does, when it is created): on Node 20, before
 * AsyncContextFrame, the async work already waiting when the store is switched on resumes in one
 * flow, so requests waiting when the first run began nested in each other's runs. The cost of a
 * switched-on store (every `await` slower) is paid from here instead of from the first run.
 * Never throws.
 */
export function prepareFlowRuns(): void {
  try {
    flowStore();
  } catch {
    // Made (or found broken) at the first run, as before.
  }
}

function flowFrames(): FlowFrames | undefined {
  try {
    const frames = flowStore().get();
    return frames instanceof Map ? frames : undefined;
  } catch {
    return undefined;
  }
}

/** Marks a scope finished: its frame is no longer current anywhere. */
export function markFinished(scope: TraceScope): void {
  finished.add(scope);
}

/** @returns Whether the scope has finished. */
export function isFinished(scope: TraceScope): boolean {
  return finished.has(scope);
}

function isLive(frame: RunFrame): boolean {
  return !finished.has(frame.scope);
}

/** The frame itself, or the nearest frame before it, that is live. */
function live(frame: RunFrame | undefined): RunFrame | undefined {
  while (frame !== undefined && !isLive(frame)) frame = frame.previous;
  return frame;
}

/** @returns The `withTraceRun` frame of the active context, if any. */
export function contextFrame(): RunFrame | undefined {
  return getContextManager().active().get(FRAME_KEY);
}

/**
 * The current frame: the latest live frame this flow made in the active `withTraceRun` (or
 * outside any), else that `withTraceRun`'s frame (or the live one before it). Outside any, with a
 * context manager that loses the context at an `await`, none while a `withTraceRun` of another
 * run is unfinished (its code after an `await` runs here too, and cannot be told apart). That is
 * reported once as `events_context_lost` when it hides the run found, or, with no run found, when
 * `recording` and runs of two sessions are unfinished (two concurrent requests: the events are
 * lost; a run started there is a root either way).
 *
 * @param context The active `withTraceRun` frame.
 * @param recording True when events are recorded in what is found; false (the default) where it
 *   only decides what a run started there nests in.
 * @returns The frame, or undefined when no run is current.
 */
export function resolve(context: RunFrame | undefined, recording = false): RunFrame | undefined {
  // The scope withTraceRun started is the key of the frames made in it.
  const frame = flowFrames()?.get(context?.scope);
  const found = live(frame ?? context);
  if (
    context === undefined && (found !== undefined || recording) &&
    inFlight.ownedByAnother((f) => f.scope.session, found)
  ) {
    reportOnce(
      "events_context_lost",
      "warn",
      "events_context_lost",
      "Events after an await in withTraceRun or runCallable cannot be told from another " +
        "request's: this context manager loses the context at an await. No run is current " +
        "there (those events are not recorded); use AsyncLocalStorage",
    );
    return undefined;
  }
  return found;
}

/**
 * A frame on top of `previous` (a chain longer than 1000 forgets what was before it).
 *
 * @param scope The scope to make current.
 * @param previous What is current now.
 * @returns The frame.
 */
export function makeFrame(scope: TraceScope, previous: RunFrame | undefined): RunFrame {
  let depth = (previous?.depth ?? 0) + 1;
  if (depth > MAX_DEPTH) {
    reportOnce(
      "events_scopes_full",
      "warn",
      "events_scopes_full",
      `More than ${MAX_DEPTH} runs are open at once: finish each startTraceRun scope with ` +
        "finishTraceRun",
    );
    previous = undefined;
    depth = 1;
  }
  return { scope, previous, depth };
}

/** Tracks a `withTraceRun` frame while its callback may run without its context. */
export function trackInFlight(frame: RunFrame): void {
  inFlight.add(frame);
}

/**
 * Replaces this flow's frames: a frame no longer current gives way to the live one before it,
 * the frames of a `withTraceRun` that finished are dropped, and `frame` (if given) becomes the
 * latest of its `withTraceRun`. Never throws.
 */
function update(frame: RunFrame | undefined): void {
  const next = new Map<TraceScope | undefined, RunFrame>();
  for (const [home, old] of flowFrames() ?? []) {
    const kept = live(old);
    if (kept !== undefined && (home === undefined || !finished.has(home))) next.set(home, kept);
  }
  if (frame !== undefined) next.set(frame.scope.home, frame);
  try {
    flowStore().set(next.size === 0 ? undefined : next);
  } catch (error) {
    report("error", "events_context_failed", "Cannot make an event run current", error);
  }
}

/** Makes a frame current for the rest of this async flow (`startTraceRun`). Never throws. */
export function enterFlow(frame: RunFrame): void {
  update(frame);
}

/** After a finish: a frame of this flow no longer current gives way to the one before it. */
export function leaveFlow(): void {
  const frames = flowFrames();
  if (frames === undefined) return;
  for (const [home, frame] of frames) {
    if (!isLive(frame) || (home !== undefined && finished.has(home))) return update(undefined);
  }
}

/**
 * The trace session of the run active in this context (closed sessions are not returned).
 *
 * @returns The active trace session, or undefined when no run is being traced.
 */
export function currentTraceSession(): TraceSession | undefined {
  const session = resolve(contextFrame(), true)?.scope.session;
  return session === undefined || session.closed ? undefined : session;
}

/**
 * The closed session of the run this context was in, when no run is current any more: a timer or
 * callback a run scheduled, firing after the run finished. An event emitted there arrives late;
 * the session counts it (`droppedEvents`) and reports it once (`events_closed`). After a run
 * finished in the same flow (`finishTraceRun`), no run is found: as in design_research_agents,
 * where finishing resets the context variable.
 *
 * @returns The closed session, or undefined.
 */
export function closedSessionInContext(): TraceSession | undefined {
  const context = contextFrame();
  const session = (flowFrames()?.get(context?.scope) ?? context)?.scope.session;
  return session?.closed ? session : undefined;
}

/**
 * The event span id active in this context (the parent of events emitted now).
 *
 * @returns The current span id, or undefined when no run is being traced.
 */
export function currentSpanId(): string | undefined {
  const scope = resolve(contextFrame(), true)?.scope;
  return scope === undefined || scope.session.closed ? undefined : scope.spanId;
}
