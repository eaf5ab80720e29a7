/**
 * Where the events layer's current run lives: a small mutable cell per run scope in tracelet's
 * context, or, for imperative runs outside any scope, one per async flow (see `context.ts` for
 * the rules). Reading the current session and span id is all this module does; starting and
 * finishing runs is `context.ts`.
 *
 * @internal
 * @module
 */
import { createContextKey } from "../context/context.ts";
import type { ContextKey } from "../context/context.ts";
import { flowLocal } from "../context/flow_local.ts";
import type { FlowLocal } from "../context/flow_local.ts";
import { getContextManager } from "../context/manager.ts";
import { report } from "../diagnostics.ts";
import type { TraceScope } from "./context.ts";
import type { TraceSession } from "./session.ts";

/** A session and the span id events nest under. */
export interface Current {
  readonly session: TraceSession | undefined;
  readonly spanId: string | undefined;
}

/** The open run scopes of one context or async flow, and what was current before them. */
export interface EventCell {
  /** What was current when the cell was made (current again once its scopes finish). */
  readonly base: Current;
  /** The scopes started in this cell and not finished yet, oldest first (bounded). */
  readonly scopes: TraceScope[];
  /** The scope `withTraceRun` started in this cell (none in a flow's cell). */
  owner?: TraceScope;
}

export const NONE: Current = { session: undefined, spanId: undefined };
/** The context key of a run scope's cell. */
export const CELL_KEY: ContextKey<EventCell> = createContextKey("tracelet.events.cell");

/** Where imperative runs outside any scope keep their cell: in the current async flow. */
function flowStore(): FlowLocal<EventCell> {
  return flowLocal("tracelet.events.cell");
}

/** The cell of this async flow, while a run is open in it. */
function flowCell(): EventCell | undefined {
  try {
    const cell = flowStore().get();
    return cell !== undefined && cell.scopes.length > 0 ? cell : undefined;
  } catch {
    return undefined;
  }
}

/** A new cell, made current for the rest of this async flow (a run started outside any scope). */
export function newFlowCell(): EventCell {
  const cell: EventCell = { base: NONE, scopes: [] };
  try {
    flowStore().set(cell);
  } catch (error) {
    report("error", "events_context_failed", "Cannot make an event run current", error);
  }
  return cell;
}

/** The cell of the innermost scope, else the open cell of this async flow. */
export function activeCell(): EventCell | undefined {
  return getContextManager().active().get(CELL_KEY) ?? flowCell();
}

export function currentOf(cell: EventCell | undefined): Current {
  return cell?.scopes[cell.scopes.length - 1] ?? cell?.base ?? NONE;
}

/**
 * The trace session of the run active in this context (closed sessions are not returned).
 *
 * @returns The active trace session, or undefined when no run is being traced.
 */
export function currentTraceSession(): TraceSession | undefined {
  const session = currentOf(activeCell()).session;
  return session === undefined || session.closed ? undefined : session;
}

/**
 * The event span id active in this context (the parent of events emitted now).
 *
 * @returns The current span id, or undefined when no run is being traced.
 */
export function currentSpanId(): string | undefined {
  return currentTraceSession() === undefined ? undefined : currentOf(activeCell()).spanId;
}
