/** Shared setup for the agent-layer tests: a tracer with a collecting processor, installed as the agent layer's tracer. */
import { AsyncLocalStorage } from "node:async_hooks";
import { AsyncLocalStorageContextManager, setContextManager, Tracer } from "../../mod.ts";
import type { ContextManager, SpanRecord } from "../../mod.ts";
import assert from "node:assert/strict";
import {
  BackendSpanExporter,
  functionSpan,
  genSpanId,
  setAgentTracer,
  setTraceProcessors,
  setTracingDisabled,
  trace,
} from "../../src/agents/mod.ts";
import type {
  AgentsCoreSpanLike,
  AgentSpan,
  FunctionSpanData,
  SpanView,
} from "../../src/agents/mod.ts";
import { CollectingProcessor } from "../_support/collect.ts";

/** A fresh tracer + collector installed for the agent layer; call `done()` at the end. */
export function agentSetup(): {
  tracer: Tracer;
  collector: CollectingProcessor;
  done: () => Promise<void>;
} {
  const collector = new CollectingProcessor();
  const tracer = new Tracer({ processors: [collector] });
  const previousTracer = setAgentTracer(tracer);
  const previousManager: ContextManager = setContextManager(
    new AsyncLocalStorageContextManager(AsyncLocalStorage),
  );
  setTraceProcessors([]);
  setTracingDisabled(false);
  return {
    tracer,
    collector,
    done: async () => {
      setTraceProcessors([]);
      setTracingDisabled(false);
      setAgentTracer(previousTracer);
      setContextManager(previousManager);
      await tracer.shutdown();
    },
  };
}

/** The finished span whose `openai.span.type` is `type` (the first one). */
export function byType(spans: readonly SpanRecord[], type: string): SpanRecord {
  const span = spans.find((s) => s.attributes["openai.span.type"] === type);
  if (span === undefined) throw new Error(`no span of type ${type}`);
  return span;
}

/**
 * Runs a trace `wf` whose function span `tool` throws `error` (which `run()` rethrows).
 *
 * @param error What the tool throws.
 * @returns The finished function span.
 */
export async function failedToolSpan(error: unknown): Promise<AgentSpan<FunctionSpanData>> {
  let span: AgentSpan<FunctionSpanData> | undefined;
  await trace("wf").run(() => {
    span = functionSpan("tool");
    assert.throws(() =>
      span!.run(() => {
        throw error;
      })
    );
  });
  return span!;
}

/**
 * An OpenAI backend exporter (sanitized, as the hosted endpoint wants) whose fetch answers 200 and
 * keeps every request body it was given.
 */
export function capturingBackend(): { exporter: BackendSpanExporter; bodies: string[] } {
  const bodies: string[] = [];
  const exporter = new BackendSpanExporter({
    apiKey: "sk-test-key-123456",
    env: () => undefined,
    sanitize: true,
    fetch: (_url, init) => {
      bodies.push(String(init.body));
      return Promise.resolve(new Response("{}", { status: 200 }));
    },
  });
  return { exporter, bodies };
}

/** A fake span-like item for a BatchTraceProcessor's queue; its JSON is `{ id }`. */
export function spanItem(id: string): SpanView {
  return { toJSON: () => ({ id }) } as unknown as SpanView;
}

/**
 * An @openai/agents-core span of trace `traceId` as the SDK hands it over on start: a new span id,
 * no parent, custom data, no error and no times.
 */
export function openCoreSpan(traceId: string): AgentsCoreSpanLike {
  return {
    traceId,
    spanId: genSpanId(),
    parentId: null,
    spanData: { type: "custom" },
    error: null,
    startedAt: null,
    endedAt: null,
  };
}
