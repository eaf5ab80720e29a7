/**
 * The process-wide bound on event lines waiting to be written: the lines every JSONL event sink
 * holds, queued or in an append that has not settled, count against one total. Each log is bounded
 * on its own too, but every run has a log of its own: on a storage whose appends never settle (a
 * hung network mount, a stuck R2 request) each finished run would leave its lines in memory, and
 * memory would grow with every run. Past this bound new lines are dropped.
 *
 * A log with lines held counts {@linkcode LOG_BYTES} more: an append that does not settle keeps
 * its sink and its run's state as well, a few KB however few its lines are.
 *
 * The count is shared by every copy of tracelet in the process (as the list of pending writes is):
 * memory is the process's.
 *
 * @module
 */

/** Default bound on the bytes held: four logs at their own 16 MiB bound. */
const MAX_BYTES = 2 ** 26;
/** Default bound on the lines held: ten logs at their own 10,000-line bound. */
const MAX_LINES = 100_000;
/**
 * What a log with lines held counts beyond its lines: the state a write that does not settle
 * keeps (its sink, its promises, its run's session; 6.4 KB measured on Node 20 for a run of the
 * events layer).
 */
export const LOG_BYTES = 8192;

interface HeldLinesSlot {
  /** Lines held (queued or being appended), their bytes (newlines included) and their logs. */
  lines: number;
  bytes: number;
  logs: number;
  maxLines: number;
  maxBytes: number;
  /** Dropping since the count last fell to half the bound (reported once). */
  overflowing: boolean;
}

const SLOT = Symbol.for("tracelet.pendingEventLines.v1");
const slots = globalThis as unknown as Record<symbol, HeldLinesSlot | undefined>;

function slot(): HeldLinesSlot {
  return slots[SLOT] ??= {
    lines: 0,
    bytes: 0,
    logs: 0,
    maxLines: MAX_LINES,
    maxBytes: MAX_BYTES,
    overflowing: false,
  };
}

/**
 * A bound with the reserve of the events that start or finish a span or a run: a tenth more.
 *
 * @param bound The bound.
 * @returns The bound plus a tenth (rounded up).
 */
export function withReserve(bound: number): number {
  return bound + Math.ceil(bound / 10);
}

/**
 * Counts one line as held when it fits the process-wide bound (with `reserve`, a tenth more: for
 * the events that start or finish a span or a run).
 *
 * @param bytes The line's bytes, its newline included.
 * @param reserve Whether the line may use the reserve.
 * @param firstOfLog Whether its log holds no line yet: {@linkcode LOG_BYTES} more are counted,
 *   until {@linkcode releaseEventLog}.
 * @returns Undefined when it is counted; else why it does not fit the first time of an overflow
 *   (the text of the diagnostic), or an empty string when the overflow is already reported.
 */
export function holdEventLine(
  bytes: number,
  reserve: boolean,
  firstOfLog: boolean,
): string | undefined {
  const s = slot();
  const maxLines = reserve ? withReserve(s.maxLines) : s.maxLines;
  const maxBytes = reserve ? withReserve(s.maxBytes) : s.maxBytes;
  const cost = firstOfLog ? bytes + LOG_BYTES : bytes;
  if (s.lines < maxLines && s.bytes + cost <= maxBytes) {
    s.lines++;
    s.bytes += cost;
    if (firstOfLog) s.logs++;
    return undefined;
  }
  if (s.overflowing) return "";
  s.overflowing = true;
  return `the event logs of this process hold ${s.lines} lines and ${s.bytes} bytes waiting to ` +
    `be written (${s.logs} logs, each counted ${LOG_BYTES} bytes more), at the process-wide ` +
    `bound of ${maxLines} lines and ${maxBytes} bytes (is a storage stalled?); reported once ` +
    "for every log together, again after the count fell to half the bound";
}

/**
 * Counts lines as no longer held: written, failed, or taken by a synchronous append at exit.
 *
 * @param lines How many.
 * @param bytes Their bytes, newlines included.
 */
export function releaseEventLines(lines: number, bytes: number): void {
  const s = slot();
  s.lines = Math.max(0, s.lines - lines);
  s.bytes = Math.max(0, s.bytes - bytes);
  if (s.lines * 2 <= s.maxLines && s.bytes * 2 <= s.maxBytes) s.overflowing = false;
}

/** Counts a log as holding no line any more (its {@linkcode LOG_BYTES} released). */
export function releaseEventLog(): void {
  slot().logs--;
  releaseEventLines(0, LOG_BYTES);
}

/**
 * What every JSONL event sink of the process holds now (for tests).
 *
 * @returns The lines, their bytes (with {@linkcode LOG_BYTES} for each log) and their logs.
 * @internal
 */
export function heldEventLines(): { lines: number; bytes: number; logs: number } {
  const { lines, bytes, logs } = slot();
  return { lines, bytes, logs };
}

/**
 * Sets the process-wide bound (for tests).
 *
 * @param maxLines Lines.
 * @param maxBytes Bytes, newlines included.
 * @returns The previous bound, as `[maxLines, maxBytes]`.
 * @internal
 */
export function setEventLineBound(maxLines: number, maxBytes: number): [number, number] {
  const s = slot();
  const previous: [number, number] = [s.maxLines, s.maxBytes];
  s.maxLines = maxLines;
  s.maxBytes = maxBytes;
  return previous;
}
