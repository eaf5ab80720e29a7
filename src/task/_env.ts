/**
 * The configuration the task layer reads (tracer, storage, project, files, forceFlush): the
 * configured one, the preset's defaults before `configure()` (around the user's own tracer when
 * they installed one), or, when those cannot be built, the default tracer and no storage.
 *
 * @internal
 * @module
 */
import { apiConfig, configuredTracer } from "../config_state.ts";
import type { LocalFiles } from "../config_state.ts";
import { reportOnce } from "../diagnostics.ts";
import { ensureDefaultParts } from "../portable.ts";
import type { TraceStorage } from "../storage/types.ts";
import type { Tracer } from "../tracer.ts";
import type { FlushReport } from "../types.ts";

/** What the task layer needs from the configuration. */
export interface TaskEnv {
  readonly tracer: Tracer;
  readonly storage: TraceStorage | undefined;
  readonly project: string;
  readonly files: LocalFiles | undefined;
  readonly forceFlush: (deadline?: number) => Promise<FlushReport>;
}

/**
 * @returns The active configuration (around the user's own tracer when they installed one and
 *   did not call `configure()`), or a storage-less fallback (reported once).
 */
export function taskEnv(): TaskEnv {
  try {
    ensureDefaultParts();
    return apiConfig();
  } catch (error) {
    reportOnce(
      "task_not_configured",
      "warn",
      "not_configured",
      "tracelet is not configured: tasks use the default tracer and have no storage (call configure() from a runtime preset)",
      error,
    );
    const tracer = configuredTracer();
    return {
      tracer,
      storage: undefined,
      project: "default",
      files: undefined,
      forceFlush: (deadline?: number) => tracer.forceFlush(deadline),
    };
  }
}
