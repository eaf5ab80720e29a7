/**
 * The vocabulary around a span: the span types of the seeds, a link as a caller gives it, and
 * what a span needs from the tracer that created it.
 *
 * @module
 */
import type { SpanLimits } from "./attributes.ts";
import type { Span } from "./span.ts";
import type { InstrumentationScope, Resource, SpanContext } from "./types.ts";

/** The span types of the seeds (dreadnode's `SpanType`); any other string is accepted too. */
export type SpanType =
  | "run"
  | "task"
  | "evaluation"
  | "agent"
  | "study"
  | "tool"
  | "span"
  | "run_update"
  | "run_fragment"
  | "task_fragment"
  | "generation"
  | "scorer"
  | "trial"
  | "sample"
  | (string & Record<never, never>);

/** A link given by a caller. */
export interface LinkInput {
  /** The linked span, or its context. */
  readonly context: SpanContext;
  /** Attributes of the link. */
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/** What a span needs from the tracer that created it. @internal */
export interface SpanPipeline {
  /** Limits applied to attributes, events and links. */
  readonly limits: SpanLimits;
  /** The resource of every span. */
  readonly resource: Resource;
  /** The instrumentation scope of every span. */
  readonly scope: InstrumentationScope;
  /** Called once when the span ends. */
  spanEnded(span: Span): void;
}
