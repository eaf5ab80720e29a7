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
