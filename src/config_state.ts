/**
 * The process-wide configuration that the module-level APIs (dreadnode-style `run`/`task`/
 * `log*`, the agent layer, the events layer) read: the tracer, the storage adapter, the default
 * project and runtime capabilities. `configure()` (from a preset) fills it in; until then
 * {@linkcode getConfig} provides portable in-memory defaults.
 *
 * @module
 */
import { reportOnce } from "./diagnostics.ts";
import { getTracer, installedTracer, setDefaultsBuilder } from "./global.ts";
import type { TraceStorage } from "./storage/types.ts";
import type { Tracer } from "./tracer.ts";
import type { FlushReport } from "./types.ts";

/** Reads local files for `logArtifact` where the runtime has a file system. */
export interface LocalFiles {
  /** Absolute, normalized form of a path (with `~` expanded). */
  resolve(path: string): string;
  /** File or directory facts; undefined when the path does not exist; throws on any other error. */
  stat(path: string): Promise<{ isFile: boolean; isDirectory: boolean; size: number } | undefined>;
  /**
   * Every file below a directory, as paths relative to it (with `/`): recursively unless
   * `recursive` is false; a subdirectory that cannot be read rejects, or is passed to `onSkip`
   * and skipped when that is given. When `onLinkOutside` is given, a symbolic link whose real
   * path is outside the directory's is skipped and passed to it (`logArtifact` of a directory;
   * an adapter that ignores it lists such links' files).
   */
  listFiles(
    directory: string,
    options?: {
      recursive?: boolean | undefined;
      onSkip?(directory: string, error: unknown): void;
      onLinkOutside?(path: string): void;
    },
  ): Promise<string[]>;
  /** The bytes of a file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * The real path of an existing file or directory, every symbolic link followed (dreadnode's
   * `Path.resolve()`): what an artifact records as its path, name and MIME type. Optional: without
   * it (or when it throws) the path from {@linkcode LocalFiles.resolve} is recorded.
   */
  realPath?(path: string): Promise<string>;
  /**
   * The platform's path separator: `\` on Windows (where `/` separates too); elsewhere `/` (the
   * default), and a `\` is part of a file name.
   */
  readonly pathSeparator?: "/" | "\\" | undefined;
}

/** The active configuration. */
export interface TraceletConfig {
  /** The tracer every API creates spans with. */
  readonly tracer: Tracer;
  /** Where JSONL lines, large objects, artifacts and the export outbox go. */
  readonly storage: TraceStorage;
  /** The default project. */
  readonly project: string;
  /** Local file access for artifacts; undefined where there is no file system (Workers). */
  readonly files: LocalFiles | undefined;
  /** Reads an environment variable (undefined where there is no environment). */
  readonly env: (name: string) => string | undefined;
  /**
   * Exports everything pending (spans, outbox) and resolves with the report; never rejects.
   *
   * @param deadline Epoch-ms limit (a number below 10^12 is a timeout in ms from now).
   */
  readonly forceFlush: (deadline?: number) => Promise<FlushReport>;
}

/** What a configuration holds besides its tracer and flush. */
export type ConfigSettings = Omit<TraceletConfig, "tracer" | "forceFlush">;

interface ConfigSlot {
  config: TraceletConfig | undefined;
  fallback: (() => TraceletConfig) | undefined;
  /** Builds the fallback's settings alone, installing nothing (for a user's own tracer). */
  settings?: () => ConfigSettings;
  /** What `settings` built (once, so every task shares one storage). */
  built?: ConfigSettings;
  /** The configuration the fallback built (not an explicit `configure()`). */
  implicit?: TraceletConfig;
  /** Why the fallback could not be built: it is not tried again until another is registered. */
  failure?: { error: unknown };
  /** Every configuration's tracer: a global tracer not among them is one the user installed. */
  tracers?: WeakSet<Tracer>;
}

const SLOT = Symbol.for("tracelet.config");
const globals = globalThis as unknown as Record<symbol, ConfigSlot | undefined>;

function slot(): ConfigSlot {
  return globals[SLOT] ??= { config: undefined, fallback: undefined };
}

/**
 * The active configuration; configures portable defaults on first use when `configure()` was
 * never called. A fallback that failed to build is not tried again: its error is thrown.
 *
 * @returns The configuration.
 */
export function getConfig(): TraceletConfig {
  const s = slot();
  if (s.config !== undefined) return s.config;
  if (s.failure !== undefined) throw s.failure.error;
  if (s.fallback === undefined) throw new Error("tracelet is not configured and has no defaults");
  try {
    return s.config = s.implicit = s.fallback();
  } catch (error) {
    s.failure = { error };
    throw error;
  }
}

/** @returns The active configuration, or undefined before `configure()` / first use. */
export function peekConfig(): TraceletConfig | undefined {
  return slot().config;
}

/**
 * @returns The configuration `configure()` installed, or undefined while there is none or only
 *   the one the registered defaults built on first use.
 */
export function peekExplicitConfig(): TraceletConfig | undefined {
  const s = slot();
  return s.config === s.implicit ? undefined : s.config;
}

/**
 * Installs a configuration (used by `configure()`).
 *
 * @param config The new configuration.
 * @returns The previous one.
 */
export function setConfig(config: TraceletConfig | undefined): TraceletConfig | undefined {
  const s = slot();
  const previous = s.config;
  s.config = config;
  if (config !== undefined) (s.tracers ??= new WeakSet()).add(config.tracer);
  return previous;
}

/**
 * Registers how to build the default configuration on first use (set by the configure module).
 *
 * @param factory Builds the portable default configuration.
 * @param settings Builds its storage, project, files and env alone, installing nothing.
 */
export function setConfigFallback(
  factory: () => TraceletConfig,
  settings?: () => ConfigSettings,
): void {
  const s = slot();
  s.fallback = factory;
  s.settings = settings;
  s.built = undefined;
  s.failure = undefined;
  setDefaultsBuilder(configuredTracer);
}

/** @returns Whether default parts were registered (by a preset at import, or on first use). */
export function hasConfigFallback(): boolean {
  return slot().fallback !== undefined;
}

/** The tracer the user installed with `setTracer` (not a configuration's), if any. */
function ownTracer(s: ConfigSlot): Tracer | undefined {
  const installed = installedTracer();
  return installed !== undefined && s.tracers?.has(installed) !== true ? installed : undefined;
}

/**
 * The configuration of the module-level APIs (`run()`, tasks, the events layer): that of
 * {@linkcode getConfig}, except that a tracer the user installed with `setTracer` wins over the
 * fallback configuration, as in {@linkcode configuredTracer}. Then the fallback is not built
 * (the user's tracer, context manager and redaction policy stay): spans go to the user's
 * tracer, `forceFlush` flushes it, and storage, project, files and env are the fallback's (built
 * alone, once; those of the fallback configuration when it was built already).
 *
 * @returns The configuration.
 * @throws When {@linkcode getConfig} does, or no settings could be built for the user's tracer.
 */
export function apiConfig(): TraceletConfig {
  const s = slot();
  const own = ownTracer(s);
  if (own === undefined || (s.config !== undefined && s.config !== s.implicit)) return getConfig();
  if (s.config === undefined && s.settings === undefined) {
    throw new Error("tracelet is not configured and has no defaults");
  }
  const { storage, project, files, env } = s.config ?? (s.built ??= s.settings!());
  return {
    tracer: own,
    storage,
    project,
    files,
    env,
    forceFlush: (deadline?: number) => own.forceFlush(deadline),
  };
}

/**
 * The tracer of the active configuration. A tracer the user installed with `setTracer` (not one
 * of a configuration) wins over the fallback configuration: it is used before `configure()`, and
 * after the fallback was built. Otherwise, before `configure()`, that of the fallback
 * configuration a preset registered (built now, as {@linkcode getConfig} does), so spans reach
 * its JSONL files and exporters; the default tracer when there is none or it cannot be built
 * (reported once, not tried again). Never throws.
 *
 * @returns The tracer.
 */
export function configuredTracer(): Tracer {
  const s = slot();
  const own = ownTracer(s);
  if (own !== undefined && (s.config === undefined || s.config === s.implicit)) return own;
  if (s.config === undefined && s.fallback !== undefined && s.failure === undefined) {
    try {
      return getConfig().tracer;
    } catch (error) {
      reportOnce(
        "config_fallback_failed",
        "error",
        "not_configured",
        "tracelet's default configuration could not be built: spans go to no processor until configure() is called",
        error,
      );
    }
  }
  return s.config?.tracer ?? getTracer();
}
