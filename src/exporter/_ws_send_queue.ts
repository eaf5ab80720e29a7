/**
 * The WebSocket exporter's queue: the messages waiting for the connection, oldest first, with
 * their total size, so that the exporter can bound it by count and by bytes.
 *
 * @module
 */
import { Fifo } from "../fifo.ts";
import type { Batch } from "./_ws_batch.ts";

/** A span's message waiting to be sent. */
export interface QueuedLine {
  /** The message (ASCII: its length is its size in bytes). */
  readonly line: string;
  /** The export it belongs to. */
  readonly batch: Batch;
}

/** Messages waiting to be sent, oldest first (a head-index queue: sending one is O(1)). */
export class SendQueue {
  readonly #entries = new Fifo<QueuedLine>();
  #bytes = 0;

  /** How many messages wait. */
  get length(): number {
    return this.#entries.length;
  }

  /** The summed length of the messages that wait. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Appends a message.
   *
   * @param entry The message and its export.
   */
  push(entry: QueuedLine): void {
    this.#entries.push(entry);
    this.#bytes += entry.line.length;
  }

  /**
   * Reads the oldest message without taking it.
   *
   * @returns The oldest message, or undefined when none waits.
   */
  peek(): QueuedLine | undefined {
    return this.#entries.peek();
  }

  /** Takes the oldest message (after it was sent or dropped). */
  shift(): void {
    const entry = this.#entries.shift();
    if (entry !== undefined) this.#bytes -= entry.line.length;
  }

  /**
   * Takes every message.
   *
   * @returns The messages, oldest first.
   */
  takeAll(): QueuedLine[] {
    this.#bytes = 0;
    return this.#entries.take(this.#entries.length);
  }

  /**
   * Takes out an export's messages, keeping the others in order.
   *
   * @param batch The export.
   * @returns How many messages were taken out.
   */
  removeBatch(batch: Batch): number {
    let bytes = 0;
    const removed = this.#entries.removeWhere((entry) => {
      if (entry.batch !== batch) return false;
      bytes += entry.line.length;
      return true;
    });
    this.#bytes -= bytes;
    return removed;
  }
}
