/**
 * What a `TailSamplingProcessor` keeps per followed trace: its open local roots, the
 * ended spans waiting for a decision, and the decision codes.
 *
 * @module
 */
import type { SpanRecord } from "../types.ts";
import type { Decision } from "./recent_decisions.ts";

/** Decisions: dropped; kept; dropped early by the default rule (a later failure keeps the rest). */
export const DROPPED = 0;
export const KEPT = 1;
export const DROPPED_EARLY = 2;

/** A trace with a local root still running, or with spans waiting for its decision. */
export interface Trace {
  readonly id: string;
  /** Local roots started and not yet ended. */
  openRoots: number;
  /** How many of them are known by span id (learned at their start): `rootId`, then `moreRoots`. */
  knownRoots: number;
  rootId: string | undefined;
  moreRoots: Set<string> | undefined;
  /** The spans waiting for a decision; undefined once decided (then `decision` holds). */
  buffer: Buffer | undefined;
  /**
   * The decision, while a local root still runs after it (its later spans follow it); undefined
   * before the trace was first decided (a trace is counted in the stats once, then).
   */
  decision: Decision | undefined;
}

/** The ended spans of a trace waiting for its decision. */
export interface Buffer {
  readonly trace: Trace;
  readonly spans: SpanRecord[];
  bytes: number;
  /** The local root that ended last. */
  root: SpanRecord | undefined;
  /** The longest duration of its ended local roots, in ms. */
  rootMillis: number;
  /** Epoch ns when its earliest local root started. */
  startedAt: number;
}

/** Whether `spanId` is a known open local root of the trace; if so it is one no longer. */
export function endRoot(trace: Trace, spanId: string): boolean {
  if (trace.rootId === spanId) trace.rootId = undefined;
  else if (trace.moreRoots?.delete(spanId) !== true) return false;
  trace.knownRoots--;
  return true;
}
