/**
 * The span half of a `TaskSpan`: everything of the wrapped tracelet {@linkcode Span} exposed
 * directly, so a task can be used wherever a span's data is read or written.
 *
 * @internal
 * @module
 */
import type { TimeInput } from "../clock.ts";
import { Span } from "../span.ts";
import { isInstance } from "../safe_read.ts";
import type { SpanType } from "../span_types.ts";
import type { Attributes, SpanContext, SpanEvent, SpanStatus } from "../types.ts";

/** A wrapper that forwards the span API to a real tracelet span. */
export abstract class SpanFacade {
  /** The real span: it reaches the tracer's processors like any other span. */
  readonly span: Span;

  /** @param span The started span to wrap. */
  constructor(span: Span) {
    this.span = span;
  }

  /** The span name. */
  get name(): string {
    return this.span.name;
  }
  /** 16-hex span id. */
  get spanId(): string {
    return this.span.spanId;
  }
  /** 32-hex trace id. */
  get traceId(): string {
    return this.span.traceId;
  }
  /** The parent span id, if any. */
  get parentSpanId(): string | undefined {
    return this.span.parentSpanId;
  }
  /** Start, epoch ns. */
  get startTime(): number {
    return this.span.startTime;
  }
  /** End, epoch ns (0 while running). */
  get endTime(): number {
    return this.span.endTime;
  }
  /** The span attributes. */
  get attributes(): Readonly<Attributes> {
    return this.span.attributes;
  }
  /** The span events. */
  get events(): readonly SpanEvent[] {
    return this.span.events;
  }
  /** The span status. */
  get status(): SpanStatus {
    return this.span.status;
  }
  /** The span type (`task` unless given). */
  get type(): SpanType {
    return this.span.type;
  }
  /** The cleaned label. */
  get label(): string {
    return this.span.label;
  }
  /** The cleaned tags. */
  get tags(): readonly string[] {
    return this.span.tags;
  }
  /** True while running. */
  get active(): boolean {
    return this.span.active;
  }
  /** True while running. */
  get isRecording(): boolean {
    return this.span.isRecording;
  }
  /** True when an exception was recorded or the status is `ERROR`. */
  get failed(): boolean {
    return this.span.failed;
  }
  /**
   * The recorded exception, if any (a task overrides this with the value as thrown; the span's is
   * plain data: see {@linkcode Span.exception}).
   */
  get exception(): unknown {
    return this.span.exception;
  }
  /** Duration in seconds (up to now while running). */
  get duration(): number {
    return this.span.duration;
  }

  /** @returns The span's W3C identity. */
  spanContext(): SpanContext {
    return this.span.spanContext();
  }

  /**
   * Sets a span attribute.
   *
   * @param key The key (a key that is not a string is set under its string form).
   * @param value The value.
   * @returns This task.
   */
  setAttribute(key: string, value: unknown): this {
    this.span.setAttribute(key, value);
    return this;
  }

  /**
   * Sets span attributes.
   *
   * @param attributes Key/value pairs (anything but an object is ignored: a string is not a set
   *   of one attribute per character).
   * @returns This task.
   */
  setAttributes(attributes: Readonly<Record<string, unknown>>): this {
    this.span.setAttributes(attributes);
    return this;
  }

  /**
   * Adds a span event.
   *
   * @param name The event name.
   * @param attributes Event attributes (anything but an object is ignored).
   * @param time When (default now).
   * @returns This task.
   */
  addEvent(name: string, attributes?: Readonly<Record<string, unknown>>, time?: TimeInput): this {
    this.span.addEvent(name, attributes, time);
    return this;
  }

  /**
   * Records an exception (status `ERROR` plus an `exception` event).
   *
   * @param error The thrown value.
   * @returns This task.
   */
  recordException(error: unknown): this {
    this.span.recordException(error);
    return this;
  }

  /**
   * Sets the status.
   *
   * @param status The status: `{ code, message? }`, the code by name or by OpenTelemetry's number
   *   (0 UNSET, 1 OK, 2 ERROR), as {@linkcode Span.setStatus} takes it.
   * @returns This task.
   */
  setStatus(status: Parameters<Span["setStatus"]>[0]): this {
    this.span.setStatus(status);
    return this;
  }

  /**
   * Adds tags (cleaned, de-duplicated).
   *
   * @param tags Tags.
   * @returns This task.
   */
  addTags(tags: string | readonly string[]): this {
    this.span.addTags(tags);
    return this;
  }

  /**
   * Replaces the tags.
   *
   * @param tags Tags.
   * @returns This task.
   */
  setTags(tags: string | readonly string[]): this {
    this.span.setTags(tags);
    return this;
  }

  /** Ends the task (writes its state onto the span first). */
  abstract end(endTime?: TimeInput): void;

  /** Ends the task when a `using` block exits. */
  [Symbol.dispose](): void {
    if (this.span.active) this.end();
  }
}

/**
 * The local span that is active in a context, if any.
 *
 * @param value A context's span slot.
 * @returns The span when it is a local span.
 */
export function localSpan(value: unknown): Span | undefined {
  return isInstance(value, Span) ? value : undefined;
}
