/**
 * Process-wide state of the agent layer (behind a `Symbol.for` slot, shared by every copy of
 * tracelet in a process) and the "current trace / current span" cells kept in the context.
 *
 * A cell is a small mutable record `{trace, span}` stored in an immutable context frame. Scoped
 * runs (`trace.run(fn)`, `span.run(fn)`, `withTrace`) create a fresh cell for their callback, so
 * concurrent async work stays isolated. The imperative `start(true)` / `finish(true)` form
 * mutates the innermost cell (or the process-wide root cell outside any scope), like the OpenAI
 * Agents JS SDK mutates its async-local store.
 *
 * @module
 */
import { createContextKey } from "../context/context.ts";
import type { ContextKey } from "../context/context.ts";
import { getContextManager } from "../context/manager.ts";
import type { SpanProcessor } from "../processor/types.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import type { AgentSpan } from "./agent_span.ts";
import type { AgentTrace } from "./trace.ts";

/** The current agent-layer trace and span of one scope. @internal */
export interface AgentCell {
  /** The current trace (possibly a no-op trace). */
  trace: AgentTrace | undefined;
  /** The current span (possibly a no-op span). */
  span: AgentSpan | undefined;
  /** The tracelet span that was made active when this scope was entered. */
  readonly scopeSpan: Span | undefined;
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
  /** The cell used outside any scope. */
  rootCell: AgentCell;
}

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
    rootCell: { trace: undefined, span: undefined, scopeSpan: undefined },
  };
}

/** The context key of the agent layer's cell. @internal */
export const AGENT_CELL_KEY: ContextKey<AgentCell> = createContextKey("tracelet.agents.cell");

/** @returns The innermost cell of the active context, or the root cell. @internal */
export function activeCell(): AgentCell {
  return getContextManager().active().get(AGENT_CELL_KEY) ?? agentsState().rootCell;
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
