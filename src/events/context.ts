/**
 * Run scopes of the events layer (design_research_agents' `start_trace_run` /
 * `finish_trace_run`): the current trace session and span id live in a small mutable cell
 * (`_run_cells.ts`).
 * `EventTracer.runCallable` / {@linkcode withTraceRun} give each run its own cell in tracelet's
 * context (isolated across concurrent async work, like DRA's per-task ContextVars); the imperative
 * `startTraceRun` / `finishTraceRun` pair works in the innermost of those, or, outside any scope,
 * in a cell of the current async flow (`../context/flow_local.ts`: `AsyncLocalStorage.enterWith`,
 * as the agent layer's `start(true)`), so concurrent requests that start runs imperatively each
 * have their own. A flow's cell is reused only while a run is open in it: like any `enterWith`
 * value it may have leaked into flows started later, which must not share it once it is empty.
 *
 * A cell keeps the scopes started in it and not finished yet, so scopes may finish in any order:
 * the current one is always the latest still open. A run's session is closed once its root
 * scope and every scope nested in it have finished, so the events of a nested run that outlives
 * its parent in another context (a `runCallable` / `withTraceRun` still running) are still
 * written. A scope left open in the context that finishes (the root's, or the one
 * `withTraceRun` made) cannot be finished by anyone later: it is finished with it, as failed
 * (`events_run_not_finished`), so the run's session still closes.
 *
 * Where `enterWith` does not work (workerd, whose `enterWith` throws even with `nodejs_compat`; a
 * `SyncContextManager`) the flow cell is one slot per context manager, shared by every async flow,
 * so concurrent imperative runs cannot be told from nested ones: a second run started while the
 * first is open nests in it and is finished with it. As with any `enterWith`, a run started in an
 * async function before its first `await` is in its caller's flow too, so runs started that way by
 * sibling functions (`Promise.all([a(), b()])`, or `Deno.serve` handlers) nest in the same way.
 * Use `runCallable` or `withTraceRun` for concurrent runs there.
 *
 * @module
 */
import { SPAN_KEY } from "../context/keys.ts";
import { getContextManager } from "../context/manager.ts";
import { reportOnce } from "../diagnostics.ts";
import { errorText, field, ownFields } from "../agents/_input.ts";
import { runScoped } from "../agents/_scope.ts";
import { safeString } from "../safe_string.ts";
import type { Span } from "../span.ts";
import { sortedNames } from "./event.ts";
import type { EventTracer } from "./event_tracer.ts";
import { TraceSession } from "./session.ts";
import {
  activeCell,
  CELL_KEY,
  currentOf,
  currentSpanId,
  currentTraceSession,
  type EventCell,
  newFlowCell,
} from "./_run_cells.ts";

export { currentSpanId, currentTraceSession };

/** Per run: how many of its scopes (root and nested) are open, and whether the root finished. */
interface RunState {
  open: number;
  rootFinished: boolean;
}

/** The most unfinished scopes a cell keeps; past it the oldest is forgotten. */
const MAX_SCOPES = 1000;
const runs = new WeakMap<TraceSession, RunState>();
const finished = new WeakSet<TraceScope>();
/** Scopes finished automatically (their own finish comes too late and does nothing). */
const abandoned = new WeakSet<TraceScope>();
/** The error recorded on a scope finished automatically. */
const NOT_FINISHED = "run not finished: the run or scope it was started in finished first";

function push(cell: EventCell, scope: TraceScope): void {
  if (cell.scopes.length >= MAX_SCOPES) {
    const oldest = cell.scopes.shift()!;
    if (!oldest.isRoot) {
      abandon(oldest); // else its session could never close
      void settle(oldest.session, false);
    }
    reportOnce(
      "events_scopes_full",
      "warn",
      "events_scopes_full",
      `More than ${MAX_SCOPES} runs are open at once in one context: finish each startTraceRun ` +
        "scope with finishTraceRun",
    );
  }
  cell.scopes.push(scope);
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
  const cell = activeCell() ?? newFlowCell();
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
    runs.set(session, { open: 1, rootFinished: false });
    const root: TraceScope = {
      session,
      spanId: session.rootSpanId,
      isRoot: true,
      agentName: agent,
      span: session.spanOf(session.rootSpanId),
      tracePath,
      cell,
    };
    push(cell, root);
    return root;
  }
  const parent = currentOf(cell).spanId ?? active.rootSpanId;
  const spanId = active.startSpan("AgentRunStarted", parent, {
    agent,
    request_id: requestId,
    input: o.inputPayload ?? null,
    dependency_keys: dependencyKeys,
  }, {
    name: `invoke_agent ${agent}`,
    attributes: { "gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": agent },
  });
  const run = runs.get(active);
  if (run !== undefined) run.open++;
  const nested: TraceScope = {
    session: active,
    spanId,
    isRoot: false,
    agentName: agent,
    span: active.spanOf(spanId),
    tracePath: undefined,
    cell,
  };
  push(cell, nested);
  return nested;
}

/** The outcome passed to {@linkcode finishTraceRun}. */
export interface FinishTraceRunOptions {
  /** The result; `success` is read from `result.success` (boolean). */
  result?: unknown;
  /** An error (message text is recorded). */
  error?: unknown;
}

/**
 * Finishes a run scope: `RunFinished` (root) or `AgentRunFinished` (nested), written to the
 * scope's own session whatever is current now, and makes the latest scope still open in its
 * context current again. A root (and the scope `withTraceRun` started) first finishes the scopes
 * of its run still open in its own context (as failed, reported once as
 * `events_run_not_finished`); the finish of such a scope, when it comes, does nothing. The run's sinks are closed once its root and every scope nested
 * in it have finished. An undefined scope does nothing. Any result and error are recorded as far
 * as they can be read.
 *
 * @param scope The scope from {@linkcode startTraceRun} (anything but an object does nothing).
 * @param outcome The result or error.
 * @returns Resolves when the root run's sinks have written everything (when runs nested in it
 *   are still open: everything so far; the sinks close after the last of them); never rejects.
 */
export function finishTraceRun(
  scope: TraceScope | undefined,
  outcome?: FinishTraceRunOptions,
): Promise<void> {
  if (typeof scope !== "object" || scope === null) return Promise.resolve();
  if (abandoned.has(scope)) return settle(scope.session, false);
  const result = field(outcome, "result");
  const error = errorText(field(outcome, "error"));
  if (scope.isRoot || scope.cell.owner === scope) finishLeftOpen(scope);
  end(scope, error === null && field(result, "success") === true, error, result);
  return settle(scope.session, scope.isRoot);
}

/** Takes a scope out of its context, writes its finishing event and counts it as finished. */
function end(scope: TraceScope, success: boolean, error: string | null, result: unknown): void {
  const first = !finished.has(scope);
  finished.add(scope);
  const scopes = scope.cell.scopes;
  const at = scopes.lastIndexOf(scope);
  if (at >= 0) {
    if (at < scopes.length - 1) {
      reportOnce(
        "events_runs_overlap",
        "warn",
        "events_runs_overlap",
        "A run finished before runs started after it in the same context: their events were " +
          "recorded in one run. Trace concurrent runs with runCallable or withTraceRun",
      );
    }
    scopes.splice(at, 1);
  }
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
    run.open--;
    if (scope.isRoot) run.rootFinished = true;
  }
}

/** Finishes a nested scope nobody can finish any more (as failed); its own finish does nothing. */
function abandon(scope: TraceScope): void {
  abandoned.add(scope);
  end(scope, false, NOT_FINISHED, null);
}

/**
 * Before a root (or the scope `withTraceRun` started) finishes: finishes the scopes of its run
 * still open in its context, latest first, so none of them keeps the run's session open.
 */
function finishLeftOpen(scope: TraceScope): void {
  const left = scope.cell.scopes.filter((s) =>
    s !== scope && s.session === scope.session && !s.isRoot
  );
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

/** Closes the session once its root and every scope nested in it finished; else flushes a root. */
function settle(session: TraceSession, isRoot: boolean): Promise<void> {
  const run = runs.get(session);
  if (run === undefined ? isRoot : run.rootFinished && run.open <= 0) return session.close();
  return isRoot ? session.flush() : Promise.resolve();
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
  const outer = currentOf(activeCell());
  const cell: EventCell = { base: { session: outer.session, spanId: outer.spanId }, scopes: [] };
  const manager = getContextManager();
  const context = manager.active().set(CELL_KEY, cell);
  return manager.with(context, () => {
    const scope = startTraceRun(options);
    if (scope === undefined) return Promise.resolve().then(fn);
    cell.owner = scope;
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
