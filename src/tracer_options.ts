/**
 * The options of a {@linkcode Tracer} and of starting a span: what `new Tracer(options)` and
 * `startSpan(name, options)` / `withSpan(name, options, fn)` take.
 *
 * @module
 */
import type { SpanLimits } from "./attributes.ts";
import type { TimeInput } from "./clock.ts";
import type { Context } from "./context/context.ts";
import type { SpanProcessor } from "./processor/types.ts";
import type { Span } from "./span.ts";
import type { LinkInput, Sampler, SpanType } from "./span_types.ts";
import type { InstrumentationScope, Resource, SpanContext, SpanKind } from "./types.ts";

/** Options of a {@linkcode Tracer}. */
export interface TracerOptions {
  /** Processors receiving span lifecycle notifications. */
  processors?: readonly SpanProcessor[] | undefined;
  /** The resource; `telemetry.sdk.*` and `service.name` are filled in when missing. */
  resource?: Resource | undefined;
  /** `service.name` when the resource has none. Default `unknown_service`. */
  serviceName?: string | undefined;
  /** The instrumentation scope. Default `{ name: "tracelet", version }`. */
  scope?: InstrumentationScope | undefined;
  /** Attribute, event and link limits; one left out (or `undefined`) has its default. */
  limits?: { [K in keyof SpanLimits]?: SpanLimits[K] | undefined } | undefined;
  /**
   * Which spans are sampled (handed to the processors). Default: follow the parent's sampled
   * flag, sample every root (OpenTelemetry's `parentbased_always_on`).
   */
  sampler?: Sampler | undefined;
}

/** Options for starting a span. */
export interface StartSpanOptions {
  /**
   * The span kind, by name or by OpenTelemetry's `SpanKind` number (0 INTERNAL, 1 SERVER, 2 CLIENT,
   * 3 PRODUCER, 4 CONSUMER). Default `INTERNAL`; any other value means `INTERNAL` (reported once).
   */
  kind?: SpanKind | 0 | 1 | 2 | 3 | 4 | undefined;
  /** Initial attributes. */
  attributes?: Readonly<Record<string, unknown>> | undefined;
  /** Links to other spans. */
  links?: readonly LinkInput[] | undefined;
  /** Start time (a `Date` or epoch ms). Default now. */
  startTime?: TimeInput | undefined;
  /**
   * The parent: a span, a (remote) span context, or a context (of any copy of tracelet loaded in
   * the process). `null` starts a new trace. Default: the active span of the current context. A
   * span context with malformed ids (or unreadable) is ignored (a new trace starts) and reported
   * once (`invalid_link`).
   */
  parent?: Span | SpanContext | Context | null | undefined;
  /** The seed span type (`span`, `task`, `agent`, …); recorded as `dreadnode.type`. */
  type?: SpanType | undefined;
  /** A label (cleaned); recorded as `dreadnode.label`. */
  label?: string | undefined;
  /** Tags (cleaned, de-duplicated); recorded as `dreadnode.tags`. */
  tags?: string | readonly string[] | undefined;
  /**
   * Trace id of a new root span (a valid W3C id: 32 lower-case hex digits, not all zero; ignored
   * when the span has a parent). Default random, and then the span's trace flags carry W3C Trace
   * Context Level 2's random flag (`03`). An invalid one is ignored (the span gets a random id) and
   * reported once (`invalid_span_options`).
   */
  traceId?: string | undefined;
  /**
   * Span id (a valid W3C id: 16 lower-case hex digits, not all zero). Default random. An invalid
   * one is ignored (the span gets a random id) and reported once (`invalid_span_options`).
   */
  spanId?: string | undefined;
}
