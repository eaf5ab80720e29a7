/**
 * Which tracer the agent layer records into, and whether tracing is disabled.
 *
 * By default the agent layer uses the configured tracer (`configuredTracer()`): a tracer you
 * installed with `setTracer` (the fallback configuration is then left alone: your tracer,
 * context manager and redaction policy stay); else, before `configure()`, that of the fallback
 * configuration an imported preset registered, as `run()` does. So its spans go to the same
 * processors, JSONL files and exporters as every other tracelet span. Processors added with `addTraceProcessor` are installed (as bridges) on
 * whichever tracer the agent layer uses, and move to the new tracer when `configure()` replaces
 * it.
 *
 * @module
 */
import { configuredTracer } from "../config_state.ts";
import { peekConfig } from "../config_state.ts";
import { TracerError } from "../errors.ts";
import { getEnv } from "../runtime/_globals.ts";
import type { SpanProcessor } from "../processor/types.ts";
import type { Tracer } from "../tracer.ts";
import { agentsState } from "./_state.ts";

/**
 * Whether `processor` is a bridge the agent layer installed (for a processor added with
 * `addTraceProcessor`), not one of tracelet's own.
 *
 * @param processor A processor of a tracer.
 * @returns True for a bridge.
 * @internal
 */
export function isBridge(processor: object): boolean {
  return (processor as { agentLayerBridge?: unknown }).agentLayerBridge === true;
}

/** The processor installed on `tracer` for a bridge: its per-tracer binding when it has one. */
function bound(bridge: SpanProcessor, tracer: Tracer): SpanProcessor {
  const bindTo = (bridge as { bindTo?: (tracer: Tracer) => SpanProcessor }).bindTo;
  return typeof bindTo === "function" ? bindTo.call(bridge, tracer) : bridge;
}

/**
 * Makes sure `tracer` carries exactly the current bridges (cheap when already in sync).
 *
 * @param tracer The tracer.
 * @returns The tracer.
 * @internal
 */
export function syncBridges(tracer: Tracer): Tracer {
  const state = agentsState();
  if (state.synced.get(tracer) === state.version) return tracer;
  const own = tracer.processors.filter((p) => !isBridge(p));
  tracer.setProcessors([...own, ...state.bridges.map((b) => bound(b, tracer))]);
  state.synced.set(tracer, state.version);
  return tracer;
}

/**
 * The tracer the agent layer records into: the explicit one, else the one set with
 * {@linkcode setAgentTracer}, else the configured tracer (or the one installed with `setTracer`,
 * else the preset fallback's, built now). Its bridges are brought up to date.
 *
 * @param explicit A tracer given to a single call.
 * @returns The tracer.
 */
export function getAgentTracer(explicit?: Tracer): Tracer {
  return syncBridges(explicit ?? agentsState().tracer ?? configuredTracer());
}

/**
 * The tracer the agent layer records into now, without configuring defaults or syncing bridges.
 *
 * @returns The tracer set with {@linkcode setAgentTracer}, else the configured one, if any.
 * @internal
 */
export function currentAgentTracer(): Tracer | undefined {
  return agentsState().tracer ?? peekConfig()?.tracer;
}

/**
 * Sets the tracer the agent layer records into (default: the configured tracer).
 *
 * @param tracer The tracer, or undefined to go back to the configured tracer.
 * @returns The previous explicit tracer.
 */
export function setAgentTracer(tracer: Tracer | undefined): Tracer | undefined {
  const state = agentsState();
  const previous = state.tracer;
  state.tracer = tracer;
  return previous;
}

/**
 * Disables (or re-enables) agent-layer tracing globally. While disabled, `trace()` and every
 * span factory return no-op objects that still nest but never reach a processor.
 *
 * @param disabled Whether tracing is disabled.
 */
export function setTracingDisabled(disabled: boolean): void {
  agentsState().disabled = disabled;
}

/**
 * Whether agent-layer tracing is disabled: the value given to {@linkcode setTracingDisabled},
 * else the `OPENAI_AGENTS_DISABLE_TRACING` environment variable (`true` or `1`), read once.
 *
 * @returns True when disabled.
 */
export function isTracingDisabled(): boolean {
  const state = agentsState();
  if (state.disabled === undefined) {
    const name = "OPENAI_AGENTS_DISABLE_TRACING";
    const value = (peekConfig()?.env(name) ?? getEnv(name))?.trim().toLowerCase();
    state.disabled = value === "true" || value === "1";
  }
  return state.disabled;
}

const EXPORT_KEY_SLOT = Symbol.for("tracelet.agents.exportApiKey");
const keySlots = globalThis as unknown as Record<symbol, string | undefined>;

/**
 * Sets the API key `BackendSpanExporter` uses when it was given none (`apiKey` option): the
 * OpenAI SDKs' `set_tracing_export_api_key` / `setTracingExportApiKey`. Without it the exporter
 * falls back to the `OPENAI_API_KEY` environment variable. Setting a key sends nothing by itself:
 * traces go to OpenAI only through a processor you add (see `BackendSpanExporter`).
 *
 * @param apiKey The key, or undefined (or `""`) to go back to the environment variable.
 * @throws {TracerError} `INVALID_CONFIG` when `apiKey` is neither a string nor undefined.
 * @example
 * ```ts
 * import { setTracingExportApiKey } from "@tracelet/tracelet/agents";
 * setTracingExportApiKey("sk-tracing-only-key");
 * ```
 */
export function setTracingExportApiKey(apiKey: string | undefined): void {
  if (apiKey !== undefined && apiKey !== null && typeof apiKey !== "string") {
    throw new TracerError(
      "INVALID_CONFIG",
      `Cannot set the tracing export API key: it must be a string, not ${typeof apiKey}`,
    );
  }
  keySlots[EXPORT_KEY_SLOT] = apiKey || undefined;
}

/**
 * The key set with {@linkcode setTracingExportApiKey}.
 *
 * @returns The key, or undefined.
 * @internal
 */
export function getTracingExportApiKey(): string | undefined {
  return keySlots[EXPORT_KEY_SLOT];
}
