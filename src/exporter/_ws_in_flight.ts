/**
 * The spans the WebSocket exporter has sent on the open connection but its socket has not written
 * out yet. `send()` only hands a message to the socket, which buffers what the network has not
 * taken (its `bufferedAmount`); what it still buffers when the connection ends is lost. So a sent
 * span counts as exported once the socket's written bytes (sent − buffered) have passed its
 * message, and as dropped if the connection ends first. While sent spans wait, the socket's
 * `bufferedAmount` is read again on a timer (at most every 10 ms).
 *
 * @module
 */
import { Fifo } from "../fifo.ts";
import { type Batch, settleBatch } from "./_ws_batch.ts";

/** How often, in ms, the socket's `bufferedAmount` is read while sent spans wait to be written. */
const WRITE_POLL_MS = 10;

/** A sent span: where its message ends in the bytes sent on the connection, and its export. */
interface SentLine {
  readonly end: number;
  readonly batch: Batch;
}

/** What {@linkcode InFlight} reads of the connection (a `ReconnectingSocket`). */
export interface WrittenBytesSource {
  /** The bytes sent on the current connection that its socket has written out, read now. */
  written(): number;
  /** The bytes the open connection's socket holds unsent; 0 without one. */
  buffered(): number;
}

/**
 * Sent spans not yet written out, in the order sent, and the timer that reads the socket again
 * while some wait.
 */
export class InFlight {
  readonly #entries = new Fifo<SentLine>();
  readonly #connection: WrittenBytesSource;
  /** Reads the socket's `bufferedAmount` again while spans wait. */
  #poll: ReturnType<typeof setTimeout> | undefined;

  /**
   * Creates the empty list.
   *
   * @param connection Tells how many of the bytes sent on the connection were written out.
   */
  constructor(connection: WrittenBytesSource) {
    this.#connection = connection;
  }

  /** How many sent spans wait for the socket to write them. */
  get length(): number {
    return this.#entries.length;
  }

  /**
   * Records a sent span.
   *
   * @param end The bytes sent on the connection, this span's message included.
   * @param batch Its export.
   */
  add(end: number, batch: Batch): void {
    this.#entries.push({ end, batch });
  }

  /**
   * Counts the sent spans the socket has written out as exported; while some are not, reads its
   * `bufferedAmount` again after `wait` ms (0 just after sending: clients that buffer every
   * message mostly write it out in the next turn of the event loop), then after twice as long
   * each time (at least 1 ms), at most 10 ms.
   *
   * @param wait Ms until the next read, if one is needed and none is scheduled.
   */
  confirmWritten(wait: number): void {
    if (this.#entries.length > 0) this.#confirm(this.#connection.written());
    if (this.#entries.length === 0) return this.stopPolling();
    // A plain timer, as the wait for an export is (the open socket keeps a process running anyway).
    this.#poll ??= setTimeout(() => {
      this.#poll = undefined;
      this.confirmWritten(Math.min(WRITE_POLL_MS, Math.max(1, wait * 2)));
    }, wait);
  }

  /** Cancels the scheduled read of the socket, if any. Never throws. */
  stopPolling(): void {
    try {
      if (this.#poll !== undefined) clearTimeout(this.#poll);
    } catch { /* a timer of another request (workerd): it cannot fire here */ }
    this.#poll = undefined;
  }

  /**
   * Waits, reading it every 10 ms, until the open socket holds nothing
   * unsent (or there is none), at most until `deadline`, counting what it wrote out meanwhile.
   * Each wait is a plain timer that has fired when this returns.
   *
   * @param deadline Epoch-ms time limit.
   */
  async whenWritten(deadline: number): Promise<void> {
    for (let left = deadline - Date.now(); this.#connection.buffered() > 0 && left > 0;) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(WRITE_POLL_MS, left)));
      this.confirmWritten(WRITE_POLL_MS);
      left = deadline - Date.now();
    }
  }

  /**
   * The connection ended: spans it had written count as exported, the others as dropped.
   *
   * @param written The bytes sent on it known to be written out.
   * @param reason Why the rest are dropped.
   * @returns How many spans were dropped.
   */
  end(written: number, reason: string): number {
    this.#confirm(written);
    const lost = this.#entries.take(this.#entries.length);
    for (const entry of lost) settleBatch(entry.batch, reason);
    return lost.length;
  }

  /**
   * An export's deadline or abort came while its spans were still being written: they count as
   * exported (handed to the open socket, they may still arrive) and its export resolves.
   *
   * @param batch The export.
   */
  release(batch: Batch): void {
    settleBatch(batch, "exported", this.#entries.removeWhere((entry) => entry.batch === batch));
  }

  /** Counts as exported every span whose message the socket has written (`written` bytes). */
  #confirm(written: number): void {
    for (let entry = this.#entries.peek(); entry !== undefined && entry.end <= written;) {
      this.#entries.shift();
      settleBatch(entry.batch, "exported");
      entry = this.#entries.peek();
    }
  }
}
