/**
 * The run-scoped trace session of the events layer (design_research_agents' `TraceSession`): it
 * numbers events, tracks open spans for durations and parents, applies the redaction policy to
 * every event, and hands events to its sinks.
 *
 * One pipeline: when the session has a tracelet tracer, every event span (run, agent run, model
 * call, tool call) is also a tracelet span with the same span id, and point events become span
 * events, so the run reaches the same processors, JSONL span files and OTLP exporter as the rest
 * of tracelet. Those spans carry `dra.run_id` (the analysis CLI uses it to avoid double counting).
 *
 * Every event's error text (its top-level `error` attribute: a failed run, agent run, model call
 * or tool call, or an observed error) is free text: it is masked with the policy's `redactText`
 * (JSON embedded in a message, `HTTP 401: {"api_key":…}`) before the rest of redaction, so the
 * event line, the console sink, `dra.error` and the span's status message are masked alike.
 *
 * Unlike DRA, a failing sink never reaches the caller (it is reported through diagnostics, also
 * when its `emit` returns a promise that rejects: once when it starts failing, then with the count
 * of the events it failed on when it delivers again or the run ends), and an event that arrives
 * after its session closed is counted and reported, not silently lost.
 *
 * Each top-level attribute is serialized on its own and the attributes of one event share a 1 MiB
 * budget of the written line: a large payload (a completion with logprobs, a step's 40,000-row
 * output) is cut inside itself, its largest parts first, and never pushes out the attributes
 * beside it (see `fitAttributes`).
 *
 * @module
 */
import { isoFromNs, nowNs } from "../clock.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { newSpanId } from "../ids.ts";
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import type { JsonObject } from "../serialize/types.ts";
import type { Span } from "../span.ts";
import type { Tracer } from "../tracer.ts";
import { ownFields, readOrCopy } from "../agents/_input.ts";
import { countAtLeastOne } from "../number_option.ts";
import { isPromiseLike } from "../promise_like.ts";
import { safeString } from "../safe_string.ts";
import { MAX_REDACTION_DEPTH } from "../redact/policy.ts";
import { DEFAULT_MAX_BYTES, MAX_OBJECT_DEPTH } from "../serialize/limits.ts";
import { asObject } from "./event.ts";
import { fitAttributes } from "./_fit_json.ts";
import { maskError, withMaskedError } from "./_mask_error.ts";
import { maskedException } from "./_masked_exception.ts";
import { serializeFields } from "./_serialize_fields.ts";
import { claimSpan, releaseSpan } from "./_span_owners.ts";
import { SinkFailures } from "./_sink_failures.ts";
import type { EventSink, EventType, TraceEvent } from "./event.ts";
import type { SpanShape, TraceSessionOptions } from "./session_options.ts";

/**
 * The bytes an event's attributes take at most in its written line (1 MiB, Python's ASCII-only
 * JSON text; only an event with more top-level keys than fit, each with a marker, leaves keys out).
 */
const EVENT_ATTRIBUTES_BYTES = DEFAULT_MAX_BYTES;

interface OpenSpan {
  readonly start: number;
  readonly parent: string | null;
  readonly span: Span | undefined;
}

/** A run-scoped session: events, open spans, sinks. Not shared between runs. */
export class TraceSession {
  /** The run id. */
  readonly runId: string;
  /** The root span id of the run. */
  readonly rootSpanId: string;
  readonly #sinks: readonly EventSink[];
  readonly #tracer: Tracer | undefined;
  readonly #policy: RedactionPolicy | undefined;
  readonly #maxOpen: number;
  readonly #open = new Map<string, OpenSpan>();
  #index = 0;
  #dropped = 0;
  #closed: Promise<void> | undefined;
  readonly #failures: SinkFailures;

  /**
   * Opens a session for one run and draws a fresh root span id.
   *
   * @param options Run id, sinks, tracer, redaction policy, open-span bound.
   */
  constructor(options: TraceSessionOptions) {
    this.runId = safeString(options.runId);
    this.rootSpanId = newSpanId();
    this.#sinks = options.sinks;
    this.#tracer = options.spanTracer;
    this.#policy = options.redaction;
    this.#maxOpen = countAtLeastOne(options.maxOpenSpans, 10_000);
    this.#failures = new SinkFailures(this.runId);
  }

  /** The number of events emitted so far. */
  get eventCount(): number {
    return this.#index;
  }
  /** True once closed. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }
  /** Events that arrived after the session closed, which were not written. */
  get droppedEvents(): number {
    return this.#dropped;
  }

  /**
   * The tracelet span of an open span id (undefined when spans are not recorded).
   *
   * @param spanId A span id of this session.
   * @returns The span.
   */
  spanOf(spanId: string | null | undefined): Span | undefined {
    return spanId === null || spanId === undefined ? undefined : this.#open.get(spanId)?.span;
  }

  /**
   * Redacts attributes with the session's policy (the `redaction` option, else the current
   * process-wide one). A top-level `error` string is error text, masked as free text first.
   * Strings are cut to the policy's length while they are serialized, so a huge one is charged
   * to the serializer's budget at its kept size (its sibling fields stay) and its marker states
   * its original length. Error text is masked before it is cut to the policy's length (only its
   * first 1 MiB at most, see `maskError`), so a secret at that cut is masked whole.
   *
   * Each top-level attribute is serialized on its own (see `serializeFields`), nested up to 63
   * levels inside it (the depth redaction walks; 512 with redaction off). The attributes then take
   * at most 1 MiB of the written line: when they are larger, every key stays and the largest
   * values are cut first, inside themselves (see `fitAttributes`).
   *
   * @param attributes Raw attributes.
   * @returns JSON-safe, redacted attributes.
   */
  redact(attributes: Readonly<Record<string, unknown>>): JsonObject {
    const policy = this.#policy ?? getRedactionPolicy();
    const limit = policy.enabled ? policy.maxStringLength : Infinity;
    const depth = policy.enabled ? MAX_REDACTION_DEPTH - 1 : MAX_OBJECT_DEPTH;
    const given = withMaskedError(attributes, policy);
    const json = serializeFields(given, depth, limit, EVENT_ATTRIBUTES_BYTES);
    // Error text not masked yet (an `error` that serialized to a string, unreadable attributes).
    const error = given === attributes && Object.hasOwn(json, "error") ? json.error : undefined;
    const masked = typeof error === "string" ? { ...json, error: maskError(error, policy) } : json;
    const redacted = asObject(policy.redactValue(masked));
    // Masking can lengthen a value (a short secret becomes the replacement): fitted again.
    return redacted === json ? json : fitAttributes(redacted, EVENT_ATTRIBUTES_BYTES);
  }

  #track(
    spanId: string,
    parent: string | null,
    shape: SpanShape | undefined,
    attrs: JsonObject,
    root: boolean,
  ): void {
    let span: Span | undefined;
    if (this.#tracer !== undefined) {
      const s = readOrCopy(shape, (s) => ({ name: s.name, kind: s.kind, extra: s.attributes }));
      const parentSpan = this.spanOf(parent);
      span = this.#tracer.startSpan(s.name ?? "span", {
        spanId,
        kind: s.kind,
        ...(root || parentSpan === undefined ? {} : { parent: parentSpan }),
        attributes: { "dra.run_id": this.runId, ...prefixed(attrs), ...ownFields(s.extra) },
      });
    }
    if (this.#open.size >= this.#maxOpen) {
      reportOnce(
        "events_open_full",
        "warn",
        "events_open_full",
        `Cannot track more than ${this.#maxOpen} open event spans`,
      );
      span?.end();
      return;
    }
    this.#open.set(spanId, { start: performance.now(), parent, span });
    claimSpan(spanId, this);
  }

  /**
   * Registers the run's root span (its start event is emitted separately with `emitEvent`).
   *
   * @param shape The tracelet span's name and attributes.
   * @param attributes Attributes copied onto the tracelet span.
   */
  openRoot(shape: SpanShape, attributes: JsonObject): void {
    this.#track(this.rootSpanId, null, shape, attributes, true);
  }

  /**
   * Opens a span and emits its start event.
   *
   * @param eventType The start event type.
   * @param parentSpanId The parent span id (null for none).
   * @param attributes Event attributes.
   * @param shape The tracelet span's name, kind and extra attributes.
   * @returns The new span id.
   */
  startSpan(
    eventType: EventType,
    parentSpanId: string | null,
    attributes: Readonly<Record<string, unknown>>,
    shape?: SpanShape,
  ): string {
    const spanId = newSpanId();
    const attrs = this.redact(attributes);
    this.#track(spanId, parentSpanId, shape, attrs, false);
    this.#emit(eventType, spanId, parentSpanId, attrs, null);
    return spanId;
  }

  /**
   * Closes a span and emits its finishing event with `duration_ms`. An unknown or already
   * finished id still emits the event, with no duration and no parent (as DRA does).
   *
   * @param eventType The finishing event type.
   * @param spanId The span id.
   * @param attributes Event attributes.
   * @param shape Extra tracelet attributes and the error, if any.
   */
  finishSpan(
    eventType: EventType,
    spanId: string,
    attributes: Readonly<Record<string, unknown>>,
    shape?: SpanShape,
  ): void {
    const open = this.#open.get(spanId);
    this.#open.delete(spanId);
    releaseSpan(spanId, this);
    const attrs = this.redact(attributes);
    const duration = open === undefined
      ? null
      : Math.max(0, Math.trunc(performance.now() - open.start));
    this.#emit(eventType, spanId, open?.parent ?? null, attrs, duration);
    const span = open?.span;
    if (span === undefined) return;
    const s = readOrCopy(shape, (s) => ({ attributes: s.attributes, error: s.error }));
    span.setAttributes(prefixed(attrs));
    if (s.attributes !== undefined) span.setAttributes(s.attributes);
    if (s.error) {
      span.setAttribute("error.type", "_OTHER");
      const policy = this.#policy ?? getRedactionPolicy();
      // As `error` is masked in the event and in `dra.error` when the policy finds it sensitive.
      const message = policy.enabled && policy.isSensitiveKey("error")
        ? policy.replacement
        : maskError(s.error, policy);
      span.setStatus({ code: "ERROR", message });
    }
    span.end();
  }

  /**
   * Records a thrown error on the tracelet span of an open span id (`exception` event, status
   * `ERROR`), its message and stack trace masked with the session's policy as the error text of
   * its events is (see `maskedException`): the exporters' redaction only knows the process-wide
   * policy. Does nothing when the span is not recorded (or no longer open).
   *
   * @param spanId The span id.
   * @param error The thrown value.
   */
  recordException(spanId: string, error: unknown): void {
    const span = this.spanOf(spanId);
    if (span === undefined) return;
    span.recordException(maskedException(error, this.#policy ?? getRedactionPolicy()));
  }

  /**
   * Emits a point event tied to a span (its parent is looked up from the open spans); when the
   * span is recorded in tracelet, the event is also added to it as a span event.
   *
   * @param eventType The event type.
   * @param spanId The span id.
   * @param attributes Event attributes.
   */
  emitSpanEvent(
    eventType: EventType,
    spanId: string,
    attributes: Readonly<Record<string, unknown>>,
  ): void {
    const open = this.#open.get(spanId);
    const attrs = this.redact(attributes);
    this.#emit(eventType, spanId, open?.parent ?? null, attrs, null);
    if (eventType !== "ModelCallToken") open?.span?.addEvent(eventType, attrs);
  }

  /**
   * Emits a standalone event (attributes are redacted first).
   *
   * @param eventType The event type.
   * @param spanId The span id.
   * @param parentSpanId The parent span id, or null.
   * @param attributes Event attributes.
   * @param durationMs Duration in ms, or null.
   */
  emitEvent(
    eventType: EventType,
    spanId: string,
    parentSpanId: string | null,
    attributes: Readonly<Record<string, unknown>>,
    durationMs: number | null = null,
  ): void {
    this.#emit(eventType, spanId, parentSpanId, this.redact(attributes), durationMs);
  }

  /**
   * Counts an event of this run that was emitted after the session closed (a timer the run
   * scheduled fired after it finished), without reading its attributes: `droppedEvents` grows and
   * `events_closed` is reported (once per process). Does nothing while the session is open.
   *
   * @param eventType The event type.
   * @internal
   */
  countLateEvent(eventType: EventType): void {
    if (this.#closed === undefined) return;
    this.#dropped++;
    reportOnce(
      "events_closed",
      "warn",
      "events_closed",
      `Cannot record a ${safeString(eventType)} event of run ${this.runId}: its trace session is ` +
        "closed (finish model calls, tool calls and nested runs before their run, and await " +
        "the callbacks that emit its events)",
    );
  }

  #emit(
    type: EventType,
    spanId: string,
    parent: string | null,
    attrs: JsonObject,
    duration: number | null,
  ): void {
    if (this.#closed !== undefined) return this.countLateEvent(type);
    const ns = nowNs();
    const event: TraceEvent = {
      event_type: typeof type === "string" ? type : safeString(type),
      run_id: this.runId,
      span_id: typeof spanId === "string" ? spanId : safeString(spanId),
      parent_span_id: parent === null || parent === undefined || typeof parent === "string"
        ? parent ?? null
        : safeString(parent),
      timestamp: isoFromNs(ns),
      timestamp_ms: Math.floor(ns / 1e6),
      duration_ms: duration,
      attributes: attrs,
      event_index: this.#index++,
    };
    const failures = this.#failures;
    for (let i = 0; i < this.#sinks.length; i++) {
      try {
        const pending: unknown = this.#sinks[i].emit(event);
        // An async emit is not awaited, but its rejection is reported, never left unhandled.
        if (isPromiseLike(pending)) {
          Promise.resolve(pending).then(
            () => failures.delivered(i),
            (error) => failures.failed(i, event.event_type, error),
          );
        } else failures.delivered(i);
      } catch (error) {
        failures.failed(i, event.event_type, error);
      }
    }
  }

  /**
   * Waits until every sink that can flush has written what it holds; the session stays open.
   *
   * @returns Resolves when the sinks are flushed; never rejects.
   */
  async flush(): Promise<void> {
    await Promise.all(this.#sinks.map(async (sink) => {
      try {
        if (typeof sink.flush === "function") await sink.flush();
      } catch (error) {
        report("error", "event_sink_failed", "Cannot flush an event sink", error);
      }
    }));
  }

  /**
   * Closes every sink (idempotent). Tracelet spans still open are ended.
   *
   * @returns Resolves when every sink has written what it holds; never rejects.
   */
  close(): Promise<void> {
    if (this.#closed !== undefined) return this.#closed;
    for (const open of this.#open.values()) open.span?.end();
    this.#open.clear();
    return this.#closed = Promise.all(this.#sinks.map(async (sink) => {
      try {
        await sink.close();
      } catch (error) {
        report("error", "event_sink_failed", "Cannot close an event sink", error);
      }
    })).then(() => this.#failures.close());
  }
}

/** Event attributes as tracelet span attributes: `dra.<key>`. */
function prefixed(attrs: JsonObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(attrs)) out[`dra.${key}`] = attrs[key];
  return out;
}
