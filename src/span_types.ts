/**
 * The vocabulary around a span: the span types of the seeds, a link as a caller gives it, and
 * what a span needs from the tracer that created it.
 *
 * @module
 */
import type { SpanLimits } from "./attributes.ts";
import type { Span } from "./span.ts";
import type { Attributes, InstrumentationScope, Resource, SpanContext } from "./types.ts";

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
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
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

/**
 * Decides whether a new span is sampled: a sampled span reaches the tracer's processors (and so
 * its exporters and storage) and propagates the sampled bit set (`01`, or `03` when tracelet made
 * the trace id); an unsampled one is handed to no processor and propagates the sampled bit
 * cleared (`00`, or `02` when tracelet made the trace id), so the services it calls can follow
 * the decision. Called once per span with the span's trace id, its parent (undefined for a root),
 * its name and its initial attributes. A sampler that throws is reported and the span is sampled.
 *
 * Without a sampler the tracer follows the parent (OpenTelemetry's default,
 * `parentbased_always_on`): a span whose parent is unsampled is unsampled, every root is sampled.
 * Ready-made samplers: `alwaysOn`, `alwaysOff`, `traceIdRatio(ratio)`, `parentBased(root)`.
 */
export type Sampler = (
  traceId: string,
  parent: SpanContext | undefined,
  name: string,
  attributes: Readonly<Attributes>,
) => boolean;
