/**
 * What `TraceletAgentsProcessor` remembers of an ended span for a child that starts after it
 * ended: a stand-in parent with the span's ids, trace and tracelet span, and none of its span
 * data (with large model inputs, the last 1024 ended spans' data held tens of MB).
 *
 * @module
 */
import type { Span } from "../span.ts";
import { AgentSpan } from "./agent_span.ts";
import type { CustomSpanData } from "./span_data.ts";

/** The data of every stand-in: one shared, empty, frozen object. */
const NO_DATA: CustomSpanData = Object.freeze({
  type: "custom",
  name: "",
  data: Object.freeze({}),
}) as CustomSpanData;

/**
 * A parent for late children in place of an ended span: the same `spanId` and `traceId` (so a
 * child's `parentId` is the span's id) and the same tracelet span (so the child's tracelet span is
 * its child, in the same local trace, exactly as under the span itself). It is never started and
 * never handed to a processor; it keeps no span data, error or times of the span.
 *
 * @internal
 */
export class EndedSpan extends AgentSpan<CustomSpanData> {
  readonly #span: Span | undefined;

  /**
   * Keeps what a late child needs of a span.
   *
   * @param span The span that ended.
   */
  constructor(span: AgentSpan) {
    super({
      data: NO_DATA,
      trace: span.trace,
      parent: undefined,
      spanId: span.spanId,
      explicitParent: true,
      tracer: span.isNoOp ? undefined : span.trace?.tracer,
    });
    this.#span = span.span;
  }

  /** The tracelet span of the span that ended (a late child's tracelet parent). */
  override get span(): Span | undefined {
    return this.#span;
  }
}
