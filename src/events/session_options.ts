/**
 * The options of a `TraceSession` and the shape of the tracelet span it records for an event span.
 *
 * @module
 */
import type { RedactionPolicy } from "../redact/policy.ts";
import type { Tracer } from "../tracer.ts";
import type { SpanKind } from "../types.ts";
import type { EventSink } from "./event.ts";

/** Options of a `TraceSession`. */
export interface TraceSessionOptions {
  /** The run id (DRA uses the request id). */
  runId: string;
  /** Where events go. */
  sinks: readonly EventSink[];
  /** Also record the session's spans as tracelet spans in this tracer. */
  spanTracer?: Tracer | undefined;
  /**
   * The redaction policy applied to every event (default: the process-wide policy as it is when
   * each event is redacted, so a later `configure({ redaction })` applies).
   */
  redaction?: RedactionPolicy | undefined;
  /**
   * Maximum spans open at once; beyond it spans are not tracked (no duration). Default 10000;
   * anything but a finite number of at least 1 means the default.
   */
  maxOpenSpans?: number | undefined;
}

/** How the tracelet span of an event span looks. */
export interface SpanShape {
  /** The span name (default: the event type). */
  name?: string | undefined;
  /** The span kind. */
  kind?: SpanKind | undefined;
  /** Extra attributes (e.g. `gen_ai.*`). */
  attributes?: Readonly<Record<string, unknown>> | undefined;
  /** An error message: the span gets status `ERROR`. */
  error?: string | null | undefined;
}
