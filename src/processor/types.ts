/**
 * The one processor interface of tracelet, shaped like the OpenAI Agents / CAI
 * `TracingProcessor`, and the exporter interface that processors hand finished spans to.
 *
 * @module
 */
import type { FlushReport, SpanRecord, TraceInfo } from "../types.ts";
import type { Span } from "../span.ts";

/**
 * Receives span and trace lifecycle notifications. Every method is optional and may return a
 * promise; a throwing or rejecting processor never affects the host program or other processors.
 * An exporter is not a processor: put it inside one (`new BatchSpanProcessor(exporter)`), which
 * the types enforce (a processor has no `export`).
 *
 * @example
 * ```ts
 * import type { SpanProcessor } from "@tracelet/tracelet";
 * const names: string[] = [];
 * const collect: SpanProcessor = { onSpanEnd: (span) => void names.push(span.name) };
 * ```
 */
export interface SpanProcessor {
  /** Called when a root span (a span with no local parent) starts. */
  onTraceStart?(trace: TraceInfo): void | Promise<void>;
  /** Called when that root span ends. */
  onTraceEnd?(trace: TraceInfo): void | Promise<void>;
  /** Called synchronously when a span starts; the span is still mutable. */
  onSpanStart?(span: Span): void | Promise<void>;
  /** Called synchronously when a span ends, with its immutable record. */
  onSpanEnd?(span: SpanRecord): void | Promise<void>;
  /**
   * Exports everything buffered; resolves with what happened (never rejects when called via
   * tracelet). `deadline` is an epoch-ms time limit (the tracer passes its caller's, a timeout
   * below 10^12 already turned into one).
   */
  forceFlush?(deadline?: number): Promise<FlushReport | void> | FlushReport | void;
  /** Flushes and releases resources; idempotent. `deadline` as for `forceFlush`. */
  shutdown?(deadline?: number): Promise<FlushReport | void> | FlushReport | void;
  /**
   * Never present. Processors have no `export()`: an exporter given where a processor goes
   * (`new Tracer({ processors: [exporter] })`) would receive no span, so it does not compile. Put
   * the exporter inside a processor: `new BatchSpanProcessor(exporter)`. (A class that is both a
   * processor and an exporter is passed as a processor with a cast; at run time any hook makes an
   * object a processor.)
   */
  readonly export?: never;
}

/** Options passed to {@linkcode SpanExporter.export}. */
export interface ExportOptions {
  /**
   * Aborts the export (and any retry back-off) when signalled. The processors abort with the
   * reason `"deadline"` when a shutdown deadline passes; the OTLP exporter then counts the spans
   * as dropped `deadline` (or parks them in its outbox).
   */
  signal?: AbortSignal | undefined;
  /**
   * Epoch-ms time by which the export must settle; tracelet's processors always pass one in
   * epoch ms. The exporters' own `forceFlush` and `shutdown` also read a number below 10^12 as
   * a timeout in ms from now, as they do a bare number (`exporter.shutdown(5000)`).
   */
  deadline?: number | undefined;
  /**
   * Set on the exporter's `forceFlush` by a processor's shutdown: no flush follows it. The OTLP
   * exporter then drains an in-memory outbox of every batch, due or not (they would be lost).
   */
  closing?: boolean | undefined;
}

/**
 * Delivers batches of finished spans somewhere (OTLP/HTTP, JSONL storage, the console, …).
 * `export` must never reject: every outcome is reported in the returned {@linkcode FlushReport}.
 */
export interface SpanExporter {
  /** Exports one batch and reports what happened to every span in it. */
  export(spans: readonly SpanRecord[], options?: ExportOptions): Promise<FlushReport>;
  /**
   * Optional: writes a batch at once, synchronously, and reports what happened to every span
   * (never throws). An exporter to local files has it: a `BatchSpanProcessor` whose
   * queue is full hands it the queue instead of dropping spans, since a program that only awaits
   * (a loop of tasks that never waits on I/O) gives no asynchronous write a chance to finish.
   */
  exportSync?(spans: readonly SpanRecord[]): FlushReport;
  /** Delivers anything the exporter itself still holds (for example its durable outbox). */
  forceFlush?(options?: ExportOptions): Promise<FlushReport>;
  /** Releases resources; idempotent. */
  shutdown?(options?: ExportOptions): Promise<void>;
}
