/**
 * Isolation of the process-wide state that `configure()` and `instrument()` change, for tests.
 *
 * @module
 */
import { peekConfig, setConfig } from "../../src/config_state.ts";
import { getContextManager, setContextManager } from "../../src/context/manager.ts";
import { type DiagnosticsHook, setDiagnosticsHook } from "../../src/diagnostics.ts";
import { getTracer, setTracer } from "../../src/global.ts";
import { setRedactionPolicy } from "../../src/redact/global.ts";

/**
 * Runs `fn` with a silent diagnostics hook (passed to it), then restores the process-wide tracer,
 * config, context manager, diagnostics hook and the default redaction policy.
 *
 * @param fn The test body.
 */
export async function isolated(
  fn: (hook: DiagnosticsHook) => Promise<void> | void,
): Promise<void> {
  const manager = getContextManager();
  const config = peekConfig();
  const tracer = getTracer();
  const hook: DiagnosticsHook = () => {};
  const previous = setDiagnosticsHook(hook);
  try {
    await fn(hook);
  } finally {
    setDiagnosticsHook(previous);
    setContextManager(manager);
    setConfig(config);
    setTracer(tracer);
    setRedactionPolicy(undefined);
  }
}

/**
 * Runs `fn` like {@linkcode isolated} with no configuration installed, after `prepare` (which
 * registers a fallback, or a preset's default parts); then puts the whole process-wide
 * configuration slot back as it was (fallback, the configuration it built, its failure).
 *
 * @example
 * ```ts
 * await unconfigured(() => registerDefaultParts(portableParts), async () => {
 *   await run("r", {}, () => {}); // builds the preset's defaults
 * });
 * ```
 *
 * @param prepare Runs first, with no configuration installed.
 * @param fn The test body.
 */
export async function unconfigured(
  prepare: () => void,
  fn: () => Promise<void> | void,
): Promise<void> {
  const slot = (globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>)[
    Symbol.for("tracelet.config")
  ];
  const saved = { ...slot };
  await isolated(async () => {
    setConfig(undefined);
    prepare();
    try {
      await fn();
    } finally {
      if (slot !== undefined) {
        for (const key of Object.keys(slot)) delete slot[key];
        Object.assign(slot, saved);
      }
    }
  });
}

/**
 * Runs `fn` with no tracer installed (as in a fresh process: `getTracer()` gives its stand-in);
 * then puts the whole process-wide tracer slot back. Use it inside {@linkcode unconfigured} (whose
 * isolation reads the tracer first).
 *
 * @param fn The test body.
 */
export async function withoutTracer(fn: () => Promise<void> | void): Promise<void> {
  const slot = (globalThis as unknown as Record<symbol, Record<string, unknown>>)[
    Symbol.for("tracelet.tracer")
  ] ??= {};
  const saved = { ...slot };
  slot.tracer = undefined;
  try {
    await fn();
  } finally {
    for (const key of Object.keys(slot)) delete slot[key];
    Object.assign(slot, saved);
  }
}
