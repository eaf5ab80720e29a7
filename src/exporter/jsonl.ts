/**
 * The JSONL exporter: one flat JSON line per finished span, in dreadnode's `span_to_flat_dict`
 * shape, appended to the run's or the session's log in a storage adapter.
 *
 * Each line is byte for byte what dreadnode writes, `json.dumps(span_to_flat_dict(span))` (see
 * `flat_span.ts`).
 *
 * Routing: a span with a session id goes to `sessions/<id>/chat_<id>.jsonl`; otherwise to
 * `projects/<project>/<run id>/spans.jsonl`, where the run id is `dreadnode.run.id` or, for spans
 * outside any run, the trace id (dreadnode silently drops those; tracelet keeps them). A storage
 * rewrites an id it cannot keep as it is (`user@example.com` becomes `_user_example~<hash>.com`,
 * its file `_chat_user_example.com~<hash>.jsonl`; see `storage/_sanitize.ts`); the file keeps
 * its `.jsonl` extension.
 *
 * @module
 */
import {
  ATTR_AGENT_SESSION_ID,
  ATTR_PROJECT,
  ATTR_RUN_ID,
  ATTR_SESSION_ID,
} from "../attribute_keys.ts";
import { report, reportOnce } from "../diagnostics.ts";
import { TracerError } from "../errors.ts";
import { emptyReport } from "../processor/report.ts";
import { cutText } from "../cut_text.ts";
import { flatSpanLine } from "./flat_span.ts";
import type { SpanExporter } from "../processor/types.ts";
import { STALLED_APPEND_MS } from "../runtime/_exit_sync.ts";
import { failureReason } from "../storage/_failure_reason.ts";
import { linesWritten } from "../storage/lines_written.ts";
import type { StoragePath, TraceStorage } from "../storage/types.ts";
import type { FlushReport, SpanRecord } from "../types.ts";

export { type FlatSpan, flatSpanLine, toFlatSpan } from "./flat_span.ts";

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The session id: the first of the two session keys holding a non-empty string (Python `or`). */
function sessionOf(span: SpanRecord): string | undefined {
  return nonEmptyString(span.attributes[ATTR_SESSION_ID]) ??
    nonEmptyString(span.attributes[ATTR_AGENT_SESSION_ID]);
}

/**
 * The storage path a span's line is written to.
 *
 * @param span The span.
 * @param project The project used when the span names none.
 * @returns Path segments.
 */
export function spanLogPath(span: SpanRecord, project: string): StoragePath {
  const session = sessionOf(span);
  if (session !== undefined) return ["sessions", session, `chat_${session}.jsonl`];
  return [
    "projects",
    nonEmptyString(span.attributes[ATTR_PROJECT]) ?? project,
    nonEmptyString(span.attributes[ATTR_RUN_ID]) ?? span.traceId,
    "spans.jsonl",
  ];
}

function samePath(a: StoragePath, b: StoragePath): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A storage that appends synchronously too (the file adapters, over a file system that can). */
interface SyncAppend {
  /** Appends at once; the first `maybeWritten` lines only when the log does not end with them. */
  appendLinesSync(path: StoragePath, lines: readonly string[], maybeWritten?: number): void;
  /** False when `appendLinesSync` would only throw (a file system without synchronous calls). */
  readonly appendsSync?: boolean;
}

/** Options of {@linkcode JsonlSpanExporter}. */
export interface JsonlSpanExporterOptions {
  /** Where lines are written. */
  storage: TraceStorage;
  /** Project for spans that name none: a non-empty string. Default `default`. */
  project?: string | undefined;
}

/**
 * Writes one flat JSON line per span into a storage adapter.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, JsonlSpanExporter, MemoryStorage, Tracer } from "@tracelet/tracelet";
 * const storage = new MemoryStorage();
 * const tracer = new Tracer({ processors: [new BatchSpanProcessor(new JsonlSpanExporter({ storage }))] });
 * tracer.startSpan("hello").end();
 * await tracer.shutdown();
 * ```
 */
export class JsonlSpanExporter implements SpanExporter {
  readonly #storage: TraceStorage;
  readonly #project: string;
  /**
   * Logs of traces outside any run or session written (once per batch each: a trace whose spans
   * come in two batches counts twice): each is a log (on a file system, a directory) of its own.
   */
  #plainTraces = 0;
  /** The storage is memory storage: its logs are bounded, the oldest lines evicted. */
  readonly #evicts: boolean;
  /** The appends of `export` still running, oldest first: written again at a crash if lost. */
  readonly #appending = new Set<Appending>();

  /**
   * Creates an exporter writing into `options.storage`.
   *
   * @param options Storage and default project (default `default`).
   * @throws {TracerError} `INVALID_CONFIG` without a storage, or for a project that is not a
   *   non-empty string.
   */
  constructor(options: JsonlSpanExporterOptions) {
    const { storage, project = "default" } = options ?? {};
    if (typeof storage?.appendLines !== "function") {
      throw new TracerError("INVALID_CONFIG", "Cannot create the JSONL exporter: no storage");
    }
    if (typeof project !== "string" || project === "") {
      throw new TracerError(
        "INVALID_CONFIG",
        "Cannot create the JSONL exporter: `project` must be a non-empty string",
      );
    }
    this.#storage = storage;
    this.#project = project;
    this.#evicts = storage.boundedLogs === true;
    const sync = storage as Partial<SyncAppend>;
    if (typeof sync.appendLinesSync === "function" && sync.appendsSync !== false) {
      this.exportSync = (spans) => {
        const batch = this.#group(spans);
        for (const log of batch.logs) {
          try {
            sync.appendLinesSync!(log.path, log.lines);
            batch.exported += log.lines.length;
          } catch (error) {
            written(batch, log, error);
          }
        }
        return settle(batch);
      };
    }
  }

  /**
   * Appends the spans' lines, one storage append per log. A span that cannot be encoded, or
   * whose log cannot be written, is counted as failed (with one diagnostic per kind of problem
   * per export, so a full disk does not print a line per log); the other spans are written. An
   * append that fails part-way (a full disk) counts the lines its storage reports written whole
   * as exported, and only the rest as failed.
   *
   * @param spans The batch.
   * @returns What was written; never rejects.
   */
  async export(spans: readonly SpanRecord[]): Promise<FlushReport> {
    const batch = this.#group(spans);
    await Promise.all(batch.logs.map(async (log) => {
      // Tracked only where the exit can write it again (a storage that appends synchronously).
      const appending = { log, since: Date.now() };
      if (this.exportSync) this.#appending.add(appending);
      try {
        await this.#storage.appendLines(log.path, log.lines);
        batch.exported += log.lines.length;
      } catch (error) {
        written(batch, log, error);
      } finally {
        this.#appending.delete(appending);
      }
    }));
    return settle(batch);
  }

  /**
   * Writes synchronously the lines of the appends {@linkcode JsonlSpanExporter.export} is still
   * running, each left out when its log already holds it near its end: the process is ending (an uncaught
   * error, `process.exit()`) and no append will finish, so the batch being written would be
   * lost, or, had it landed, written twice. Only with a storage that appends synchronously; an
   * append running for 10 s or more is skipped and reported (`span_exit_write_skipped`), since a
   * write to a stalled storage (a hung network mount) would hang the process's end. Never throws.
   *
   * @internal
   */
  exportInFlightSync(): void {
    const sync = this.#storage as Partial<SyncAppend>;
    if (!this.exportSync) return;
    // One report of each kind for all the logs (a batch of plain traces has a log per trace).
    let stalled = 0;
    let failed = 0;
    let error: unknown;
    for (const appending of this.#appending) {
      this.#appending.delete(appending);
      const { path, lines } = appending.log;
      try {
        if (Date.now() - appending.since >= STALLED_APPEND_MS) stalled += lines.length;
        else sync.appendLinesSync!(path, lines, lines.length);
      } catch (thrown) {
        failed += lines.length;
        error = thrown;
      }
    }
    if (stalled > 0) {
      report(
        "warn",
        "span_exit_write_skipped",
        `Cannot append ${stalled} span lines as the process ends: an append has not finished ` +
          `for ${STALLED_APPEND_MS / 1000} s (a stalled storage)`,
      );
    }
    if (failed > 0) {
      report(
        "error",
        "jsonl_write_failed",
        `Cannot append ${failed} span lines as the process ends: ${failureReason(error)}`,
        error,
      );
    }
  }

  /**
   * Writes the spans' lines at once, synchronously, as {@linkcode JsonlSpanExporter.export} does
   * (the same lines, logs and counts): present when the storage appends synchronously (the file
   * adapters). A batch processor whose queue is full writes its queue with it rather than drop
   * spans, so a program that never waits on I/O still gets every line.
   */
  readonly exportSync?: (spans: readonly SpanRecord[]) => FlushReport;

  /**
   * Counts a trace outside any run, which gets a log (on a file system, a directory) of its own:
   * the 1,000th is reported once (`local_log_per_trace`), since a service whose requests are
   * plain traces fills the disk with one directory per request (72,009 requests made 542 MB in
   * 72,009 directories) and the default configuration said nothing. Not in a storage that bounds
   * its logs (`boundedLogs`: memory storage, the default on Workers and in browsers, keeps them
   * within `maxLineBytes`, evicting the oldest lines, reported there as `storage_bound`), so
   * nothing piles up.
   */
  #plainTrace(): void {
    if (++this.#plainTraces !== PLAIN_TRACES_REPORTED || this.#evicts) return;
    reportOnce(
      "local_log_per_trace",
      "warn",
      "local_log_per_trace",
      `The local JSONL log has written ${PLAIN_TRACES_REPORTED} traces outside any run, each ` +
        `to a log of its own under projects/${this.#project}/ (a directory on a file system), ` +
        "and never deletes them: a service usually sets `local: false` (OTLP only) or runs its " +
        "requests inside `run()`",
    );
  }

  /** The spans' lines by log, with the spans that cannot be encoded counted. */
  #group(spans: readonly SpanRecord[]): Batch {
    const byLog = new Map<string, Log>();
    const batch: Batch = { logs: [], exported: 0, unencodable: 0, unwritable: 0, failedLogs: 0 };
    let last: Log | undefined;
    for (const span of spans) {
      try {
        const line = flatSpanLine(span);
        const path = spanLogPath(span, this.#project);
        // Spans of one run or trace tend to come together: the previous log, without a lookup.
        let entry = last !== undefined && samePath(path, last.path) ? last : undefined;
        if (entry === undefined) {
          const key = JSON.stringify(path); // distinct paths, distinct keys (a join could collide)
          entry = byLog.get(key);
          if (entry === undefined) {
            byLog.set(key, entry = { path, lines: [] });
            // A log named by its trace (no run, no session): counted once a batch, local root
            // or continued from a caller's traceparent alike.
            if (path[2] === span.traceId) this.#plainTrace();
          }
          last = entry;
        }
        entry.lines.push(line);
      } catch (error) {
        if (batch.unencodable++ === 0) batch.encodeError = error;
      }
    }
    batch.logs = [...byLog.values()];
    return batch;
  }
}

/** How many traces outside any run the local log writes before it says what that costs. */
const PLAIN_TRACES_REPORTED = 1000;

/** The lines of one log. */
interface Log {
  readonly path: StoragePath;
  readonly lines: string[];
}

/** An append of `export` still running, and since when. */
interface Appending {
  readonly log: Log;
  readonly since: number;
}

/** One export's logs and counts. */
interface Batch {
  logs: Log[];
  exported: number;
  unencodable: number;
  encodeError?: unknown;
  unwritable: number;
  failedLogs: number;
  writeError?: unknown;
}

/** Counts a failed append: a full disk can fail one part-way, its first lines in the log. */
function written(batch: Batch, { lines }: Log, error: unknown): void {
  const count = linesWritten(error, lines.length);
  batch.exported += count;
  if (count === lines.length) return;
  if (batch.failedLogs++ === 0) batch.writeError = error;
  batch.unwritable += lines.length - count;
}

/** The report of an export, with one diagnostic per kind of problem. */
function settle(batch: Batch): FlushReport {
  const result = emptyReport();
  result.exported = batch.exported;
  const { unencodable, unwritable } = batch;
  result.failed += unencodable + unwritable;
  if (unencodable > 0) {
    report(
      "error",
      "jsonl_encode_failed",
      `Cannot write ${unencodable} span lines: the spans cannot be encoded`,
      batch.encodeError,
    );
  }
  if (unwritable > 0) {
    // The cause in the message (Deno's names the missing permission), on one line, and once per
    // distinct error rather than on every batch (the flush report still counts every line); the
    // paths left out of the key, since each trace has its own log file: quoted as Node ('…') and
    // Deno (lstat '…') write them, or bare.
    const why = cutText(failureReason(batch.writeError), 200);
    reportOnce(
      `jsonl_write_failed:${why.replace(/(["'`]).*?\1|\/\S*|[A-Za-z]:\\\S*/g, "")}`,
      "error",
      "jsonl_write_failed",
      `Cannot append ${unwritable} span lines to ${batch.failedLogs} logs in storage: ${why} ` +
        `(reported once per distinct error)`,
      batch.writeError,
    );
  }
  return result;
}

/**
 * dreadnode's `LocalStorageSpanExporter(storage)` under its own name: the JSONL exporter itself
 * (dreadnode's is a thin wrapper delegating to `JsonlSpanExporter`, and is what its `configure`
 * installs). It takes the same options, writes the same lines to the same logs, and is an
 * `instanceof JsonlSpanExporter`.
 *
 * @example
 * ```ts
 * import { BatchSpanProcessor, LocalStorageSpanExporter, MemoryStorage, Tracer } from "@tracelet/tracelet";
 * const storage = new MemoryStorage();
 * const exporter = new LocalStorageSpanExporter({ storage });
 * const tracer = new Tracer({ processors: [new BatchSpanProcessor(exporter)] });
 * tracer.startSpan("hello").end();
 * await tracer.shutdown();
 * ```
 */
export class LocalStorageSpanExporter extends JsonlSpanExporter {}
