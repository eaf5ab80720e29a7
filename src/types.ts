/**
 * Shared public types of tracelet's span pipeline: attribute values, span kinds and status,
 * events, links and the immutable record of a finished span that processors and exporters see.
 *
 * @module
 */

/** A primitive OpenTelemetry attribute value. */
export type AttributePrimitive = string | number | boolean;

/**
 * An OpenTelemetry-typed attribute value: a string, a boolean, a number (integers are encoded as
 * `int`, other finite numbers as `double`) or a homogeneous array of those, which may hold `null`
 * items (the specification asks that nulls in arrays be kept as they are; a caller's `undefined`
 * item is kept as `null`, as JSON has no `undefined`; OTLP carries them as empty values).
 */
export type AttributeValue =
  | AttributePrimitive
  | readonly (string | null)[]
  | readonly (number | null)[]
  | readonly (boolean | null)[];

/** A map of attribute keys to OpenTelemetry-typed values. */
export type Attributes = Record<string, AttributeValue>;

/** The OpenTelemetry span kind, spelled as in the JSONL line (`INTERNAL`, `SERVER`, …). */
export type SpanKind = "INTERNAL" | "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER";

/** The status code of a span. */
export type StatusCode = "UNSET" | "OK" | "ERROR";

/** The status of a span: a code and, for `ERROR`, an optional description. */
export interface SpanStatus {
  /** `UNSET` (the default), `OK` or `ERROR`. */
  readonly code: StatusCode;
  /**
   * A human-readable description; only meaningful with `ERROR`. A recorded status may hold it as
   * `undefined` (an `ERROR` set without one).
   */
  readonly message?: string | undefined;
}

/** A timestamped event recorded on a span. */
export interface SpanEvent {
  /** The event name, for example `exception`. */
  readonly name: string;
  /** Epoch time in nanoseconds (an integer-valued number). */
  readonly time: number;
  /** The event's attributes. */
  readonly attributes: Attributes;
  /** How many attributes were dropped by the attribute limits. */
  readonly droppedAttributesCount: number;
}

/** A link from a span to another span, possibly in another trace. */
export interface SpanLink {
  /** The linked span's trace id (32 lower-case hex). */
  readonly traceId: string;
  /** The linked span's span id (16 lower-case hex). */
  readonly spanId: string;
  /** The linked span's W3C `tracestate`, if any (`undefined` when it has none). */
  readonly traceState?: string | undefined;
  /** The linked span's W3C trace flags (0 when unknown). */
  readonly traceFlags?: number | undefined;
  /** True when the linked span context came from another process. */
  readonly isRemote?: boolean | undefined;
  /** The link's attributes. */
  readonly attributes: Attributes;
  /** How many attributes were dropped by the attribute limits. */
  readonly droppedAttributesCount: number;
}

/** The identity of a span as carried across process boundaries (W3C trace context). */
export interface SpanContext {
  /** 32 lower-case hex characters, never all zero. */
  readonly traceId: string;
  /** 16 lower-case hex characters, never all zero. */
  readonly spanId: string;
  /** W3C trace flags; bit 0 is "sampled". */
  readonly traceFlags: number;
  /** The W3C `tracestate` header value, if any (`undefined` when there is none). */
  readonly traceState?: string | undefined;
  /** True when this context was received from another process. */
  readonly isRemote?: boolean | undefined;
}

/** The resource (the entity producing telemetry) that every span is attributed to. */
export interface Resource {
  /** Resource attributes such as `service.name` and `telemetry.sdk.*`. */
  readonly attributes: Attributes;
}

/** The instrumentation scope (library) that produced a span. */
export interface InstrumentationScope {
  /** The scope name, for example `tracelet`. */
  readonly name: string;
  /** The scope version (`undefined` when there is none). */
  readonly version?: string | undefined;
}

/**
 * The immutable record of a finished span, as processors' `onSpanEnd` and exporters receive it.
 * Times are epoch nanoseconds stored as integer-valued numbers (precise to well under a
 * microsecond for present-day dates).
 */
export interface SpanRecord {
  /** 32 lower-case hex characters. */
  readonly traceId: string;
  /** 16 lower-case hex characters. */
  readonly spanId: string;
  /** The parent's span id, or undefined for a root span. */
  readonly parentSpanId: string | undefined;
  /**
   * True when the parent span context came from another process (a `traceparent` header): the
   * span is its service's entry into the trace. Written to OTLP's `flags` bits 8 and 9.
   */
  readonly parentIsRemote?: boolean | undefined;
  /** W3C trace flags of this span. */
  readonly traceFlags: number;
  /** The W3C `tracestate` of this span, if any. */
  readonly traceState: string | undefined;
  /** The span name. */
  readonly name: string;
  /** The span kind. */
  readonly kind: SpanKind;
  /** Start time, epoch nanoseconds. */
  readonly startTime: number;
  /** End time, epoch nanoseconds; never before `startTime`. */
  readonly endTime: number;
  /** The span's attributes after limits were applied. */
  readonly attributes: Readonly<Attributes>;
  /** The span's events, in the order they were added. */
  readonly events: readonly SpanEvent[];
  /** The span's links. */
  readonly links: readonly SpanLink[];
  /** The final status. */
  readonly status: SpanStatus;
  /** The resource the span belongs to. */
  readonly resource: Resource;
  /** The instrumentation scope that produced the span. */
  readonly scope: InstrumentationScope;
  /** Attributes dropped because of the attribute count limit. */
  readonly droppedAttributesCount: number;
  /** Events dropped because of the event count limit. */
  readonly droppedEventsCount: number;
  /** Links dropped because of the link count limit. */
  readonly droppedLinksCount: number;
}

/**
 * What a flush or an export achieved. `dropped` counts spans that were given up on, keyed by the
 * reason (for example `queue_full`, `http_400`, `outbox_full`). Every count is a number of spans.
 * A tracer's or configuration's report sums its exporters: a span written to the local JSONL log
 * and delivered over OTLP counts twice in `exported`.
 */
export interface FlushReport {
  /** Spans delivered to their destination. */
  exported: number;
  /** Spans delivered only after one or more retries (included in `exported`). */
  retried: number;
  /** Spans that could not be delivered now and were written to the durable outbox. */
  persisted: number;
  /** Spans given up on, by reason. */
  dropped: Record<string, number>;
  /** Spans whose export failed without being persisted or dropped by a bound. */
  failed: number;
}

/** Information about a trace, handed to processors' `onTraceStart` / `onTraceEnd`. */
export interface TraceInfo {
  /** The trace id (32 lower-case hex). */
  readonly traceId: string;
  /** The trace (workflow) name: the root span's name unless the agent layer named it. */
  readonly name: string;
  /** An optional grouping id (for example a conversation id). */
  readonly groupId?: string | undefined;
  /** Free-form metadata attached to the trace. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
}
