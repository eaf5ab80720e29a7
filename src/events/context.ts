/**
 * Run scopes of the events layer (design_research_agents' `start_trace_run` /
 * `finish_trace_run`). What is current is an immutable frame per run scope, linked to the frame
 * that was current before it (`_run_frames.ts`), as each asyncio task has its own copy of DRA's
 * ContextVars. `EventTracer.runCallable` / {@linkcode withTraceRun} put their run's frame in
 * tracelet's context for their callback (isolated across concurrent async work); the imperative
 * `startTraceRun` puts its frame in the current async flow (`../context/flow_local.ts`:
 * `AsyncLocalStorage.enterWith`, as the agent layer's `start(true)`), nested in what is current
 * there. So sibling async functions that start runs after an `await` (`Promise.all([a(), b()])`
 * inside a run) each get their own nested run, and concurrent requests their own run.
 *
 * Scopes may finish in any order: a finished scope is never current, the live one before it is.
 * A run's session is closed once its root scope and every scope nested in it have finished, so
 * the events of a nested run that outlives its parent in another context (a `runCallable` /
 * `withTraceRun` still running) are still written. When a root (or the scope `withTraceRun`
 * made) finishes, the scopes of its run started imperatively in the same place (outside any
 * `withTraceRun` for a root started outside any, else in that `withTraceRun`) and still open
 * cannot be finished by anyone later: they are finished with it, as failed
 * (`events_run_not_finished`), so the run's session still closes.
 *
 * Where `enterWith` does not work (workerd, whose `enterWith` throws even with `nodejs_compat`; a
 * `SyncContextManager`) the flow store is one slot per context manager, shared by every async
 * flow, so concurrent imperative runs cannot be told from nested ones: a second run started while
 * the first is open nests in it and is finished with it. As with any `enterWith`, a run started in
 * an async function before its first `await` is in its caller's flow too, so runs started that
 * way by sibling functions (`Promise.all([a(), b()])`, or `Deno.serve` handlers) nest in the same
 * way. Use `runCallable` or `withTraceRun` for concurrent runs there. A `SyncContextManager` also
 * loses `withTraceRun`'s context at the callback's first `await`: see `resolve` in
 * `_run_frames.ts` (its later events are not recorded rather than recorded in another run).
 *
 * @module
 */
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { reportOnce } from "../diagnostics.ts";
import { errorText, field, ownFields, thrownErrorText } from "../agents/_input.ts";
import { runScoped } from "../agents/_scope.ts";
import { writesWithin } from "../pending_writes.ts";
import { safeString } from "../safe_string.ts";
import type { Span } from "../span.ts";
import { sortedNames } from "./event.ts";
import { pythonTruthy } from "./_python_truthy.ts";
import type { EventTracer } from "./event_tracer.ts";
import { TraceSession } from "./session.ts";
import {
  contextFrame,
  currentSpanId,
  currentTraceSession,
  enterFlow,
  FRAME_KEY,
  isFinished,
  leaveFlow,
  makeFrame,
  markFinished,
  resolve,
  type RunFrame,
  trackInFlight,
} from "./_run_frames.ts";

export { currentSpanId, currentTraceSession };

/** Per run: its nested scopes still open (oldest first, bounded), and whether the root finished. */
interface RunState {
  readonly nested: Set<TraceScope>;
  rootFinished: boolean;
}

/** The most nested scopes a run keeps open; past it the oldest is finished (as failed). */
const MAX_SCOPES = 1000;
const runs = new WeakMap<TraceSession, RunState>();
/** Scopes finished automatically (their own finish comes too late and does nothing). */
const abandoned = new WeakSet<TraceScope>();
/** The error recorded on a scope finished automatically. */
const NOT_FINISHED = "run not finished: the run or scope it was started in finished first";

/** Counts a nested scope open in its run (finishing the oldest past the bound). */
function addNested(run: RunState, scope: TraceScope): void {
  if (run.nested.size >= MAX_SCOPES) {
    const oldest = run.nested.values().next().value!;
    abandon(oldest);
    reportOnce(
      "events_scopes_full",
      "warn",
      "events_scopes_full",
      `More than ${MAX_SCOPES} runs are open at once: finish each startTraceRun scope with ` +
        "finishTraceRun",
    );
  }
  run.nested.add(scope);
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
  /** @internal The scope of the `withTraceRun` it was started in (itself for that one), if any. */
  readonly home: TraceScope | undefined;
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
  dependencies?: Readonly<Record<string, unknown>> | undefined;
  /** The tracer configuration; without one (or disabled) nothing is traced. */
  tracer?: EventTracer | undefined;
}

/**
 * Starts a run: with no active session, a new session (root scope, `RunStarted`); inside one, a
 * nested agent span (`AgentRunStarted`) under the current span. The scope becomes current for
 * the rest of the calling async flow, inside the active `withTraceRun` if any (not after it). An
 * agent name or request id that is not a string is recorded in its string form.
 *
 * @param options Agent name, request id, input, dependencies, tracer.
 * @returns The scope, or undefined when tracing is off (no tracer, or disabled).
 */
export function startTraceRun(options: StartTraceRunOptions): TraceScope | undefined {
  const context = contextFrame();
  const previous = resolve(context);
  const scope = open(options, previous, context?.scope);
  if (scope !== undefined) enterFlow(makeFrame(scope, previous));
  return scope;
}

/** The home of the scope `withTraceRun` starts: the scope itself. */
const SELF = Symbol("self");

function withHome(
  fields: Omit<TraceScope, "home">,
  home: TraceScope | undefined | typeof SELF,
): TraceScope {
  const scope: { -readonly [K in keyof TraceScope]: TraceScope[K] } = {
    ...fields,
    home: undefined,
  };
  scope.home = home === SELF ? scope : home;
  return scope;
}

/**
 * Starts a run scope (root or nested in `previous`'s run) whose home is `home` (`SELF`: itself);
 * does not make it current.
 */
function open(
  options: StartTraceRunOptions,
  previous: RunFrame | undefined,
  home: TraceScope | undefined | typeof SELF,
): TraceScope | undefined {
  const o = ownFields(options);
  const tracer = o.tracer;
  if (tracer === undefined || !field(tracer, "enabled")) return undefined;
  const dependencyKeys = sortedNames(o.dependencies, false);
  const agent = safeString(o.agentName);
  const requestId = safeString(o.requestId);
  const active = previous?.scope.session.closed === false ? previous.scope : undefined;
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
    runs.set(session, { nested: new Set(), rootFinished: false });
    return withHome({
      session,
      spanId: session.rootSpanId,
      isRoot: true,
      agentName: agent,
      span: session.spanOf(session.rootSpanId),
      tracePath,
    }, home);
  }
  const session = active.session;
  const spanId = session.startSpan("AgentRunStarted", active.spanId, {
    agent,
    request_id: requestId,
    input: o.inputPayload ?? null,
    dependency_keys: dependencyKeys,
  }, {
    name: `invoke_agent ${agent}`,
    attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent },
  });
  const nested = withHome({
    session,
    spanId,
    isRoot: false,
    agentName: agent,
    span: session.spanOf(spanId),
    tracePath: undefined,
  }, home);
  const run = runs.get(session);
  if (run !== undefined) addNested(run, nested);
  return nested;
}

/** The outcome passed to {@linkcode finishTraceRun}. */
export interface FinishTraceRunOptions {
  /**
   * The result; the run succeeded when `result.success` is true as Python's `bool()` reads it
   * (design_research_agents' `bool(result.success)`: `1` and `"yes"` are true; `0`, `""`, `[]`,
   * `{}`, null and a missing field are false) and no error is given.
   */
  result?: unknown;
  /**
   * An error: its text is recorded (a string, an `Error`'s or object's message, else the sorted
   * JSON of an object); undefined or null means none.
   */
  error?: unknown;
}

/**
 * Finishes a run scope: `RunFinished` (root) or `AgentRunFinished` (nested), written to the
 * scope's own session whatever is current now; the scope is no longer current anywhere (what was
 * current before it is, in each context that had it). A root (and the scope `withTraceRun`
 * started) first finishes the scopes of its run started in the same place and still open (as
 * failed, reported once as `events_run_not_finished`); the finish of such a scope, when it comes,
 * does nothing. The run's sinks are closed once its root and every scope nested in it have
 * finished. An undefined scope does nothing. Any result and error are recorded as far as they can
 * be read.
 *
 * @param scope The scope from {@linkcode startTraceRun} (anything but an object does nothing).
 * @param outcome The result or error.
 * @returns Resolves when the root run's sinks have written everything (when runs nested in it
 *   are still open: everything so far; the sinks close after the last of them), or after 30 s
 *   when the storage does not answer (reported as `event_write_timeout`; the lines stay queued
 *   and the configuration's `forceFlush()` / `shutdown()` wait for them); never rejects.
 */
export function finishTraceRun(
  scope: TraceScope | undefined,
  outcome?: FinishTraceRunOptions,
): Promise<void> {
  if (typeof scope !== "object" || scope === null) return Promise.resolve();
  if (abandoned.has(scope)) return settle(scope.session, false);
  const result = field(outcome, "result");
  const error = errorText(field(outcome, "error"));
  if (scope.isRoot || scope.home === scope) finishLeftOpen(scope); // a root, or withTraceRun's
  end(scope, error === null && pythonTruthy(field(result, "success")), error, result);
  leaveFlow();
  return settle(scope.session, scope.isRoot);
}

/** Writes a scope's finishing event and counts it as finished. */
function end(scope: TraceScope, success: boolean, error: string | null, result: unknown): void {
  const first = !isFinished(scope);
  markFinished(scope);
  if (scope.isRoot) {
    scope.session.finishSpan("RunFinished", scope.spanId, {
      success,
      error,
      result: result ?? null,
    }, { error });
  } else {
    scope.session.finishSpan("AgentRunFinished", scope.spanId, {
      success,
      error,
      agent: scope.agentName,
    }, { error });
  }
  const run = runs.get(scope.session);
  if (run !== undefined && first) {
    if (scope.isRoot) run.rootFinished = true;
    else run.nested.delete(scope);
  }
}

/** Finishes a nested scope nobody can finish any more (as failed); its own finish does nothing. */
function abandon(scope: TraceScope): void {
  abandoned.add(scope);
  end(scope, false, NOT_FINISHED, null);
  // Nobody waits for it: no time limit (its timer would keep a process alive).
  void closeOrFlush(scope.session, false);
}

/**
 * Before a root (or the scope `withTraceRun` started) finishes: finishes the scopes of its run
 * started in the same place and still open, latest first, so none of them keeps the run's
 * session open.
 */
function finishLeftOpen(scope: TraceScope): void {
  const run = runs.get(scope.session);
  if (run === undefined) return;
  const left = [...run.nested].filter((s) => s !== scope && s.home === scope.home);
  if (left.length === 0) return;
  reportOnce(
    "events_run_not_finished",
    "warn",
    "events_run_not_finished",
    "A run finished while runs started in its context were still open: they were finished " +
      "with it, as failed. Finish each startTraceRun scope with finishTraceRun (in a finally " +
      "block), and trace concurrent runs with runCallable or withTraceRun",
  );
  for (const s of left.reverse()) abandon(s);
}

/**
 * Closes the session once its root and every scope nested in it finished; else flushes a root.
 * Waits for the writes at most 30 s: a storage that never answers does not hold up the caller
 * (`event_write_timeout`, once per stall); the lines stay queued, and a configuration's
 * `forceFlush()` / `shutdown()` wait for them again.
 */
function settle(session: TraceSession, isRoot: boolean): Promise<void> {
  const writes = closeOrFlush(session, isRoot);
  return writes === undefined
    ? Promise.resolve()
    : writesWithin(writes, `the events of run ${session.runId}`);
}

/** What {@linkcode settle} waits for, without a time limit (undefined: nothing to wait for). */
function closeOrFlush(session: TraceSession, isRoot: boolean): Promise<void> | undefined {
  const run = runs.get(session);
  const last = run === undefined ? isRoot : run.rootFinished && run.nested.size === 0;
  return last ? session.close() : isRoot ? session.flush() : undefined;
}

/**
 * Runs `fn` as a traced run in its own scope: starts the run, makes it current (and its
 * tracelet span active, so nested tracelet and agent-layer spans nest under it), and finishes
 * it on every exit path (success envelope `{success: true, output}`, or the error, which is also
 * recorded on the tracelet span, masked with the run's redaction policy as its `error` is, and
 * rethrown). With a context manager that loses the context at an `await` (`SyncContextManager`),
 * only the synchronous part of `fn` is in the run.
 *
 * @param options Agent name, request id, input, dependencies, tracer.
 * @param fn The function.
 * @returns What `fn` returned, once the run's events are written (at most 30 s later, as
 *   {@linkcode finishTraceRun}); rejects with a `TypeError` (and traces nothing) when `fn` is not
 *   a function.
 */
export function withTraceRun<R>(
  options: StartTraceRunOptions,
  fn: () => R | Promise<R>,
): Promise<R> {
  if (typeof fn !== "function") {
    return Promise.reject(new TypeError("withTraceRun needs a function to run"));
  }
  const previous = resolve(contextFrame());
  const scope = open(options, previous, SELF);
  if (scope === undefined) return Promise.resolve().then(fn);
  const frame = makeFrame(scope, previous);
  trackInFlight(frame);
  const active = getContextManager().active().set(FRAME_KEY, frame);
  const inner = scope.span === undefined ? active : active.set(SPAN_KEY, scope.span);
  let settled: Promise<void> = Promise.resolve();
  const run = async () => await fn();
  const result = runScoped(inner, run, (error, failed) => {
    if (failed) {
      scope.session.recordException(scope.spanId, error); // masked with the run's policy
      // A thrown `undefined` is still an error: recorded as "undefined", never as no error.
      settled = finishTraceRun(scope, { error: thrownErrorText(error) });
    }
  });
  return result.then(
    async (value) => {
      // `output: None` in design_research_agents when the function returns nothing.
      await finishTraceRun(scope, { result: { success: true, output: value ?? null } });
      return value;
    },
    async (error: unknown) => {
      await settled;
      throw error;
    },
  );
}
