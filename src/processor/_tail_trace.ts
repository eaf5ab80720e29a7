/**
 * What a `TailSamplingProcessor` keeps per followed trace: its open local roots (known by span id
 * up to a cap), the ended spans waiting for a decision with their count and bytes, the decision
 * codes, and the table of followed traces with its oldest-first orders for eviction. Which trace
 * is kept, and when a bound decides one, is the processor's business.
 *
 * @module
 */
import type { SpanRecord } from "../types.ts";
import { estimateSpanBytes } from "./span_bytes.ts";
import { OldestFirst } from "./oldest_first.ts";
import type { Decision } from "./recent_decisions.ts";

/** Decision: dropped. */
export const DROPPED = 0;
/** Decision: kept. */
export const KEPT = 1;
/** Decision: dropped early by the default rule (a later failure keeps the rest). */
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

/**
 * Whether `spanId` is a known open local root of the trace; if so it is one no longer.
 *
 * @param trace The trace.
 * @param spanId The span id of a span that ended.
 * @returns True when it was a known open local root.
 */
export function endRoot(trace: Trace, spanId: string): boolean {
  if (trace.rootId === spanId) trace.rootId = undefined;
  else if (trace.moreRoots?.delete(spanId) !== true) return false;
  trace.knownRoots--;
  return true;
}

/**
 * Notes that a local root of the buffered trace ended: the last one, and the longest duration.
 *
 * @param buffer The trace's buffer.
 * @param root The local root that ended.
 */
export function rootEnded(buffer: Buffer, root: SpanRecord): void {
  buffer.root = root;
  buffer.rootMillis = Math.max(buffer.rootMillis, (root.endTime - root.startTime) / 1e6);
}

/**
 * The followed traces by trace id, oldest first, with the totals of the spans and bytes their
 * buffers hold and the buffers that hold any, oldest first (to free memory).
 */
export class FollowedTraces {
  /** Followed traces by trace id. */
  readonly #traces = new Map<string, Trace>();
  /** The same traces, oldest first (for `max_traces`). */
  readonly #byAge = new OldestFirst<Trace>((trace) => this.#traces.get(trace.id) === trace);
  /** Buffers holding spans, oldest first (to free memory, traces holding nothing are skipped). */
  readonly #holding = new OldestFirst<Buffer>((buffer) => buffer.trace.buffer === buffer);
  /** How many local roots of a trace running at once are known by span id past the first. */
  readonly #maxMoreRoots: number;
  #spans = 0;
  #bytes = 0;

  /**
   * Creates an empty table.
   * @param maxMoreRoots How many local roots of one trace running at once are known by span id
   *   past the first (`maxSpansPerTrace`).
   */
  constructor(maxMoreRoots: number) {
    this.#maxMoreRoots = maxMoreRoots;
  }

  /** How many traces it follows. */
  get size(): number {
    return this.#traces.size;
  }

  /** The spans all buffers hold. */
  get spans(): number {
    return this.#spans;
  }

  /** The estimated bytes of the spans all buffers hold. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many followed traces have a buffer (are undecided). */
  get bufferedTraces(): number {
    let buffered = 0;
    for (const trace of this.#traces.values()) buffered += +(trace.buffer !== undefined);
    return buffered;
  }

  /**
   * The followed trace of a trace id.
   * @param traceId The trace id.
   * @returns The trace, or undefined when it is not followed.
   */
  get(traceId: string): Trace | undefined {
    return this.#traces.get(traceId);
  }

  /**
   * The followed traces, in insertion order of their ids.
   * @returns The traces.
   */
  values(): IterableIterator<Trace> {
    return this.#traces.values();
  }

  /**
   * Follows a trace anew, as the newest: a copy of `previous` (its roots, whose old place in the
   * oldest-first order is no longer live), with a fresh buffer unless `decision` keeps it.
   *
   * @param id The trace id.
   * @param previous The trace followed so far under that id, if any.
   * @param decision The decision its spans follow (undefined: none yet).
   * @returns The followed trace.
   */
  follow(id: string, previous: Trace | undefined, decision: Decision | undefined): Trace {
    const next: Trace = {
      id,
      openRoots: 0,
      knownRoots: 0,
      rootId: undefined,
      moreRoots: undefined,
      ...previous, // a copy: its old place in `#byAge` is no longer live
      buffer: undefined,
      decision,
    };
    if (next.decision !== KEPT) {
      next.buffer = {
        trace: next,
        spans: [],
        bytes: 0,
        root: undefined,
        rootMillis: 0,
        startedAt: Date.now() * 1e6,
      };
    }
    this.#traces.set(id, next);
    this.#byAge.push(next, this.#traces.size);
    return next;
  }

  /**
   * Learns the span id of a local root that started.
   * @param trace Its trace.
   * @param span The local root.
   * @returns False when `maxMoreRoots` more local roots of the trace run: this one is known by
   *   count only (its end is `onTraceEnd`'s, like a root whose start was not seen).
   */
  learnRoot(trace: Trace, span: SpanRecord): boolean {
    if (trace.rootId === undefined) trace.rootId = span.spanId;
    else if ((trace.moreRoots ??= new Set()).size < this.#maxMoreRoots) {
      trace.moreRoots.add(span.spanId);
    } else {
      return false;
    }
    trace.knownRoots++;
    if (trace.buffer !== undefined) {
      trace.buffer.startedAt = Math.min(trace.buffer.startedAt, span.startTime);
    }
    return true;
  }

  /**
   * Adds an ended span to its trace's buffer.
   * @param buffer The buffer.
   * @param span The span.
   */
  hold(buffer: Buffer, span: SpanRecord): void {
    const bytes = estimateSpanBytes(span);
    buffer.spans.push(span);
    buffer.bytes += bytes;
    this.#spans++;
    this.#bytes += bytes;
    if (buffer.spans.length === 1) this.#holding.push(buffer, this.#traces.size);
  }

  /**
   * Takes the buffer from its trace, which is being decided.
   * @param buffer The buffer.
   */
  release(buffer: Buffer): void {
    buffer.trace.buffer = undefined;
    this.#spans -= buffer.spans.length;
    this.#bytes -= buffer.bytes;
  }

  /**
   * The trace followed longest (for `max_traces`).
   * @returns The trace, or undefined when none is followed.
   */
  oldest(): Trace | undefined {
    return this.#byAge.oldest();
  }

  /**
   * The buffer that has held spans longest (to free memory).
   * @returns The buffer, or undefined when none holds spans.
   */
  oldestHolding(): Buffer | undefined {
    return this.#holding.oldest();
  }

  /**
   * Whether the trace is followed (and not replaced by a newer copy).
   * @param trace The trace.
   * @returns True when followed.
   */
  follows(trace: Trace): boolean {
    return this.#traces.get(trace.id) === trace;
  }

  /**
   * Stops following a trace.
   * @param trace The trace.
   */
  forget(trace: Trace): void {
    this.#traces.delete(trace.id);
  }
}
