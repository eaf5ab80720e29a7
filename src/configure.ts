/**
 * `configure()`: one call that wires tracing for a runtime. Explicit options win, then
 * environment variables, then defaults. Presets (`./node`, `./deno`, `./worker`, `./web`) call
 * {@linkcode configureWith} with their runtime parts (context manager, storage, file access, env,
 * gzip codec, timers) and export `configure(options)` with the same signature.
 *
 * Calling `configure()` again applies the new configuration, options left out included (no
 * `redaction` means the default policy again): the previous pipeline is flushed and shut down in
 * the background, with the redaction policy it had, and a diagnostic says so; the new
 * configuration's `forceFlush()` and `shutdown()` (and the exit flush) wait for that too, for up to
 * 30 s (`retirement_timeout` is reported once when a replaced pipeline takes longer). Spans of
 * the previous tracer that end later go to the new pipeline. It is never silently ignored.
 *
 * `forceFlush()` and `shutdown()` (and so the exit flush) also wait for the events layer's JSONL
 * event logs still being written, for up to 30 s (with a deadline: up to a second past
 * it); see `pending_writes.ts`.
 *
 * Keys no option has (`serviceNmae`, `otlp: { url }`) are reported as `unknown_option` warnings
 * naming the option probably meant, and ignored. Invalid options (a wrong type, a NaN or negative
 * number, an empty project or root, a value outside a choice such as `redaction.mode`, a bad
 * exporter option, missing remote credentials) throw a `TracerError` before anything changes:
 * the pipeline, the redaction policy, the diagnostics hook and the context manager are installed
 * only once everything was built. Environment variables that are blank count as unset.
 *
 * @module
 */
import { toDeadline } from "./deadline.ts";
import { peekConfig, setConfig, setConfigFallback } from "./config_state.ts";
import { checkConfigureOptions, reportUnknownOptions } from "./configure_checks.ts";
import type { LocalFiles, TraceletConfig } from "./config_state.ts";
import {
  asyncLocalStorageClassOf,
  AsyncLocalStorageContextManager,
} from "./context/als_manager.ts";
import { getContextManager, setContextManager } from "./context/manager.ts";
import type { ContextManager } from "./context/manager.ts";
import { SyncContextManager } from "./context/sync_manager.ts";
import { report, setDiagnosticsHook } from "./diagnostics.ts";
import type { DiagnosticsHook } from "./diagnostics.ts";
import { setTracer } from "./global.ts";
import { buildPipeline, pinRedaction } from "./pipeline.ts";
import type { Pipeline, PipelineOptions } from "./pipeline.ts";
import {
  awaitRetirements,
  retirement,
  retireTracer,
  shutDownByItsHandle,
} from "./pipeline_handoff.ts";
import { awaitWrites } from "./pending_writes.ts";
import { readEnv } from "./otlp/resource.ts";
import { setRedactionPolicy } from "./redact/global.ts";
import { cwdStorageRoot } from "./storage/_fs_paths.ts";
import type { TraceStorage } from "./storage/types.ts";
import type { Tracer, TracerOptions } from "./tracer.ts";
import type { FlushReport } from "./types.ts";

/** Options of `configure()`; identical for every preset. */
export interface ConfigureOptions extends PipelineOptions {
  /** The storage adapter. Default: the preset's (files under `storageRoot`, or memory). */
  storage?: TraceStorage | undefined;
  /**
   * Root directory of file storage (a non-empty path). Default `TRACELET_HOME` (read through
   * `env`), else `.tracelet` in the cwd.
   */
  storageRoot?: string | undefined;
  /**
   * Default project for runs (a non-empty string). Env `TRACELET_PROJECT`, then
   * `DREADNODE_PROJECT`, else `default`.
   */
  project?: string | undefined;
  /** Receives tracelet's own diagnostics instead of the console. */
  diagnostics?: DiagnosticsHook | undefined;
  /**
   * Attribute, event and link limits. Limits left unset come from OpenTelemetry's attribute and
   * span limit variables (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, …).
   */
  limits?: TracerOptions["limits"] | undefined;
  /** Reads environment variables; presets supply the runtime's. */
  env?: ((name: string) => string | undefined) | undefined;
}

/** What a preset provides to {@linkcode configureWith}. */
export interface RuntimeParts {
  /** Runtime name, e.g. `node`, `deno`, `workerd`, `web`. */
  readonly runtime: string;
  /** Builds the context manager (AsyncLocalStorage where available). */
  contextManager(): ContextManager;
  /**
   * Builds the default storage for a root directory (or ignores it where there are no files).
   * `configureWith` passes the resolved root: `storageRoot`, else `TRACELET_HOME` read through
   * the configured `env`, else `.tracelet` in the cwd when the runtime has `files` (undefined
   * otherwise: the cwd is not looked up where no file storage uses it, on Deno a permission).
   */
  storage(root: string | undefined): TraceStorage;
  /** Local files for `logArtifact`, where the runtime has a file system. */
  readonly files?: LocalFiles | undefined;
  /** Reads environment variables. */
  readonly env: (name: string) => string | undefined;
  /** A fast gzip for the OTLP exporter (e.g. node:zlib); CompressionStream otherwise. */
  readonly compress?: ((bytes: Uint8Array) => Promise<Uint8Array>) | undefined;
  /** Whether background timers are allowed (false on Workers). */
  readonly timers: boolean;
  /** `telemetry.sdk.language` for the resource. Default `webjs`. */
  readonly sdkLanguage?: string | undefined;
  /**
   * Registers a best-effort flush at process exit; returns an unregister function. The flush is
   * given a deadline when the process ends then (a signal): it shuts the pipeline down by it.
   */
  onExit?(flush: (deadline?: number) => Promise<FlushReport>): () => void;
  /**
   * Lists a writer to run synchronously when the process ends, also by an uncaught error or
   * `process.exit()`, where no flush runs; returns its unlisting. The local JSONL files' queued
   * spans are written with it.
   */
  readonly writeAtExit?: ((writer: { writeNow(final?: boolean): void }) => () => void) | undefined;
}

/** The configured tracing pipeline returned by `configure()`. */
export interface Configured extends TraceletConfig {
  /**
   * Flushes and shuts the pipeline down, and waits for the event logs still being written (at
   * most 30 s, or a second past `deadline`: epoch ms, or a timeout in ms when below 10^12);
   * resolves with the final report.
   */
  readonly shutdown: (deadline?: number) => Promise<FlushReport>;
  /**
   * Exports everything pending, waits for the event logs still being written (at most 30 s, or a
   * second past `deadline`: epoch ms, or a timeout in ms when below 10^12) and resolves with the
   * report; never rejects.
   */
  readonly forceFlush: (deadline?: number) => Promise<FlushReport>;
}

let unregisterExit: (() => void) | undefined;

/**
 * Configures tracing with a runtime's parts. Presets wrap this as `configure(options)`.
 *
 * @param parts The runtime's parts.
 * @param options The user's options.
 * @returns The configured pipeline.
 * @throws {TracerError} `MISSING_CREDENTIALS` when `traceBackend: "remote"` lacks credentials,
 *   `INVALID_CONFIG` for malformed options.
 */
export function configureWith(parts: RuntimeParts, options: ConfigureOptions = {}): Configured {
  checkConfigureOptions(options);
  // The new hook already hears what reading the settings and building report (unknown_option,
  // env_denied, invalid_env, …); a failed build puts the previous one back, so a configure() that
  // throws changes nothing.
  const hook = options.diagnostics;
  const previousHook = hook === undefined ? undefined : setDiagnosticsHook(hook);
  reportUnknownOptions(options);
  let settings: ReturnType<typeof settingsOf>;
  let pipeline: Pipeline;
  let manager: ContextManager;
  try {
    settings = settingsOf(parts, options);
    const { setting, project, storage } = settings;
    pipeline = buildPipeline({ ...options, project }, {
      storage,
      env: setting,
      compress: parts.compress,
      timers: parts.timers,
      sdkLanguage: parts.sdkLanguage,
      writeAtExit: parts.writeAtExit,
    });
    manager = reuseManager(getContextManager(), parts.contextManager());
  } catch (error) {
    if (hook !== undefined) setDiagnosticsHook(previousHook);
    throw error;
  }
  const { env, project, storage } = settings;
  const { tracer } = pipeline;
  // The pipeline being replaced keeps the policy it has now for the spans it still has queued.
  const current = peekConfig();
  if (current !== undefined) pinRedaction(current.tracer);
  setRedactionPolicy(pipeline.redaction);
  setContextManager(manager);
  setTracer(tracer);
  const config = makeConfigured(tracer, storage, project, parts.files, env);
  const previous = setConfig(config);
  if (previous !== undefined) {
    report(
      "info",
      "reconfigured",
      "configure() called again: the new configuration replaces the previous one",
    );
    void retireTracer(previous.tracer, tracer.processors);
  }
  unregisterExit?.();
  unregisterExit = parts.onExit?.((deadline) =>
    deadline === undefined ? config.forceFlush() : config.shutdown(deadline)
  );
  return config;
}

/** The env, project and storage of a configuration: explicit options, then env variables. */
function settingsOf(parts: RuntimeParts, options: ConfigureOptions) {
  const env = options.env ?? parts.env;
  // Trimmed, never throwing, and blank means unset (`X=` in an env file does not turn X on).
  const setting = (name: string) => readEnv(env, name);
  const project = options.project ?? setting("TRACELET_PROJECT") ??
    setting("DREADNODE_PROJECT") ?? "default";
  // Resolved here, through `env`: the storage itself never reads the process's TRACELET_HOME.
  const storage = options.storage ??
    defaultStorage(
      parts,
      options.storageRoot ?? setting("TRACELET_HOME") ??
        (parts.files === undefined ? undefined : cwdStorageRoot()),
    );
  return { env, setting, project, storage };
}

/** The default storage built last, by runtime and root. */
let lastDefault: { key: string; storage: TraceStorage } | undefined;

/**
 * The preset's default storage for `root`: the one built last when the runtime and root are the
 * same. A replaced pipeline's outbox then stays the current one's (an in-memory outbox built anew
 * lost the batches parked in it), and calling `configure()` over and over builds no new storage
 * objects (a file-system outbox's metadata was held once per replaced pipeline).
 */
function defaultStorage(parts: RuntimeParts, root: string | undefined): TraceStorage {
  const key = `${parts.runtime}\0${root ?? ""}`;
  if (lastDefault?.key !== key) lastDefault = { key, storage: parts.storage(root) };
  return lastDefault.storage;
}

/**
 * The context manager to install: the current one when it is of the same kind as the preset's
 * (the same AsyncLocalStorage class, or both synchronous stacks), so a `configure()` inside an
 * active span keeps that span the parent of what follows; the preset's otherwise. An
 * AsyncLocalStorage manager installed by another copy of tracelet counts too: replacing it would
 * drop the active span of every request waiting at an `await`.
 */
function reuseManager(current: ContextManager, next: ContextManager): ContextManager {
  const storageClass = asyncLocalStorageClassOf(current);
  if (storageClass !== undefined) {
    return next instanceof AsyncLocalStorageContextManager && storageClass === next.storageClass
      ? current
      : next;
  }
  return current instanceof SyncContextManager && next instanceof SyncContextManager
    ? current
    : next;
}

function makeConfigured(
  tracer: Tracer,
  storage: TraceStorage,
  project: string,
  files: LocalFiles | undefined,
  env: (name: string) => string | undefined,
): Configured {
  // Once replaced, its processors' final report is what flushing or shutting it down gives.
  // Until then it also waits for the pipelines it replaced (their spans were queued earlier).
  // Either way it waits for the event logs still being written (`pending_writes.ts`), bounded.
  // `method(deadline)` of the tracer, given an epoch-ms deadline or a timeout in ms (below 10^12).
  const settle = (method: "forceFlush" | "shutdown", given?: number) => {
    const deadline = toDeadline(given);
    if (method === "shutdown") shutDownByItsHandle(tracer);
    return withWrites(
      retirement(tracer) ??
        tracer[method](deadline).then((report) => awaitRetirements(report, deadline)),
      deadline,
    );
  };
  return {
    tracer,
    storage,
    project,
    files,
    env,
    forceFlush: (deadline?: number) => settle("forceFlush", deadline),
    shutdown: (deadline?: number) => settle("shutdown", deadline),
  };
}

/** `report` once the pending writes are done too (or no longer waited for; see `awaitWrites`). */
async function withWrites(report: Promise<FlushReport>, deadline?: number): Promise<FlushReport> {
  const [result] = await Promise.all([report, awaitWrites(deadline)]);
  return result;
}

/**
 * Registers the portable defaults used when a module-level API is called before `configure()`:
 * the given parts with no options. When the user installed their own tracer, only the storage,
 * project, files and env of those defaults are built, and nothing is installed.
 *
 * @param parts The runtime parts to fall back to.
 */
export function registerDefaultParts(parts: RuntimeParts): void {
  setConfigFallback(() => configureWith(parts, {}), () => {
    const { env, project, storage } = settingsOf(parts, {});
    return { storage, project, files: parts.files, env };
  });
}
