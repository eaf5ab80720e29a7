/**
 * What a finished span is estimated to occupy in memory, cheaply: the measure of every byte bound
 * on queued spans (the batch and tail-sampling processors, the shutdown hand-over, the agents
 * layer's queue).
 *
 * @module
 */
import type { Attributes, SpanRecord } from "../types.ts";

/** Estimated bytes of an attribute map: keys and strings (in arrays too), 16 per value or item. */
function attributeBytes(attributes: Readonly<Attributes>): number {
  let bytes = 0;
  for (const key in attributes) {
    const value = attributes[key];
    bytes += key.length + 16;
    if (typeof value === "string") bytes += value.length;
    else if (Array.isArray(value)) {
      for (const item of value) bytes += typeof item === "string" ? item.length : 16;
    }
  }
  return bytes;
}

/**
 * Estimates the bytes a span occupies, cheaply: a fixed overhead per span, event and link, plus
 * its strings: the names of the span and its events, the status message, the `tracestate`s of
 * the span and its links, and the attributes of the span, its events and its links.
 *
 * @param span The span.
 * @returns Estimated bytes.
 */
export function estimateSpanBytes(span: SpanRecord): number {
  let bytes = 200 + span.name.length + (span.status.message?.length ?? 0) +
    (span.traceState?.length ?? 0) + attributeBytes(span.attributes);
  for (const event of span.events) {
    bytes += 120 + event.name.length + attributeBytes(event.attributes);
  }
  for (const link of span.links) {
    bytes += 60 + (link.traceState?.length ?? 0) + attributeBytes(link.attributes);
  }
  return bytes;
}
