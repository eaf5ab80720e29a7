/** Test helpers: a processor that records what it is given, and a capturing diagnostics hook. */
import type {
  Diagnostic,
  FlushReport,
  SpanExporter,
  SpanProcessor,
  SpanRecord,
  TraceInfo,
} from "../../mod.ts";
import { setDiagnosticsHook } from "../../mod.ts";

/** A processor that records every notification. */
export class CollectingProcessor implements SpanProcessor {
  readonly started: string[] = [];
  readonly ended: SpanRecord[] = [];
  readonly traces: { event: "start" | "end"; trace: TraceInfo }[] = [];
  onTraceStart(trace: TraceInfo): void {
    this.traces.push({ event: "start", trace });
  }
  onTraceEnd(trace: TraceInfo): void {
    this.traces.push({ event: "end", trace });
  }
  onSpanStart(span: { name: string }): void {
    this.started.push(span.name);
  }
  onSpanEnd(span: SpanRecord): void {
    this.ended.push(span);
  }
  byName(name: string): SpanRecord {
    const span = this.ended.find((s) => s.name === name);
    if (!span) throw new Error(`no span named ${name}`);
    return span;
  }
}

/** An exporter that keeps every batch and can be told to fail. */
export class MemoryExporter implements SpanExporter {
  readonly batches: SpanRecord[][] = [];
  failWith: Error | undefined;
  delayMs = 0;
  async export(spans: readonly SpanRecord[]): Promise<FlushReport> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failWith) throw this.failWith;
    this.batches.push([...spans]);
    return { exported: spans.length, retried: 0, persisted: 0, dropped: {}, failed: 0 };
  }
  get spans(): SpanRecord[] {
    return this.batches.flat();
  }
}

/** Captures diagnostics while `fn` runs. */
export async function captureDiagnostics<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const previous = setDiagnosticsHook((d) => void diagnostics.push(d));
  try {
    const result = await fn();
    return { result, diagnostics };
  } finally {
    setDiagnosticsHook(previous);
  }
}
