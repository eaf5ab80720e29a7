/**
 * Event sinks: where normalized events go. The JSONL sink appends one line per event to a log in
 * a storage adapter (so it works with every adapter: files on Node/Deno/Bun, R2/KV/Durable
 * Objects on Workers, memory in tests).
 *
 * @module
 */
import { failureReason } from "../storage/_failure_reason.ts";
import { cutText } from "../cut_text.ts";
import { report } from "../diagnostics.ts";
import { countAtLeastOne } from "../number_option.ts";
import { trackWrites } from "../pending_writes.ts";
import { type ExitWriter, STALLED_APPEND_MS, writeAtExit } from "../runtime/_exit_sync.ts";
import { linesWritten } from "../storage/lines_written.ts";
import type { StoragePath, TraceStorage } from "../storage/types.ts";
import type { EventSink, TraceEvent } from "./event.ts";
import { eventLine } from "./event_line.ts";
import {
  holdEventLine,
  releaseEventLines,
  releaseEventLog,
  withReserve,
} from "./_pending_event_lines.ts";

/** Options of {@linkcode JsonlEventSink}. */
export interface JsonlEventSinkOptions {
  /**
   * Maximum lines waiting to be written; beyond it new events are dropped and counted, but for
   * those that start or finish a span or a run (types ending in `Started`, `Finished` or
   * `Failed`), which may use a reserve of a tenth more: a burst of tokens does not drop the
   * `ModelCallFinished` and `RunFinished` after it. Default 10000; anything but a finite number
   * of at least 1 means the default.
   */
  maxPending?: number | undefined;
  /**
   * Maximum bytes of the lines waiting to be written (newlines included); an event whose line
   * would pass it is dropped and counted, as beyond `maxPending` (with the same reserve of a tenth
   * for the events that start or finish a span or a run). The batch being written is not counted,
   * so at most about twice this is held while the storage stalls. Default 16 MiB (the span
   * pipeline's `maxQueueBytes`); anything but a finite number of at least 1 means the default.
   *
   * Every sink of the process together holds at most 100,000 lines and 64 MiB, the batches being
   * written included and a log with lines held counted 8 KiB more (for the state its write keeps),
   * a tenth more for the events that start or finish a span or a run: past that, new events are
   * dropped and counted as well, so a storage whose appends never settle does not keep every
   * run's lines in memory.
   */
  maxPendingBytes?: number | undefined;
}

/** Types that start or finish a span or a run: `RunStarted`, `ToolCallFailed`, … */
const OPENS_OR_CLOSES = /(?:Started|Finished|Failed)$/;

/**
 * Whether an event starts or finishes a span or a run: its type ends with `Started`, `Finished`
 * or `Failed` (`RunStarted`, `RunFinished`, `AgentRun*`, `ModelCallStarted` / `Finished` /
 * `Failed`, `ToolCall*`). They are few, one or two a span, and an analysis needs them (a run
 * without its `RunFinished` has no outcome), so a full queue keeps them within a reserve, while
 * point events (`ModelCallToken`, the decisions, the `*Observed` events, other types) are dropped.
 */
function opensOrCloses(event: TraceEvent): boolean {
  const type = event.event_type;
  return typeof type === "string" && OPENS_OR_CLOSES.test(type);
}

/** The most characters of a write error's text named in `event_write_failed`. */
const MAX_REASON = 300;

/** A write error's text on one line, cut (Deno's names the missing permission, Node's fields). */
function reasonOf(error: unknown): string {
  return cutText(failureReason(error), MAX_REASON);
}

/** The synchronous append of a file-system storage (`FsStorage.appendLinesSync`). */
interface SyncAppendStorage {
  appendLinesSync(path: StoragePath, lines: readonly string[], maybeWritten: number): void;
}

/** The storage when it can append synchronously, else undefined (also for one that throws). */
function syncAppender(storage: TraceStorage): SyncAppendStorage | undefined {
  try {
    const append = (storage as unknown as Partial<SyncAppendStorage>).appendLinesSync;
    return typeof append === "function" ? storage as unknown as SyncAppendStorage : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The storages whose appends are failing (their first failure reported), with the event lines
 * failed since then: shared by every sink on the storage.
 */
const FAILING_STORAGES = new WeakMap<TraceStorage, { unreported: number }>();

/**
 * Appends one JSON line per event to a storage log. Lines are written in order, batched while a
 * write is in flight; `close()` resolves when all of them are written. Failures are counted
 * ({@linkcode JsonlEventSink.failed}), never thrown, and reported as `event_write_failed` once per
 * run of failures, naming the error: a log that cannot be written at all (no permission) gives
 * one report, not one per batch; when an append succeeds again, the count of the lines that
 * failed after the reported ones follows. The queue is bounded in lines and in bytes
 * (`maxPending`, `maxPendingBytes`): past either bound events are dropped, counted and reported
 * (`event_queue_full`, once per overflow); events that start or finish a span or a run are kept
 * within a reserve of a tenth more. The lines of every sink of the process together, the batches
 * being written included, are bounded too (100,000 lines, 64 MiB; the overflow reported once for
 * all of them): a storage whose appends never settle does not keep every run's lines in memory.
 * While it has lines to write, a configuration's `forceFlush()` and `shutdown()` (and the exit
 * flush) wait for them too, for at most 30 s.
 *
 * With a file-system storage (Node, Deno, Bun), the lines still queued when the process ends
 * without waiting for them (`process.exit()`, `Deno.exit()`, an uncaught exception, an unhandled
 * rejection) are appended synchronously then, with the batch whose append was still running (left
 * out when the log already holds it near its end): the events of the moment before a crash reach the file.
 * Not when that append has been running for 10 s (a stalled storage, on which a synchronous
 * write would hang the exit): that is reported as `event_exit_write_skipped`.
 *
 * @example
 * ```ts
 * import { MemoryStorage } from "@tracelet/tracelet";
 * import { JsonlEventSink } from "@tracelet/tracelet/events";
 * const storage = new MemoryStorage();
 * const sink = new JsonlEventSink(storage, ["traces", "run_20260101T000000Z_r1.jsonl"]);
 * ```
 */
export class JsonlEventSink implements EventSink {
  /** The log the lines go to. */
  readonly path: StoragePath;
  readonly #storage: TraceStorage;
  readonly #maxPending: number;
  readonly #maxPendingBytes: number;
  /** The storage's synchronous append, used at exit (file-system storages only). */
  readonly #sync: SyncAppendStorage | undefined;
  readonly #exitWriter: ExitWriter = { writeNow: () => this.#writeNow() };
  #pending: string[] = [];
  /** Bytes of `#pending`, a newline per line included (the lines are ASCII). */
  #pendingBytes = 0;
  #writing: Promise<void> | undefined;
  /** The batch being appended and when its append started. */
  #inFlight: { readonly lines: string[]; readonly since: number } | undefined;
  /** The append running (or the last one), settled once its lines are counted as done. */
  #append: Promise<void> | undefined;
  /** Lines queued so far, and those whose append settled (written or failed). */
  #accepted = 0;
  #done = 0;
  #dropped = 0;
  #failed = 0;
  /** Dropping since the last append started (reported once). */
  #overflowing = false;

  /**
   * Creates a sink appending to one storage log.
   *
   * @param storage The storage adapter.
   * @param path The log's path segments, or a path string split at `/` (and `\`), as
   *   design_research_agents' `JSONLTraceSink(path)` takes; either way relative to the storage's
   *   root, empty and `.` segments left out.
   * @param options Bounds on lines waiting to be written (default 10000) and on their bytes
   *   (default 16 MiB).
   * @throws {TypeError} When `path` is neither an array of segments nor a string.
   */
  constructor(
    storage: TraceStorage,
    path: StoragePath | string,
    options: JsonlEventSinkOptions = {},
  ) {
    this.#storage = storage;
    if (typeof path === "string") {
      // Spread, a string became one directory per character (`t/r/a/c/e/s/...`).
      path = path.split(/[\\/]/).filter((segment) => segment !== "" && segment !== ".");
    } else if (!Array.isArray(path)) {
      throw new TypeError("JsonlEventSink: `path` must be an array of path segments or a string");
    }
    this.path = [...path];
    this.#maxPending = countAtLeastOne(options?.maxPending, 10_000);
    this.#maxPendingBytes = countAtLeastOne(options?.maxPendingBytes, 2 ** 24);
    this.#sync = syncAppender(storage);
  }

  /** Events dropped because too many lines, or bytes, were waiting. */
  get dropped(): number {
    return this.#dropped;
  }
  /** Lines whose write failed. */
  get failed(): number {
    return this.#failed;
  }

  /**
   * Queues the event's line; beyond `maxPending` waiting lines, or when it would pass
   * `maxPendingBytes`, it is dropped and counted (an event that starts or finishes a span or a
   * run only past a tenth more), and past the bound of every sink of the process together.
   *
   * @param event The event to append.
   */
  emit(event: TraceEvent): void {
    const edge = opensOrCloses(event);
    const maxLines = edge ? withReserve(this.#maxPending) : this.#maxPending;
    if (this.#pending.length >= maxLines) {
      return this.#drop(event, `${maxLines} lines are waiting`);
    }
    const line = eventLine(event);
    const maxBytes = edge ? withReserve(this.#maxPendingBytes) : this.#maxPendingBytes;
    if (this.#pendingBytes + line.length + 1 > maxBytes) {
      return this.#drop(
        event,
        `${this.#pendingBytes} bytes are waiting and the line has ${line.length + 1} ` +
          `(at most ${maxBytes})`,
      );
    }
    const held = holdEventLine(line.length + 1, edge, this.#writing === undefined);
    if (held !== undefined) {
      // Past the process-wide bound: reported once for every sink together.
      this.#dropped++;
      if (held !== "") this.#reportFull(event, held);
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length + 1;
    this.#accepted++;
    this.#writing ??= this.#drain();
  }

  #drop(event: TraceEvent, why: string): void {
    this.#dropped++;
    // Once per overflow, not per event: a stalled storage would print a warning per event.
    if (this.#overflowing) return;
    this.#overflowing = true;
    this.#reportFull(event, why);
  }

  #reportFull(event: TraceEvent, why: string): void {
    report(
      "warn",
      "event_queue_full",
      `Cannot queue ${event.event_type} events: ${why} (dropping; events that start or finish ` +
        "a span or a run are kept within a reserve of a tenth more)",
    );
  }

  async #drain(): Promise<void> {
    // Flushes of the configuration wait for the lines until they are written.
    const untrack = trackWrites(this);
    // The process may end before they are written (`process.exit()`, a crash): written then.
    const unlist = this.#sync === undefined ? undefined : writeAtExit(this.#exitWriter);
    // Let the caller's synchronous burst of events gather into one append.
    await Promise.resolve();
    while (this.#pending.length > 0) {
      const lines = this.#pending;
      const bytes = this.#pendingBytes;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#overflowing = false;
      this.#inFlight = { lines, since: Date.now() };
      await (this.#append = this.#write(lines, bytes));
      this.#inFlight = undefined;
    }
    this.#writing = undefined;
    releaseEventLog();
    unlist?.();
    untrack();
  }

  /**
   * Appends the lines queued, after the batch still being appended (left out by the storage when
   * the log holds it near its end), synchronously: the process is ending and no append will finish. Never
   * throws.
   */
  #writeNow(): void {
    const unsure = this.#inFlight?.lines ?? [];
    const lines = this.#pending;
    if (lines.length + unsure.length === 0) return;
    const path = this.path.join("/");
    if (this.#inFlight !== undefined && Date.now() - this.#inFlight.since >= STALLED_APPEND_MS) {
      return report(
        "warn",
        "event_exit_write_skipped",
        `Cannot append ${lines.length + unsure.length} events to ${path} as the process ends: ` +
          `an append has not finished for ${STALLED_APPEND_MS / 1000} s (a stalled storage)`,
      );
    }
    // The batch still being appended stays counted until that append settles.
    releaseEventLines(lines.length, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inFlight = undefined;
    try {
      this.#sync!.appendLinesSync(this.path, [...unsure, ...lines], unsure.length);
    } catch (error) {
      this.#failed += lines.length;
      this.#writeFailed(lines.length, error);
    } finally {
      this.#done += lines.length;
    }
  }

  /**
   * Appends one batch of `bytes`, counting and reporting what failed; the batch then no longer
   * counts against the process-wide bound.
   */
  async #write(lines: string[], bytes: number): Promise<void> {
    try {
      await this.#storage.appendLines(this.path, lines);
      this.#recovered();
    } catch (error) {
      // A full disk can fail an append part-way: its first lines are in the log.
      const failed = lines.length - linesWritten(error, lines.length);
      this.#failed += failed;
      if (failed > 0) this.#writeFailed(failed, error);
      else this.#recovered();
    } finally {
      this.#done += lines.length;
      releaseEventLines(lines.length, bytes);
    }
  }

  /**
   * Lines failed: reported with the error when appends to this storage were not failing yet, else
   * counted. Every run has a sink and a log of its own, so a storage that cannot be written (a
   * full disk, a root that is a file) gives one report, not one per run or batch.
   */
  #writeFailed(count: number, error: unknown): void {
    const failing = FAILING_STORAGES.get(this.#storage);
    if (failing !== undefined) {
      failing.unreported += count;
      return;
    }
    FAILING_STORAGES.set(this.#storage, { unreported: 0 });
    report(
      "error",
      "event_write_failed",
      `Cannot append ${count} event line(s) to ${this.path.join("/")}: ${reasonOf(error)} ` +
        "(further failures in this storage are counted, and reported only when an append to it " +
        "succeeds again)",
      error,
    );
  }

  /**
   * An append succeeded: when appends to this storage were failing, the count of the lines failed
   * since the reported ones is reported (if any).
   */
  #recovered(): void {
    const failing = FAILING_STORAGES.get(this.#storage);
    if (failing === undefined) return;
    FAILING_STORAGES.delete(this.#storage);
    if (failing.unreported === 0) return;
    report(
      "error",
      "event_write_failed",
      `Could not append ${failing.unreported} more event line(s) to logs in this storage before ` +
        `an append to ${this.path.join("/")} succeeded again: the logs miss them`,
    );
  }

  /**
   * Waits for the lines queued so far (not for those queued later, so a steady stream of events
   * cannot keep it waiting).
   *
   * @returns Resolves when every line queued before the call is written (or reported as failed).
   */
  async flush(): Promise<void> {
    const target = this.#accepted;
    // Before the first append of a burst starts, `#append` is the last one (settled): the loop
    // comes back after the drain has started the next.
    while (this.#done < target && this.#writing !== undefined) await this.#append;
  }

  /**
   * Flushes the sink; it holds no other resources.
   *
   * @returns The same as {@linkcode JsonlEventSink.flush}.
   */
  close(): Promise<void> {
    return this.flush();
  }
}
