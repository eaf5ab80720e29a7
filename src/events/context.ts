/**
 * Run scopes of the events layer (design_research_agents' `start_trace_run` /
 * `finish_trace_run`): the current trace session and span id live in a small mutable cell stored
 * in tracelet's context. `EventTracer.runCallable` / {@linkcode withTraceRun} give each run its own
 * cell (isolated across concurrent async work); the imperative `startTraceRun` / `finishTraceRun`
 * pair mutates the innermost cell (or a process-wide one outside any scope).
 *
 * @module
 */
import { createContextKey } from "../context/context.ts";
import type { ContextKey } from "../context/context.ts";
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { errorText, field, ownFields } from "../agents/_input.ts";
import { runScoped } from "../agents/_scope.ts";
import { safeString } from "../safe_string.ts";
import type { Span } from "../span.ts";
import { sortedNames } from "./event.ts";
import type { EventTracer } from "./event_tracer.ts";
import { TraceSession } from "./session.ts";

interface EventCell {
  session: TraceSession | undefined;
  spanId: string | undefined;
}

const CELL_KEY: ContextKey<EventCell> = createContextKey("tracelet.events.cell");
const SLOT = Symbol.for("tracelet.events.rootCell");
const globals = globalThis as unknown as Record<symbol, EventCell | undefined>;

function activeCell(): EventCell {
  return getContextManager().active().get(CELL_KEY) ??
    (globals[SLOT] ??= { session: undefined, spanId: undefined });
}

/**
 * The trace session of the run active in this context (closed sessions are not returned).
 *
 * @returns The active trace session, or undefined when no run is being traced.
 */
export function currentTraceSession(): TraceSession | undefined {
  const session = activeCell().session;
  return session === undefined || session.closed ? undefined : session;
}

/**
 * The event span id active in this context (the parent of events emitted now).
 *
 * @returns The current span id, or undefined when no run is being traced.
 */
export function currentSpanId(): string | undefined {
  return currentTraceSession() === undefined ? undefined : activeCell().spanId;
}

/** The payload of an active run scope (returned by {@linkcode startTraceRun}). */
export interface TraceScope {
  /** The run's session. */
  readonly session: TraceSession;
  /** This scope's span id (the root span for a root scope). */
  readonly spanId: string;
  /** True for the run's root scope. */
  readonly isRoot: boolean;
  /** The agent name. */
  readonly agentName: string;
  /** The tracelet span of this scope, when spans are recorded. */
  readonly span: Span | undefined;
  /** The JSONL path of the run (root scopes with JSONL enabled). */
  readonly tracePath: string | undefined;
  /** @internal */
  readonly cell: EventCell;
  /** @internal */
  readonly previous: { session: TraceSession | undefined; spanId: string | undefined };
}

/** Options of {@linkcode startTraceRun}. */
export interface StartTraceRunOptions {
  /** The agent (delegate) name. */
  agentName: string;
  /** The request id: the run id and part of the file name. */
  requestId: string;
  /** The run's input payload (redacted like every event). */
  inputPayload?: unknown;
  /** Dependencies; only their sorted keys are recorded. */
  dependencies?: Readonly<Record<string, unknown>>;
  /** The tracer configuration; without one (or disabled) nothing is traced. */
  tracer?: EventTracer;
}

/**
 * Starts a run: with no active session, a new session (root scope, `RunStarted`); inside one, a
 * nested agent span (`AgentRunStarted`) under the current span. The scope becomes current. An
 * agent name or request id that is not a string is recorded in its string form.
 *
 * @param options Agent name, request id, input, dependencies, tracer.
 * @returns The scope, or undefined when tracing is off (no tracer, or disabled).
 */
export function startTraceRun(options: StartTraceRunOptions): TraceScope | undefined {
  const o = ownFields(options);
  const tracer = o.tracer;
  if (tracer === undefined || !field(tracer, "enabled")) return undefined;
  const cell = activeCell();
  const previous = { session: cell.session, spanId: cell.spanId };
  const dependencyKeys = sortedNames(o.dependencies, false);
  const agent = safeString(o.agentName);
  const requestId = safeString(o.requestId);
  const active = currentTraceSession();
  if (active === undefined) {
    const tracePath = tracer.buildTracePath(requestId);
    const session = new TraceSession({
      runId: requestId,
      sinks: tracer.buildSinks(tracePath),
      spanTracer: tracer.spanTracer,
      redaction: tracer.redaction,
    });
    const attributes = {
      agent,
      request_id: requestId,
      input: o.inputPayload ?? null,
      dependency_keys: dependencyKeys,
      trace_path: tracePath ?? null,
    };
    const redacted = session.redact(attributes);
    session.openRoot(
      { name: `run ${agent}`, attributes: { "gen_ai.agent.name": agent } },
      redacted,
    );
    session.emitEvent("RunStarted", session.rootSpanId, null, attributes);
    cell.session = session;
    cell.spanId = session.rootSpanId;
    const span = session.spanOf(session.rootSpanId);
    return {
      session,
      spanId: session.rootSpanId,
      isRoot: true,
      agentName: agent,
      span,
      tracePath,
      cell,
      previous,
    };
  }
  const parent = cell.spanId ?? active.rootSpanId;
  const spanId = active.startSpan("AgentRunStarted", parent, {
    agent,
    request_id: requestId,
    input: o.inputPayload ?? null,
    dependency_keys: dependencyKeys,
  }, {
    name: `invoke_agent ${agent}`,
    attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent },
  });
  cell.spanId = spanId;
  const span = active.spanOf(spanId);
  return {
    session: active,
    spanId,
    isRoot: false,
    agentName: agent,
    span,
    tracePath: undefined,
    cell,
    previous,
  };
}

/** The outcome passed to {@linkcode finishTraceRun}. */
export interface FinishTraceRunOptions {
  /** The result; `success` is read from `result.success` (boolean). */
  result?: unknown;
  /** An error (message text is recorded). */
  error?: unknown;
}

/**
 * Finishes a run scope: `RunFinished` (root; closes the sinks) or `AgentRunFinished` (nested),
 * and restores the previous current session and span. An undefined scope does nothing. Any
 * result and error are recorded as far as they can be read.
 *
 * @param scope The scope from {@linkcode startTraceRun}.
 * @param outcome The result or error.
 * @returns Resolves when the root run's sinks have written everything; never rejects.
 */
export function finishTraceRun(
  scope: TraceScope | undefined,
  outcome?: FinishTraceRunOptions,
): Promise<void> {
  if (scope === undefined) return Promise.resolve();
  scope.cell.session = scope.previous.session;
  scope.cell.spanId = scope.previous.spanId;
  const result = field(outcome, "result");
  const error = errorText(field(outcome, "error"));
  const success = error === null && field(result, "success") === true;
  if (!scope.isRoot) {
    scope.session.finishSpan("AgentRunFinished", scope.spanId, {
      success,
      error,
      agent: scope.agentName,
    }, { error });
    return Promise.resolve();
  }
  scope.session.finishSpan("RunFinished", scope.spanId, {
    success,
    error,
    result: result ?? null,
  }, { error });
  return scope.session.close();
}

/**
 * Runs `fn` as a traced run in its own scope: starts the run, makes it current (and its
 * tracelet span active, so nested tracelet and agent-layer spans nest under it), and finishes
 * it on every exit path (success envelope `{success: true, output}`, or the error, which is also
 * recorded on the tracelet span and rethrown).
 *
 * @param options Agent name, request id, input, dependencies, tracer.
 * @param fn The function.
 * @returns What `fn` returned, once the run's events are written; rejects with a `TypeError`
 *   (and traces nothing) when `fn` is not a function.
 */
export function withTraceRun<R>(
  options: StartTraceRunOptions,
  fn: () => R | Promise<R>,
): Promise<R> {
  if (typeof fn !== "function") {
    return Promise.reject(new TypeError("withTraceRun needs a function to run"));
  }
  const outer = activeCell();
  const cell: EventCell = { session: outer.session, spanId: outer.spanId };
  const manager = getContextManager();
  const context = manager.active().set(CELL_KEY, cell);
  return manager.with(context, () => {
    const scope = startTraceRun(options);
    if (scope === undefined) return Promise.resolve().then(fn);
    const inner = scope.span === undefined
      ? manager.active()
      : manager.active().set(SPAN_KEY, scope.span);
    let settled: Promise<void> = Promise.resolve();
    const run = async () => await fn();
    const result = runScoped(inner, run, (error, failed) => {
      if (failed) {
        scope.span?.recordException(error);
        settled = finishTraceRun(scope, { error });
      }
    });
    return result.then(
      async (value) => {
        await finishTraceRun(scope, { result: { success: true, output: value } });
        return value;
      },
      async (error: unknown) => {
        await settled;
        throw error;
      },
    );
  });
}
