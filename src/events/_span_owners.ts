/**
 * Which trace session opened each event span still open, process-wide: an emitter given only a
 * span id (a model or tool call finished outside its run's context) finds its run through it.
 * Bounded: past 10,000 ids the oldest are forgotten.
 *
 * @internal
 * @module
 */
import type { TraceSession } from "./session.ts";

/** The most span ids remembered; past it the oldest are forgotten. */
const MAX_OWNERS = 10_000;
/** The session that opened each tracked span id (until the span finishes). */
const owners = new Map<string, TraceSession>();

/**
 * Records that `session` opened `spanId`.
 *
 * @param spanId The span id.
 * @param session Its session.
 */
export function claimSpan(spanId: string, session: TraceSession): void {
  if (owners.size >= MAX_OWNERS) owners.delete(owners.keys().next().value!);
  owners.set(spanId, session);
}

/**
 * Forgets `spanId` when `session` is still its owner (a finished span).
 *
 * @param spanId The span id.
 * @param session The session finishing it.
 */
export function releaseSpan(spanId: string, session: TraceSession): void {
  if (owners.get(spanId) === session) owners.delete(spanId);
}

/**
 * The session that opened a span and has not finished it yet, whether or not it is current (so
 * a model or tool call finished outside its run's context is still written to its run). A
 * session that has closed since is returned too, so that what is sent to it is reported.
 *
 * @param spanId A span id from `startSpan` (anything else has no session).
 * @returns The session, or undefined when the id is unknown (or was forgotten).
 */
export function sessionOfSpan(spanId: unknown): TraceSession | undefined {
  return typeof spanId === "string" ? owners.get(spanId) : undefined;
}
