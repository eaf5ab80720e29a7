/**
 * The events layer's tracer configuration (design_research_agents' `Tracer`): whether tracing is
 * on, where JSONL trace files go, whether events are printed, and which tracelet tracer records
 * the run's spans. Named `EventTracer` because tracelet's span `Tracer` is another class.
 *
 * JSONL files are logs in a storage adapter: `<traceDir>/run_<YYYYMMDDTHHMMSSZ>_<id>.jsonl`
 * under the adapter's root (for the file-system adapters, `.tracelet/traces/…` by default). With a
 * file-system adapter, trace paths are the files' real paths (the root joined), and an absolute
 * `traceDir` inside the root is used as it is; with any other adapter they are relative to it.
 * An id that cannot be written as it is (a character other than an ASCII letter, digit, `-` or
 * `_`, or a name over 120 characters) gets an ASCII id part and a hash of the id instead, so ids
 * that sanitize alike get files of their own and the name keeps the `run_` prefix and the
 * `.jsonl` extension (see {@linkcode EventTracer.buildTracePath}).
 *
 * @module
 */
import { ownFields } from "../agents/_input.ts";
import { prepareFlowRuns } from "./_run_frames.ts";
import { apiConfig } from "../config_state.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { getRedactionPolicy } from "../redact/global.ts";
import type { RedactionPolicy } from "../redact/policy.ts";
import { sanitizeSegment } from "../storage/_sanitize.ts";
import { isTraceFile, newestTraceFile } from "./_trace_files.ts";
import { traceFileIdPart, traceFileName, utcStamp } from "./_trace_names.ts";
import { fsRootOf, placeTraceDir } from "./_trace_location.ts";
import type { TraceStorage } from "../storage/types.ts";
import type { Tracer } from "../tracer.ts";
import { getAgentTracer } from "../agents/provider.ts";
import { ConsoleEventSink, stderrStream } from "./console_sink.ts";
import type { ConsoleStream } from "./console_sink.ts";
import { withTraceRun } from "./context.ts";
import { JsonlEventSink } from "./sinks.ts";
import type { EventSink } from "./event.ts";

/** Options of {@linkcode EventTracer} (DRA's `Tracer` fields, in camelCase). */
export interface EventTracerOptions {
  /** Whether tracing is on. Default true. */
  enabled?: boolean | undefined;
  /**
   * Directory of JSONL trace files, relative to the storage root. Default `traces`. With a
   * file-system storage an absolute directory inside its root is that directory; one outside
   * the root is placed under it, path and all (reported once as `events_trace_dir_outside_root`).
   * A directory name that a storage does not keep as it is (a space, `:`, `~`, non-ASCII
   * characters, over 120 characters) is renamed as the storage maps every path segment: `my
   * traces` is `_my_traces~<32 hex>` on disk (see `sanitizeSegment`).
   */
  traceDir?: string | undefined;
  /** Write JSONL trace files. Default true. */
  enableJsonl?: boolean | undefined;
  /** Print events. Default true. */
  enableConsole?: boolean | undefined;
  /** Where console text goes. Default: lines to `console.error`. */
  consoleStream?: ConsoleStream | undefined;
  /** The storage adapter for JSONL files. Default: the configured storage. */
  storage?: TraceStorage | undefined;
  /** The tracelet tracer recording the runs' spans; `false` for events only. Default: the agent layer's tracer. */
  spanTracer?: Tracer | false | undefined;
  /**
   * The redaction policy for every event. Default: the process-wide policy at the time a run
   * starts, so a tracer created before `configure({ redaction })` uses the configured policy.
   */
  redaction?: RedactionPolicy | undefined;
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
  dependencies?: Readonly<Record<string, unknown>> | undefined;
  /** The zero-argument function to run. */
  fn: () => R | Promise<R>;
}

/** What {@linkcode EventTracer.traceInfo} returns. */
export interface TraceInfoPayload {
  /** The request id asked about. */
  request_id: string;
  /**
   * Its latest JSONL path (see {@linkcode EventTracer.resolveLatestTracePath}), or null (none, or
   * JSONL is off): with a file-system storage the file's real path, else relative to the storage.
   */
  trace_path: string | null;
  /**
   * The trace directory: with a file-system storage its real path, else `traceDir` as given
   * (relative to the storage).
   */
  trace_dir: string;
}

/** Where `traceDir` is for one storage root (`root` undefined: not a file-system storage). */
interface Placement {
  readonly root: string | undefined;
  /** `traceDir`'s segments under the root, as given (the storage maps them). */
  readonly segments: string[];
  /** The same as the storage maps them, joined (`""` for the root). */
  readonly stored: string;
  /** The directory as `traceInfo` reports it. */
  readonly dir: string;
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

/** How many request ids an `EventTracer` remembers the path it built for. */
const MAX_KNOWN_PATHS = 1000;

/**
 * design_research_agents' event tracer: runs a callable as a traced run, writing its events
 * (run, model and tool calls, decisions) as JSONL lines in DRA's format to
 * `<traceDir>/run_<stamp>_<requestId>.jsonl`, printing them, and recording the run as tracelet
 * spans (on the agent layer's tracer unless `spanTracer` says otherwise). On by default; pass it
 * to the code that emits events, as DRA injects its tracer into runtimes.
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
  /** Directory of JSONL trace files, as given (see {@linkcode EventTracerOptions.traceDir}). */
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
  /**
   * The paths built per request id, with the time they were built: the latest
   * {@linkcode MAX_KNOWN_PATHS} ids, in the order they were last built.
   */
  readonly #latest = new Map<string, { path: string; at: number }>();
  #placed: Placement | undefined;

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
    if (this.enabled) prepareFlowRuns();
  }

  /**
   * Where `traceDir` is for the current storage: under a file-system storage's root (an absolute
   * directory outside it is reported once), else relative to the storage.
   */
  #place(): Placement {
    let storage = this.#storage;
    try {
      storage ??= apiConfig().storage;
    } catch {
      // No storage configured: paths relative to the storage (buildSinks reports it).
    }
    const root = fsRootOf(storage);
    if (this.#placed !== undefined && this.#placed.root === root) return this.#placed;
    const { segments, outside } = placeTraceDir(this.traceDir, root);
    const stored = segments.map(sanitizeSegment).join("/");
    const dir = root === undefined
      ? this.traceDir
      : stored === ""
      ? root || "/"
      : `${root}/${stored}`;
    if (outside) {
      reportOnce(
        `events_trace_dir_outside_root:${root}:${this.traceDir}`,
        "warn",
        "events_trace_dir_outside_root",
        `An EventTracer's traceDir ${this.traceDir} is outside the storage root ${root}, and ` +
          `nothing is written outside it: trace files go to ${dir}`,
      );
    }
    return (this.#placed = { root, segments, stored, dir });
  }

  /** The path of a file in the trace directory, as reported. */
  #pathOf(place: Placement, name: string): string {
    const relative = place.stored === "" ? name : `${place.stored}/${name}`;
    return place.root === undefined ? relative : `${place.root}/${relative}`;
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
   * The JSONL path of a run: `<traceDir>/run_<UTC stamp>_<id>.jsonl`, exactly as the storage
   * writes it: with a file-system storage the file's real path (its root joined), with any other
   * storage relative to the storage. When the id cannot be written as it is (a character other
   * than an ASCII letter, digit, `-` or `_`, or a name over 120 characters), the id part is its
   * ASCII form (each such character `_`), cut to fit, plus `_` and a 32-hex hash of the id as
   * given, so ids that sanitize alike (`a b`, `a/b`, `a_b`) get files of their own and the file
   * still matches `run_*.jsonl`. A `traceDir` segment that a storage rewrites (see
   * `sanitizeSegment`) appears rewritten.
   *
   * @param runId The run (request) id.
   * @returns The path, or undefined when JSONL output is off.
   */
  buildTracePath(runId: string): string | undefined {
    if (!this.enableJsonl) return undefined;
    const path = this.#pathOf(this.#place(), traceFileName(utcStamp(), runId));
    // The latest 1,000 ids, the least recently built forgotten first.
    if (!this.#latest.delete(runId) && this.#latest.size >= MAX_KNOWN_PATHS) {
      this.#latest.delete(this.#latest.keys().next().value!);
    }
    this.#latest.set(runId, { path, at: Date.now() });
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
   * The storage path of a trace path (with a file-system storage, a real path under its root or
   * one relative to it): one in the trace directory goes back to `traceDir`'s own segments (the
   * storage maps them again to the same place); any other is split at `/`. An absolute path
   * outside a file-system root is placed under it (reported once).
   */
  #logPath(tracePath: string): string[] {
    const place = this.#place();
    const { segments, outside } = placeTraceDir(tracePath, place.root);
    if (outside) {
      reportOnce(
        `events_trace_path_outside_root:${place.root}`,
        "warn",
        "events_trace_dir_outside_root",
        `A trace path outside the storage root ${place.root} is written under the root, path and all`,
      );
    }
    const name = segments.at(-1);
    if (name !== undefined && segments.slice(0, -1).join("/") === place.stored) {
      return [...place.segments, name];
    }
    return segments;
  }

  /**
   * The latest JSONL path of a request id. With a file-system storage, as design_research_agents
   * does: the newest file `run_<stamp>_<id>.jsonl` (or its hashed form, as
   * {@linkcode EventTracer.buildTracePath} names it) in the trace directory on disk (by
   * modification time), whichever process or tracer wrote it, or the path this tracer built last
   * if that is newer (a run not written yet). Needs Deno's or `node:fs`'s synchronous file API
   * (Node 20.16+, Bun); without it, and with any other storage (which cannot list files), only
   * the paths this tracer built in this process are known (for the latest 1,000 ids). A request
   * this tracer ran is answered from its own file while that file exists, without listing the
   * directory (which grows with every run).
   *
   * @param requestId The request id.
   * @returns The path, or undefined (none, or JSONL is off).
   */
  resolveLatestTracePath(requestId: string): string | undefined {
    if (!this.enableJsonl) return undefined;
    const known = this.#latest.get(requestId);
    const place = this.#place();
    if (place.root === undefined) return known?.path;
    // A run of this tracer whose file is on disk: one look at that file, not a listing of a
    // directory that grows with every run (a service asking on each request slowed down as its
    // runs piled up: 0.8 ms a call after 1,000 runs, 8 ms after 6,000).
    if (known !== undefined && isTraceFile(known.path)) return known.path;
    const idPart = traceFileIdPart(requestId);
    const found = newestTraceFile(place.dir, idPart);
    if (found === undefined) return known?.path;
    const path = this.#pathOf(place, found.name);
    return known !== undefined && (known.path === path || known.at >= found.time)
      ? known.path
      : path;
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
      trace_dir: this.#place().dir,
    };
  }

  /**
   * Runs a function as a traced run (see `withTraceRun`): `RunStarted` … `RunFinished` with the
   * success envelope `{success: true, output}` or the error, which is rethrown. The run's
   * session is closed on every exit path.
   *
   * @param options Agent name, request id, input, dependencies, function.
   * @returns What the function returned, once the run's events are written (at most 30 s later:
   *   a stalled storage is reported as `event_write_timeout`); rejects with a `TypeError` when
   *   `fn` is not a function.
   */
  runCallable<R>(options: RunCallableOptions<R>): Promise<R> {
    const o = ownFields(options);
    return withTraceRun({ ...o, tracer: this } as RunCallableOptions<R>, o.fn!);
  }
}
