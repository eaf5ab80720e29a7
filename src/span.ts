/**
 * The span: a timed, attributed operation. While it runs it accepts attributes, events, links,
 * status and exceptions; once ended it is an immutable {@linkcode SpanRecord} handed to every
 * processor. No span method ever throws.
 *
 * @module
 */
import {
  copyAttributes,
  copyDropped,
  forbiddenKey,
  mergeAttributes,
  toAttributeValue,
} from "./attributes.ts";
import { ATTR_LABEL, ATTR_TAGS, ATTR_TYPE } from "./attribute_keys.ts";
import { cleanStr, cleanTags } from "./clean.ts";
import { nowNs, toEpochNs } from "./clock.ts";
import type { TimeInput } from "./clock.ts";
import type { StartSpanOptions } from "./tracer.ts";
import type { LinkInput, SpanPipeline, SpanType } from "./span_types.ts";
import { reportOnce } from "./diagnostics.ts";
import type {
  Attributes,
  InstrumentationScope,
  Resource,
  SpanContext,
  SpanEvent,
  SpanKind,
  SpanLink,
  SpanRecord,
  SpanStatus,
  StatusCode,
} from "./types.ts";
import { setOwn } from "./own_property.ts";
import { safeString } from "./safe_string.ts";
import { isValidSpanId, isValidTraceId, newTraceId } from "./ids.ts";

const UNSET: SpanStatus = Object.freeze({ code: "UNSET" });
const OK: SpanStatus = Object.freeze({ code: "OK" });
/** The span kinds in OpenTelemetry's numeric order (`SpanKind.INTERNAL` = 0 … `CONSUMER` = 4). */
const KINDS: readonly unknown[] = ["INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];

/** The span's record fields as the span itself writes them. */
type Writable = { -readonly [K in keyof Span]: Span[K] };

/**
 * A span. Create one with `tracer.startSpan(…)` or `tracer.withSpan(…)`; end it with `end()`,
 * with `using`, or let the callback form end it.
 *
 * @example
 * ```ts
 * import { Tracer } from "@tracelet/tracelet";
 * const tracer = new Tracer();
 * {
 *   using span = tracer.startSpan("load", { attributes: { rows: 10 } });
 *   span.addEvent("cache-miss");
 * } // ended here
 * ```
 */
export class Span implements SpanRecord {
  /** 32 lower-case hex characters. */
  declare readonly traceId: string;
  /** 16 lower-case hex characters. */
  declare readonly spanId: string;
  /** The parent's span id, or undefined for a root span. */
  declare readonly parentSpanId: string | undefined;
  /** True when the parent span context came from another process. */
  declare readonly parentIsRemote: boolean;
  /** W3C trace flags. */
  declare readonly traceFlags: number;
  /** W3C `tracestate`. */
  declare readonly traceState: string | undefined;
  /** Span kind. */
  declare readonly kind: SpanKind;
  /** Start time, epoch nanoseconds. */
  declare readonly startTime: number;
  /** The resource. */
  declare readonly resource: Resource;
  /** The instrumentation scope. */
  declare readonly scope: InstrumentationScope;

  /** The span name. */
  declare readonly name: string;
  /** End time, epoch nanoseconds (0 while the span is running). */
  declare readonly endTime: number;
  /** The attributes (a live view while running; `readonly` by type, not frozen, once ended). */
  declare readonly attributes: Readonly<Attributes>;
  /** The events. */
  declare readonly events: readonly SpanEvent[];
  /** The links. */
  declare readonly links: readonly SpanLink[];
  /** The status. */
  declare readonly status: SpanStatus;
  /** Attributes dropped by the count limit. */
  declare readonly droppedAttributesCount: number;
  /** Events dropped by the count limit. */
  declare readonly droppedEventsCount: number;
  /** Links dropped by the count limit. */
  declare readonly droppedLinksCount: number;
  /** The span type (`span` unless given). */
  declare readonly type: SpanType;
  /** The cleaned label (empty when none was given). */
  declare readonly label: string;
  /** The cleaned, de-duplicated tags. */
  declare readonly tags: readonly string[];
  /**
   * The last exception recorded, as its `exception` event's attributes: `exception.type`,
   * `exception.message` and (when the thrown value had one) `exception.stacktrace`, cut to the
   * attribute value length limit as on the event; undefined when none was recorded. It is plain
   * data, never the thrown value: an ended span waits in export queues, where a live error (and
   * the request, response or buffers it references) would stay in memory uncounted. A task
   * (`TaskSpan`) keeps the thrown value itself for `exception` and `raiseIfFailed()`.
   */
  declare readonly exception: Readonly<Attributes> | undefined;

  #pipeline: SpanPipeline;
  #described: boolean;

  /**
   * Builds a span; use {@linkcode Tracer.startSpan} instead of calling this directly.
   *
   * @param pipeline The tracer that receives the span when it ends.
   * @param name The span name.
   * @param traceId The trace id (the parent's, or a given one for a root span); undefined makes a
   *   new random one, and the span's trace flags are then sampled and random (`03`).
   * @param spanId The span id.
   * @param parent The parent's context; undefined for a root span.
   * @param options Kind, start time, attributes, links, type, label and tags (the rest of
   *   {@linkcode StartSpanOptions} is the tracer's business).
   */
  constructor(
    pipeline: SpanPipeline,
    name: string,
    traceId: string | undefined,
    spanId: string,
    parent: SpanContext | undefined,
    options: StartSpanOptions,
  ) {
    const { type, label, attributes, links, tags: given } = options;
    const tags = given === undefined ? [] : cleanTags(given);
    const limits = pipeline.limits;
    const described = type !== undefined || label !== undefined || tags.length > 0;
    // A described span's map starts with its type and label (merged into below).
    const attrs: Attributes = described ? {} : copyAttributes(
      attributes,
      limits.attributeCountLimit,
      limits.attributeValueLengthLimit,
    );
    const dropped = copyDropped; // Read now: a user's getter below may copy attributes again.
    this.#pipeline = pipeline;
    this.#described = described;
    this.name = name;
    this.endTime = 0;
    this.traceId = traceId ?? newTraceId();
    this.spanId = spanId;
    this.parentSpanId = parent?.spanId;
    this.parentIsRemote = !!parent?.isRemote;
    // Sampled and random (W3C Level 2) are the defined bits; the others must be sent as zero. A
    // trace id made here is random (all of it), so the span says so; a given one may not be.
    this.traceFlags = traceId ? (parent?.traceFlags ?? 1) & 3 : 3;
    this.traceState = typeof parent?.traceState === "string" ? parent.traceState : undefined;
    // A kind by name, or by OpenTelemetry's number (`SpanKind.CLIENT` is 2); else INTERNAL.
    const asked: unknown = options.kind;
    const kind = typeof asked == "number" ? KINDS[asked] : asked;
    this.kind = KINDS.includes(kind) ? kind as SpanKind : "INTERNAL";
    if (asked != null && kind !== this.kind) {
      reportOnce("span_kind", "warn", "invalid_span_options", "Span option kind ignored", asked);
    }
    this.startTime = toEpochNs(options.startTime);
    this.resource = pipeline.resource;
    this.scope = pipeline.scope;
    this.attributes = attrs;
    this.events = [];
    this.links = [];
    this.status = UNSET;
    this.droppedEventsCount = 0;
    this.droppedLinksCount = 0;
    this.type = typeof type === "string" ? type : "span";
    this.label = label === undefined ? "" : cleanStr(label);
    this.tags = tags;
    this.exception = undefined;
    if (described) {
      // Counted against the attribute limit with the caller's (tags too: set again at the end).
      attrs[ATTR_TYPE] = this.type;
      attrs[ATTR_LABEL] = this.label;
      attrs[ATTR_TAGS] = tags;
    }
    this.droppedAttributesCount = described
      ? mergeAttributes(
        attrs,
        attributes,
        limits.attributeCountLimit,
        limits.attributeValueLengthLimit,
      )
      : dropped;
    try {
      // Read up to a bound (an invalid link costs a caught error, and a list can be endless);
      // the rest of an array counts as dropped.
      let read = 0;
      if (links !== undefined) {
        for (const link of links) {
          if (++read > 4 * limits.linkCountLimit + 16) {
            (this as Writable).droppedLinksCount += Array.isArray(links)
              ? links.length - read + 1
              : 0;
            break;
          }
          this.addLink(link);
        }
      }
    } catch {
      // Not iterable (one link instead of an array): only the links are lost, not the span's
      // parent, kind, attributes and start time.
      reportOnce("span_link", "warn", "invalid_link", "Link ignored: no valid span context");
    }
  }

  /** True while the span has started and not ended. */
  get active(): boolean {
    return this.endTime === 0;
  }
  /**
   * True while the span runs and is sampled (OpenTelemetry's meaning): the data of an unsampled
   * span is kept on the span but reaches no processor, so costly attributes can be skipped.
   */
  get isRecording(): boolean {
    return this.endTime === 0 && (this.traceFlags & 1) === 1;
  }
  /** True when an exception was recorded or the status is `ERROR`. */
  get failed(): boolean {
    return this.exception !== undefined || this.status.code === "ERROR";
  }
  /** Duration in seconds; measured up to now while the span is still running. */
  get duration(): number {
    const end = this.endTime === 0 ? nowNs() : this.endTime;
    return Math.max(0, end - this.startTime) / 1e9;
  }

  /**
   * The span's W3C identity, for propagation.
   * @returns Trace id, span id and trace flags.
   */
  spanContext(): SpanContext {
    return {
      traceId: this.traceId,
      spanId: this.spanId,
      traceFlags: this.traceFlags,
      traceState: this.traceState,
    };
  }

  /** Reports (once per method) a call on an ended span, which is ignored. */
  #ended(method: string): boolean {
    if (this.endTime === 0) return false;
    reportOnce(`span_ended:${method}`, "debug", "span_ended", `${method}() on an ended span`);
    return true;
  }

  /**
   * Sets one attribute (coerced to an OpenTelemetry type; `undefined`/`null` values and an empty
   * key are ignored).
   *
   * @param key The attribute key.
   * @param value The value.
   * @returns This span.
   */
  setAttribute(key: string, value: unknown): this {
    if (this.#ended("setAttribute")) return this;
    key = safeString(key);
    const limits = this.#pipeline.limits;
    const v = toAttributeValue(value, limits.attributeValueLengthLimit);
    if (v === undefined || forbiddenKey(key)) return this;
    const attrs = this.attributes as Attributes;
    if (!Object.hasOwn(attrs, key) && Object.keys(attrs).length >= limits.attributeCountLimit) {
      (this as Writable).droppedAttributesCount++;
      return this;
    }
    setOwn(attrs, key, v);
    return this;
  }

  /**
   * Sets several attributes.
   *
   * @param attributes Key/value pairs.
   * @returns This span.
   */
  setAttributes(attributes: Readonly<Record<string, unknown>>): this {
    if (this.#ended("setAttributes")) return this;
    const limits = this.#pipeline.limits;
    (this as Writable).droppedAttributesCount += mergeAttributes(
      this.attributes as Attributes,
      attributes,
      limits.attributeCountLimit,
      limits.attributeValueLengthLimit,
    );
    return this;
  }

  /**
   * Adds an event.
   *
   * @param name The event name.
   * @param attributes Event attributes.
   * @param time When it happened (a `Date` or epoch ms); now by default.
   * @returns This span.
   */
  addEvent(name: string, attributes?: Readonly<Record<string, unknown>>, time?: TimeInput): this {
    if (this.#ended("addEvent")) return this;
    const limits = this.#pipeline.limits;
    if (this.events.length >= limits.eventCountLimit) {
      (this as Writable).droppedEventsCount++;
      return this;
    }
    const attrs = copyAttributes(
      attributes,
      limits.attributePerEventCountLimit,
      limits.attributeValueLengthLimit,
    );
    const dropped = copyDropped;
    (this.events as SpanEvent[]).push({
      name: safeString(name),
      time: toEpochNs(time),
      attributes: attrs,
      droppedAttributesCount: dropped,
    });
    return this;
  }

  /**
   * Adds a link to another span.
   *
   * @param link The linked span context and optional attributes.
   * @returns This span.
   */
  addLink(link: LinkInput): this {
    if (this.#ended("addLink")) return this;
    const limits = this.#pipeline.limits;
    if (this.links.length >= limits.linkCountLimit) {
      (this as Writable).droppedLinksCount++;
      return this;
    }
    try {
      const { traceId, spanId, traceState, traceFlags, isRemote } = link.context;
      if (isValidTraceId(traceId) && isValidSpanId(spanId)) {
        const attrs: Attributes = {};
        const dropped = mergeAttributes(
          attrs,
          link.attributes,
          limits.attributePerEventCountLimit,
          limits.attributeValueLengthLimit,
        );
        (this.links as SpanLink[]).push({
          traceId,
          spanId,
          traceState: typeof traceState === "string" ? traceState : undefined,
          traceFlags: typeof traceFlags === "number" ? traceFlags & 0xff : 0,
          isRemote: !!isRemote,
          attributes: attrs,
          droppedAttributesCount: dropped,
        });
        return this;
      }
    } catch {
      // Unreadable link: reported below.
    }
    reportOnce("span_link", "warn", "invalid_link", "Link ignored: no valid span context");
    return this;
  }

  /**
   * Sets the status. `OK` is final; `UNSET` is ignored. The code is a name or OpenTelemetry's
   * number (`SpanStatusCode`: 0 UNSET, 1 OK, 2 ERROR); the recorded {@linkcode Span.status} always
   * has the name. Unknown codes are ignored. The message is kept with `ERROR` only.
   *
   * @param status The new status: `{ code, message? }`.
   * @returns This span.
   */
  setStatus(status: {
    readonly code: StatusCode | 0 | 1 | 2;
    readonly message?: string | undefined;
  }): this {
    if (this.#ended("setStatus")) return this;
    let code: unknown;
    let message: unknown;
    try {
      ({ code, message } = status);
    } catch {
      // Unreadable: ignored.
    }
    // OpenTelemetry's numeric codes (1 OK, 2 ERROR) are understood; UNSET and unknown codes are
    // ignored rather than taken as an error.
    if (this.status.code === "OK") return this;
    if (code === "OK" || code === 1) (this as Writable).status = OK;
    else if (code === "ERROR" || code === 2) {
      (this as Writable).status = {
        code: "ERROR",
        message: message === undefined ? undefined : safeString(message),
      };
    }
    return this;
  }

  /**
   * Records an exception: status `ERROR` with the message, and an `exception` event with
   * `exception.type`, `exception.message` and `exception.stacktrace` (also kept as
   * {@linkcode Span.exception}; the thrown value itself is not kept).
   *
   * @param error The thrown value.
   * @param time When it happened; now by default.
   * @returns This span.
   */
  recordException(error: unknown, time?: TimeInput): this {
    if (this.#ended("recordException")) return this;
    let type: unknown = typeof error;
    let message: unknown = error;
    let stack: unknown;
    try {
      // An Error of any realm (a vm context, a worker), or an error-like object: a string
      // `message` is what makes one.
      const e = error as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
      if (typeof e?.message === "string") ({ name: type = type, message, stack } = e);
      else if (e && type == "object") {
        // Thrown data (`throw { code: 42 }`): its class and JSON, not `[object Object]`.
        type = (e as object).constructor?.name ?? "Object";
        message = JSON.stringify(e);
      }
    } catch {
      // A hostile error object (throwing getters, a revoked proxy): record what was read.
    }
    const text = safeString(message);
    // Plain data only: the span keeps no reference to the thrown value.
    this.addEvent(
      "exception",
      (this as Writable).exception = copyAttributes(
        {
          "exception.type": type,
          "exception.message": text,
          "exception.stacktrace": stack,
        },
        3,
        this.#pipeline.limits.attributeValueLengthLimit,
      ),
      time,
    );
    if (this.status.code !== "OK") (this as Writable).status = { code: "ERROR", message: text };
    return this;
  }

  /**
   * Renames the span.
   *
   * @param name The new name.
   * @returns This span.
   */
  updateName(name: string): this {
    if (!this.#ended("updateName")) (this as Writable).name = safeString(name);
    return this;
  }

  /**
   * Replaces the tags (cleaned and de-duplicated).
   *
   * @param tags The new tags.
   * @returns This span.
   */
  setTags(tags: string | readonly string[]): this {
    if (this.#ended("setTags")) return this;
    (this as Writable).tags = cleanTags(tags);
    this.#described = true;
    return this;
  }

  /**
   * Adds tags (cleaned and de-duplicated against the existing ones).
   *
   * @param tags The tags to add.
   * @returns This span.
   */
  addTags(tags: string | readonly string[]): this {
    if (this.#ended("addTags")) return this;
    (this as Writable).tags = cleanTags(tags, this.tags);
    this.#described = true;
    return this;
  }

  /**
   * Ends the span (once; later calls are ignored) and hands its record to the processors.
   *
   * @param endTime When it ended; now by default. Never before the start.
   */
  end(endTime?: TimeInput): void {
    if (this.#ended("end")) return;
    const attrs = this.attributes as Attributes;
    if (this.#described) {
      // A caller's own type and label (given at start or set later) win, as in dreadnode.
      attrs[ATTR_TYPE] ??= this.type;
      attrs[ATTR_LABEL] ??= this.label;
      attrs[ATTR_TAGS] = this.tags;
    }
    const end = toEpochNs(endTime);
    // Never before the start; never 0, which marks a running span.
    (this as Writable).endTime = Math.max(end, this.startTime, 1);
    try {
      this.#pipeline.spanEnded(this);
    } catch (error) {
      reportOnce("span_pipeline", "error", "processor_failed", "A processor threw", error);
    }
  }

  /** Ends the span when a `using` block exits. */
  [Symbol.dispose](): void {
    if (this.endTime === 0) this.end();
  }
}
