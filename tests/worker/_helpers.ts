/**
 * Helpers for the Workers preset tests: typed instrument(), a recording execution context, a
 * recording timer-free pipeline, and isolation of the process-wide tracer, config, context
 * manager and diagnostics hook.
 *
 * @module
 */
import assert from "node:assert/strict";
import { BatchSpanProcessor } from "../../src/processor/batch.ts";
import type { SpanProcessor } from "../../src/processor/types.ts";
import type { SpanRecord } from "../../src/types.ts";
import { instrument } from "../../src/runtime/worker.ts";
import type {
  InstrumentOptions,
  MessageBatchLike,
  ScheduledControllerLike,
  WorkerConfigureOptions,
} from "../../src/runtime/worker.ts";
import { MemoryExporter } from "../_support/collect.ts";
export { isolated } from "../_support/global_state.ts";

/** The handler methods as workerd calls them. */
export interface Handlers {
  fetch(request: Request, env: unknown, ctx: RecordingContext): Response | Promise<Response>;
  scheduled(controller: ScheduledControllerLike, env: unknown, ctx: RecordingContext): unknown;
  queue(batch: MessageBatchLike, env: unknown, ctx: RecordingContext): unknown;
}

/** What instrument() returns: every handler answers with a promise. */
export interface Traced {
  fetch(request: Request, env: unknown, ctx: RecordingContext): Promise<Response>;
  scheduled(
    controller: ScheduledControllerLike,
    env: unknown,
    ctx: RecordingContext,
  ): Promise<unknown>;
  queue(batch: MessageBatchLike, env: unknown, ctx: RecordingContext): Promise<unknown>;
}

/** instrument() with the handler typed as workerd calls it. */
export function traced(handler: Partial<Handlers>, options: InstrumentOptions): Traced {
  return instrument(handler, options) as unknown as Traced;
}

/** An execution context that records what is passed to waitUntil. */
export class RecordingContext {
  readonly waits: Promise<unknown>[] = [];
  passedThrough = false;
  waitUntil(promise: Promise<unknown>): void {
    this.waits.push(promise);
  }
  passThroughOnException(): void {
    this.passedThrough = true;
  }
  /** Waits for everything passed to waitUntil so far (and added meanwhile). */
  async drain(): Promise<void> {
    for (let seen = 0; seen < this.waits.length;) {
      const batch = this.waits.slice(seen);
      seen = this.waits.length;
      await Promise.all(batch);
    }
  }
}

export interface Setup {
  readonly exporter: MemoryExporter;
  readonly ended: string[];
  readonly options: InstrumentOptions;
}

/** Instrument options with a recording, timer-free pipeline (no JSONL). */
export function setup(
  extra: WorkerConfigureOptions = {},
  invocation: InstrumentOptions = {},
): Setup {
  const exporter = new MemoryExporter();
  const ended: string[] = [];
  const watcher: SpanProcessor = { onSpanEnd: (span) => void ended.push(span.name) };
  const options: InstrumentOptions = {
    ...invocation,
    configure: {
      local: false,
      processors: [new BatchSpanProcessor(exporter, { timers: false }), watcher],
      ...extra,
    },
  };
  return { exporter, ended, options };
}

export const byName = (spans: readonly SpanRecord[], name: string): SpanRecord => {
  const span = spans.find((s) => s.name === name);
  assert.ok(span, `span ${name} was exported`);
  return span;
};
