/**
 * The events layer's tracer configuration (design_research_agents' `Tracer`): whether tracing is
 * on, where JSONL trace files go, whether events are printed, and which tracelet tracer records
 * the run's spans. Named `EventTracer` because tracelet's span `Tracer` is another class.
 *
 * JSONL files are logs in a storage adapter: `<traceDir>/run_<YYYYMMDDTHHMMSSZ>_<id>.jsonl`
 * relative to the adapter's root (for the file-system adapters, `.tracelet/traces/…` by default).
 * A file name that the storage would have to rewrite (an id with non-ASCII characters, or a name
 * over 120 characters) gets an ASCII id part and a hash instead, so it keeps the `run_` prefix and
 * the `.jsonl` extension (see {@linkcode EventTracer.buildTracePath}).
 *
 * @module
 */
import { ownFields } from "../agents/_input.ts";
import { apiConfig } from "../config_state.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { safeString } from "../safe_string.ts";
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { sanitizeSegment, segmentDigest } from "../storage/_sanitize.ts";
import type { TraceStorage } from "../storage/types.ts";
import type { Tracer } from "../tracer.ts";
import { getAgentTracer } from "../agents/provider.ts";
import { ConsoleEventSink, stderrStream } from "./console_sink.ts";
import type { ConsoleStream } from "./console_sink.ts";
import { withTraceRun } from "./context.ts";
import { JsonlEventSink } from "./sinks.ts";
import type { EventSink } from "./sinks.ts";

/** Options of {@linkcode EventTracer} (DRA's `Tracer` fields, in camelCase). */
export interface EventTracerOptions {
  /** Whether tracing is on. Default true. */
  enabled?: boolean;
  /** Directory of JSONL trace files, relative to the storage root. Default `traces`. */
  traceDir?: string;
  /** Write JSONL trace files. Default true. */
  enableJsonl?: boolean;
  /** Print events. Default true. */
  enableConsole?: boolean;
  /** Where console text goes. Default: lines to `console.error`. */
  consoleStream?: ConsoleStream;
  /** The storage adapter for JSONL files. Default: the configured storage. */
  storage?: TraceStorage;
  /** The tracelet tracer recording the runs' spans; `false` for events only. Default: the agent layer's tracer. */
  spanTracer?: Tracer | false;
  /**
   * The redaction policy for every event. Default: the process-wide policy at the time a run
   * starts, so a tracer created before `configure({ redaction })` uses the configured policy.
   */
  redaction?: RedactionPolicy;
}

/** Options of {@linkcode EventTracer.runCallable}. */
export interface RunCallableOptions<R> {
  /** The agent (delegate) name. */
  agentName: string;
  /** The request id (run id, and part of the file name). */
  requestId: string;
  /** The input payload. */
  inputPayload?: unknown;
  /** Dependencies (only their keys are recorded). */
  dependencies?: Readonly<Record<string, unknown>>;
  /** The zero-argument function to run. */
  fn: () => R | Promise<R>;
}

/** What {@linkcode EventTracer.traceInfo} returns. */
export interface TraceInfoPayload {
  /** The request id asked about. */
  request_id: string;
  /**
   * The latest JSONL path built for it in this process, relative to the storage root as the
   * file-system adapters write it, or null (none, or JSONL is off).
   */
  trace_path: string | null;
  /** The tracer's trace directory (relative to the storage root). */
  trace_dir: string;
}

/**
 * Keeps Unicode letters and digits, `-` and `_`; every other character becomes `_`; an empty
 * result becomes a random 32-hex id. An id that is not a string is sanitized in its string form.
 *
 * @param id A run or request id.
 * @returns The sanitized id.
 */
export function sanitizeRunId(id: string): string {
  const cleaned = safeString(id).replace(/[^\p{L}\p{N}_-]/gu, "_");
  return cleaned === "" ? crypto.randomUUID().replace(/-/g, "") : cleaned;
}

/**
 * The UTC file stamp `YYYYMMDDTHHMMSSZ`.
 *
 * @param date The time (default now).
 * @returns The stamp.
 */
export function utcStamp(date: Date = new Date()): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, "") + "Z";
}

/** The longest id part of a trace file name that holds a hash (`run_<stamp>_<id>_<hash>.jsonl`). */
const HASHED_ID_LENGTH = 120 -
  "run_YYYYMMDDTHHMMSSZ__0123456789abcdef0123456789abcdef.jsonl".length;

/**
 * The trace file name of a sanitized id: `run_<stamp>_<id>.jsonl` when a storage keeps it as it
 * is, else `run_<stamp>_<ASCII id>_<32-hex digest of the id>.jsonl` (characters outside
 * `A-Z a-z 0-9 _ -` become `_`, cut to fit 120 characters).
 */
function traceFileName(stamp: string, id: string): string {
  const name = `run_${stamp}_${id}.jsonl`;
  if (sanitizeSegment(name) === name) return name;
  const ascii = id.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, HASHED_ID_LENGTH);
  return `run_${stamp}_${ascii}_${segmentDigest(id)}.jsonl`;
}

/** The `traceDir` option: a string, else (reported unless absent) the default `traces`. */
function traceDirOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "traces";
  reportOnce(
    "events_trace_dir",
    "warn",
    "invalid_input",
    "An EventTracer's traceDir is not a string: trace files go to `traces`",
  );
  return "traces";
}

/**
 * Tracing configuration injected into runtimes (tracing is opt-in: pass a tracer).
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "@tracelet/tracelet";
 * import { EventTracer, startModelCall, finishModelCall } from "@tracelet/tracelet/events";
 * const tracer = new EventTracer({ storage: new MemoryStorage(), enableConsole: false });
 * const answer = await tracer.runCallable({
 *   agentName: "planner",
 *   requestId: "req-1",
 *   inputPayload: { prompt: "hi", api_key: "sk-…" }, // api_key is written as ***REDACTED***
 *   fn: () => {
 *     const id = startModelCall({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] });
 *     finishModelCall(id, { response: { model: "gpt-4o", usage: { prompt_tokens: 3 } } });
 *     return "hello";
 *   },
 * });
 * ```
 */
export class EventTracer {
  /** Whether tracing is on. */
  readonly enabled: boolean;
  /** Directory of JSONL trace files (relative to the storage root). */
  readonly traceDir: string;
  /** Whether JSONL files are written. */
  readonly enableJsonl: boolean;
  /** Whether events are printed. */
  readonly enableConsole: boolean;
  /** The console stream. */
  readonly consoleStream: ConsoleStream;
  readonly #redaction: RedactionPolicy | undefined;
  readonly #storage: TraceStorage | undefined;
  readonly #spanTracer: Tracer | false | undefined;
  readonly #latest = new Map<string, string>();
  /** `traceDir`'s segments, and the same as the storage maps them, joined (`""` for the root). */
  readonly #dirSegments: string[];
  readonly #storedDir: string;

  /**
   * Creates a tracer. Defaults: enabled, directory `traces`, JSONL and console on. A `traceDir`
   * that is not a string is ignored (reported), so runs still write to the default directory.
   *
   * @param options The configuration.
   */
  constructor(options?: EventTracerOptions) {
    const o = ownFields(options);
    this.enabled = o.enabled ?? true;
    this.traceDir = traceDirOf(o.traceDir);
    this.enableJsonl = o.enableJsonl ?? true;
    this.enableConsole = o.enableConsole ?? true;
    this.consoleStream = o.consoleStream ?? stderrStream();
    this.#redaction = o.redaction;
    this.#storage = o.storage;
    this.#spanTracer = o.spanTracer;
    this.#dirSegments = this.traceDir.split("/").filter((s) => s !== "");
    this.#storedDir = this.#dirSegments.map(sanitizeSegment).join("/");
  }

  /**
   * The redaction policy for every event: the `redaction` option, or else the process-wide policy
   * as it is now (read again each time, so a later `configure({ redaction })` applies).
   */
  get redaction(): RedactionPolicy {
    return this.#redaction ?? getRedactionPolicy();
  }

  /** The tracelet tracer recording spans, or undefined for events only. */
  get spanTracer(): Tracer | undefined {
    if (this.#spanTracer === false) return undefined;
    return this.#spanTracer ?? getAgentTracer();
  }

  /** The storage adapter for JSONL files (the configured one unless given). */
  get storage(): TraceStorage | undefined {
    if (this.#storage !== undefined) return this.#storage;
    try {
      return apiConfig().storage;
    } catch (error) {
      report(
        "warn",
        "events_no_storage",
        "Cannot write JSONL trace files: no storage is configured",
        error,
      );
      return undefined;
    }
  }

  /**
   * The JSONL path of a run: `<traceDir>/run_<UTC stamp>_<sanitized id>.jsonl`, relative to the
   * storage root and exactly as the file-system adapters write it. When that name would not be
   * kept as it is by a storage (an id with non-ASCII characters, or a name over 120 characters),
   * the id part is its ASCII form, cut to fit, plus `_` and a 16-hex hash of the id, so the file
   * still matches `run_*.jsonl`. A `traceDir` segment that a storage rewrites (see
   * `sanitizeSegment`) appears rewritten.
   *
   * @param runId The run (request) id.
   * @returns The path, or undefined when JSONL output is off.
   */
  buildTracePath(runId: string): string | undefined {
    if (!this.enableJsonl) return undefined;
    const name = traceFileName(utcStamp(), sanitizeRunId(runId));
    const path = this.#storedDir === "" ? name : `${this.#storedDir}/${name}`;
    if (this.#latest.size >= 1000 && !this.#latest.has(runId)) this.#latest.clear();
    this.#latest.set(runId, path);
    return path;
  }

  /**
   * The sinks of a run: JSONL first (when enabled and a path exists), then console.
   *
   * @param tracePath The path from {@linkcode EventTracer.buildTracePath}.
   * @returns The sinks.
   */
  buildSinks(tracePath?: string): EventSink[] {
    const sinks: EventSink[] = [];
    const storage = this.enableJsonl && tracePath !== undefined ? this.storage : undefined;
    if (storage !== undefined) {
      sinks.push(new JsonlEventSink(storage, this.#logPath(tracePath!)));
    }
    if (this.enableConsole) sinks.push(new ConsoleEventSink(this.consoleStream));
    return sinks;
  }

  /**
   * The storage path of a trace path: one built by {@linkcode EventTracer.buildTracePath} goes
   * back to `traceDir`'s own segments (the storage maps them again to the same place); any other
   * is split at `/`.
   */
  #logPath(tracePath: string): string[] {
    const dir = this.#storedDir === "" ? "" : `${this.#storedDir}/`;
    const name = tracePath.slice(dir.length);
    if (tracePath.startsWith(dir) && name !== "" && !name.includes("/")) {
      return [...this.#dirSegments, name];
    }
    return tracePath.split("/").filter((s) => s !== "");
  }

  /**
   * The latest JSONL path this tracer built for a request id (storage adapters cannot list
   * files, so only paths from this process are known).
   *
   * @param requestId The request id.
   * @returns The path, or undefined.
   */
  resolveLatestTracePath(requestId: string): string | undefined {
    return this.enableJsonl ? this.#latest.get(requestId) : undefined;
  }

  /**
   * Where a request's trace was written, as DRA's `trace_info` reports it.
   *
   * @param requestId The request id.
   * @returns `{request_id, trace_path, trace_dir}`.
   */
  traceInfo(requestId: string): TraceInfoPayload {
    return {
      request_id: requestId,
      trace_path: this.resolveLatestTracePath(requestId) ?? null,
      trace_dir: this.traceDir,
    };
  }

  /**
   * Runs a function as a traced run (see `withTraceRun`): `RunStarted` … `RunFinished` with the
   * success envelope `{success: true, output}` or the error, which is rethrown. The run's
   * session is closed on every exit path.
   *
   * @param options Agent name, request id, input, dependencies, function.
   * @returns What the function returned, once the run's events are written; rejects with a
   *   `TypeError` when `fn` is not a function.
   */
  runCallable<R>(options: RunCallableOptions<R>): Promise<R> {
    const o = ownFields(options);
    return withTraceRun({ ...o, tracer: this } as RunCallableOptions<R>, o.fn!);
  }
}
