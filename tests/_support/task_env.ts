/**
 * Test environment for the TaskSpan layer: an AsyncLocalStorage context manager, a MemoryStorage
 * (or a given storage), a tracer exporting every span to JSONL through a SimpleSpanProcessor,
 * and the process-wide config pointing at them. `withTaskEnv` restores the previous config and
 * context manager afterwards and shuts the tracer down.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  AsyncLocalStorageContextManager,
  type Diagnostic,
  type FlatSpan,
  JsonlSpanExporter,
  setContextManager,
  setDiagnosticsHook,
  SimpleSpanProcessor,
  Tracer,
  type TraceStorage,
} from "../../mod.ts";
import { type LocalFiles, peekConfig, setConfig } from "../../src/config_state.ts";
import { resetReportedOnce } from "../../src/diagnostics.ts";
import { MemoryStorage } from "../../src/storage/memory.ts";

/** What a test gets. */
export interface TaskEnv {
  readonly storage: TraceStorage;
  readonly tracer: Tracer;
  readonly diagnostics: Diagnostic[];
  /** Flushes and reads a JSONL log as parsed lines. */
  lines(path: readonly string[]): Promise<FlatSpan[]>;
  /** Flushes and reads `projects/<project>/<runId>/spans.jsonl`. */
  runLines(runId: string, project?: string): Promise<FlatSpan[]>;
  /** Diagnostic codes seen so far. */
  codes(): string[];
}

/** Options of {@linkcode withTaskEnv}. */
export interface TaskEnvOptions {
  storage?: TraceStorage;
  files?: LocalFiles;
  project?: string;
}

/**
 * Runs `fn` in a fresh task environment.
 *
 * @param fn The test body.
 * @param options Storage, local files, default project.
 */
export async function withTaskEnv(
  fn: (env: TaskEnv) => Promise<void> | void,
  options: TaskEnvOptions = {},
): Promise<void> {
  const storage = options.storage ?? new MemoryStorage();
  const tracer = new Tracer({
    processors: [new SimpleSpanProcessor(new JsonlSpanExporter({ storage }))],
  });
  const diagnostics: Diagnostic[] = [];
  const previousConfig = peekConfig();
  const previousManager = setContextManager(new AsyncLocalStorageContextManager(AsyncLocalStorage));
  const previousHook = setDiagnosticsHook((d) => void diagnostics.push(d));
  resetReportedOnce();
  setConfig({
    tracer,
    storage,
    project: options.project ?? "default",
    files: options.files,
    env: () => undefined,
    forceFlush: (deadline?: number) => tracer.forceFlush(deadline),
  });
  const lines = async (path: readonly string[]) => {
    await tracer.forceFlush();
    return (await storage.readLines(path)).map((l) => JSON.parse(l) as FlatSpan);
  };
  try {
    await fn({
      storage,
      tracer,
      diagnostics,
      lines,
      runLines: (runId, project = options.project ?? "default") =>
        lines(["projects", project, runId, "spans.jsonl"]),
      codes: () => diagnostics.map((d) => d.code),
    });
  } finally {
    await tracer.shutdown();
    setConfig(previousConfig);
    setContextManager(previousManager);
    setDiagnosticsHook(previousHook);
    resetReportedOnce();
  }
}

/**
 * The line of a span by name.
 *
 * @param lines Parsed lines.
 * @param name The span name.
 * @returns The line (throws when missing).
 */
export function byName(lines: readonly FlatSpan[], name: string): FlatSpan {
  const line = lines.find((l) => l.name === name);
  if (line === undefined) {
    throw new Error(`no line named ${name} in ${lines.map((l) => l.name).join(", ")}`);
  }
  return line;
}

/**
 * Parses a JSON-string attribute of a line.
 *
 * @param line The line.
 * @param key The attribute key.
 * @returns The parsed value.
 */
export function jsonAttr<T = unknown>(line: FlatSpan, key: string): T {
  const value = line.attributes[key];
  if (typeof value !== "string") {
    throw new Error(`attribute ${key} is not a JSON string: ${String(value)}`);
  }
  return JSON.parse(value) as T;
}
