/**
 * The spans the WebSocket exporter has sent on the open connection but its socket has not written
 * out yet. `send()` only hands a message to the socket, which buffers what the network has not
 * taken (its `bufferedAmount`); what it still buffers when the connection ends is lost. So a sent
 * span counts as exported once the socket's written bytes (sent − buffered) have passed its
 * message, and as dropped if the connection ends first.
 *
 * @module
 */
import { Fifo } from "../fifo.ts";
import { type Batch, settleBatch } from "./_ws_batch.ts";

/** A sent span: where its message ends in the bytes sent on the connection, and its export. */
interface SentLine {
  readonly end: number;
  readonly batch: Batch;
}

/** Sent spans not yet written out, in the order sent. */
export class InFlight {
  readonly #entries = new Fifo<SentLine>();

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
   * Counts as exported every span whose message the socket has written.
   *
   * @param written The bytes sent on the connection that the socket has written out.
   */
  confirm(written: number): void {
    for (let entry = this.#entries.peek(); entry !== undefined && entry.end <= written;) {
      this.#entries.shift();
      settleBatch(entry.batch, "exported");
      entry = this.#entries.peek();
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
    this.confirm(written);
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
}
