/**
 * An exporter wrapper that redacts every span before the wrapped exporter sees it. This is how
 * tracelet applies "redaction before any exporter": tracer setups wrap each exporter in it.
 *
 * @module
 */
import type { ExportOptions, SpanExporter } from "../processor/types.ts";
import type { FlushReport, SpanEvent, SpanLink, SpanRecord } from "../types.ts";
import { report } from "../diagnostics.ts";
import { emptyReport } from "../processor/report.ts";
import { getRedactionPolicy } from "./global.ts";
import type { RedactionPolicy } from "./policy.ts";

/**
 * Returns a span record with redacted attributes, event attributes and link attributes. When
 * nothing needs redacting the same record is returned; otherwise a new plain object.
 *
 * @param span A finished span.
 * @param policy The policy to apply.
 * @returns The redacted record.
 */
export function redactSpan(span: SpanRecord, policy: RedactionPolicy): SpanRecord {
  if (!policy.enabled) return span;
  const attributes = policy.redactAttributes(span.attributes);
  let events: SpanEvent[] | undefined;
  for (let i = 0; i < span.events.length; i++) {
    const event = span.events[i];
    const redacted = policy.redactAttributes(event.attributes);
    if (redacted !== event.attributes) {
      (events ??= span.events.slice())[i] = { ...event, attributes: redacted };
    }
  }
  let links: SpanLink[] | undefined;
  for (let i = 0; i < span.links.length; i++) {
    const link = span.links[i];
    const redacted = policy.redactAttributes(link.attributes);
    if (redacted !== link.attributes) {
      (links ??= span.links.slice())[i] = { ...link, attributes: redacted };
    }
  }
  if (attributes === span.attributes && events === undefined && links === undefined) return span;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    traceFlags: span.traceFlags,
    traceState: span.traceState,
    name: span.name,
    kind: span.kind,
    startTime: span.startTime,
    endTime: span.endTime,
    attributes,
    events: events ?? span.events,
    links: links ?? span.links,
    status: span.status,
    resource: span.resource,
    scope: span.scope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * Wraps an exporter so that it only ever receives redacted spans.
 *
 * @example
 * ```ts
 * import { ConsoleSpanExporter, RedactingExporter, SimpleSpanProcessor, Tracer } from "@tracelet/tracelet";
 * const tracer = new Tracer({
 *   processors: [new SimpleSpanProcessor(new RedactingExporter(new ConsoleSpanExporter()))],
 * });
 * tracer.withSpan("call", (span) => span.setAttribute("api_key", "sk-123")); // printed as ***REDACTED***
 * ```
 */
export class RedactingExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #policy: RedactionPolicy | undefined;

  /**
   * Creates the wrapper.
   *
   * @param inner The exporter that receives redacted spans.
   * @param policy The policy; by default the process-wide one ({@linkcode getRedactionPolicy}),
   *   read at every export so later `setRedactionPolicy` calls apply.
   */
  constructor(inner: SpanExporter, policy?: RedactionPolicy) {
    this.#inner = inner;
    this.#policy = policy;
  }

  /** The wrapped exporter. */
  get inner(): SpanExporter {
    return this.#inner;
  }

  /**
   * Redacts the batch and hands it to the wrapped exporter.
   *
   * @param spans Finished spans.
   * @param options Abort signal and deadline, passed through.
   * @returns The wrapped exporter's report. If redaction itself fails, the batch is not exported
   *   (never exported unredacted) and counted as dropped with reason `redaction_failed`.
   */
  export(spans: readonly SpanRecord[], options?: ExportOptions): Promise<FlushReport> {
    let batch: SpanRecord[] | undefined;
    try {
      const policy = this.#policy ?? getRedactionPolicy();
      for (let i = 0; i < spans.length; i++) {
        const redacted = redactSpan(spans[i], policy);
        if (redacted !== spans[i]) (batch ??= spans.slice())[i] = redacted;
      }
    } catch (error) {
      report("error", "redaction_failed", "Cannot redact spans: the batch was not exported", error);
      const result = emptyReport();
      if (spans.length > 0) result.dropped.redaction_failed = spans.length;
      return Promise.resolve(result);
    }
    return this.#inner.export(batch ?? spans, options);
  }

  /**
   * Forwards to the wrapped exporter's `forceFlush`, if it has one.
   *
   * @param options Abort signal and deadline.
   * @returns The wrapped exporter's report, or an empty one.
   */
  forceFlush(options?: ExportOptions): Promise<FlushReport> {
    return this.#inner.forceFlush?.(options) ?? Promise.resolve(emptyReport());
  }

  /**
   * Forwards to the wrapped exporter's `shutdown`, if it has one.
   *
   * @param options Abort signal and deadline.
   * @returns When the wrapped exporter has shut down.
   */
  shutdown(options?: ExportOptions): Promise<void> {
    return this.#inner.shutdown?.(options) ?? Promise.resolve();
  }
}
