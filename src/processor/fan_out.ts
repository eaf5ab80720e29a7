/**
 * Fan-out of lifecycle notifications to many processors, with per-processor error isolation: a
 * processor that throws or rejects is reported through diagnostics and never affects the others
 * or the host program.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { Span } from "../span.ts";
import type { FlushReport, SpanRecord, TraceInfo } from "../types.ts";
import { emptyReport, mergeReport } from "./report.ts";
import type { SpanProcessor } from "./types.ts";

function failed(method: string, error: unknown): void {
  report("error", "processor_failed", `A span processor failed in ${method}`, error);
}

function settle(method: string, result: unknown): void {
  if (result !== undefined && typeof (result as Promise<unknown>)?.then === "function") {
    (result as Promise<unknown>).then(undefined, (error) => failed(method, error));
  }
}

/** Calls every processor in registration order, isolating failures. */
export class ProcessorFanOut {
  #all: SpanProcessor[] = [];
  #start: SpanProcessor[] = [];
  #end: SpanProcessor[] = [];
  #traceStart: SpanProcessor[] = [];
  #traceEnd: SpanProcessor[] = [];

  /** @param processors The initial processors. */
  constructor(processors: readonly SpanProcessor[] = []) {
    this.set(processors);
  }

  /** The registered processors, in order. */
  get processors(): readonly SpanProcessor[] {
    return this.#all;
  }

  /** True when any processor wants trace start/end notifications. */
  get wantsTraces(): boolean {
    return this.#traceStart.length > 0 || this.#traceEnd.length > 0;
  }

  /**
   * Replaces the processors.
   *
   * @param processors The new list.
   */
  set(processors: readonly SpanProcessor[]): void {
    this.#all = [...processors];
    this.#start = this.#all.filter((p) => typeof p.onSpanStart === "function");
    this.#end = this.#all.filter((p) => typeof p.onSpanEnd === "function");
    this.#traceStart = this.#all.filter((p) => typeof p.onTraceStart === "function");
    this.#traceEnd = this.#all.filter((p) => typeof p.onTraceEnd === "function");
  }

  /**
   * Appends a processor.
   *
   * @param processor The processor.
   */
  add(processor: SpanProcessor): void {
    this.set([...this.#all, processor]);
  }

  /** @param span The span that started. */
  spanStarted(span: Span): void {
    const list = this.#start;
    for (let i = 0; i < list.length; i++) {
      try {
        settle("onSpanStart", list[i].onSpanStart!(span));
      } catch (error) {
        failed("onSpanStart", error);
      }
    }
  }

  /** @param span The record of the span that ended. */
  spanEnded(span: SpanRecord): void {
    const list = this.#end;
    for (let i = 0; i < list.length; i++) {
      try {
        settle("onSpanEnd", list[i].onSpanEnd!(span));
      } catch (error) {
        failed("onSpanEnd", error);
      }
    }
  }

  /** @param trace The trace that started. */
  traceStarted(trace: TraceInfo): void {
    for (const p of this.#traceStart) {
      try {
        settle("onTraceStart", p.onTraceStart!(trace));
      } catch (error) {
        failed("onTraceStart", error);
      }
    }
  }

  /** @param trace The trace that ended. */
  traceEnded(trace: TraceInfo): void {
    for (const p of this.#traceEnd) {
      try {
        settle("onTraceEnd", p.onTraceEnd!(trace));
      } catch (error) {
        failed("onTraceEnd", error);
      }
    }
  }

  /**
   * Flushes (or shuts down) every processor concurrently.
   *
   * @param method `forceFlush` or `shutdown`.
   * @param deadline Epoch-ms deadline passed to `shutdown`.
   * @returns The merged report; never rejects.
   */
  async settleAll(method: "forceFlush" | "shutdown", deadline?: number): Promise<FlushReport> {
    const results = await Promise.all(this.#all.map(async (p) => {
      try {
        const fn = p[method];
        return typeof fn === "function" ? await fn.call(p, deadline) : undefined;
      } catch (error) {
        failed(method, error);
        return undefined;
      }
    }));
    const total = emptyReport();
    for (const r of results) mergeReport(total, r ?? undefined);
    return total;
  }
}
