/**
 * The WebSocket exporter's queue with its bounds: at most `maxQueuedMessages` messages of at most
 * `maxQueuedBytes` in all wait for the connection, and a flush or shutdown can wait until none
 * does.
 *
 * @module
 */
import { settlesWithin } from "../settles_within.ts";
import { SendQueue } from "./_ws_send_queue.ts";

/** A {@linkcode SendQueue} bounded by count and bytes, that tells when it has emptied. */
export class BoundedSendQueue extends SendQueue {
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  /** Resolves the waits of {@linkcode BoundedSendQueue.whenDrained}. */
  #drained: (() => void)[] = [];

  /**
   * Creates the empty queue.
   *
   * @param maxMessages The most messages it holds (`maxQueuedMessages`).
   * @param maxBytes The most bytes its messages add up to (`maxQueuedBytes`).
   */
  constructor(maxMessages: number, maxBytes: number) {
    super();
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
  }

  /**
   * Whether a message of `size` bytes finds no room: the queue holds `maxQueuedMessages`, or
   * would hold more than `maxQueuedBytes` with it. An empty queue takes any message.
   *
   * @param size The message's size in bytes.
   * @returns True when the message must not be queued.
   */
  full(size: number): boolean {
    return this.length > 0 &&
      (this.length >= this.#maxMessages || this.bytes + size > this.#maxBytes);
  }

  /** Ends the waits of {@linkcode BoundedSendQueue.whenDrained} if the queue is empty now. */
  notifyIfDrained(): void {
    if (this.length > 0) return;
    const waiters = this.#drained;
    this.#drained = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Waits until the queue is empty (as told by {@linkcode BoundedSendQueue.notifyIfDrained}), at
   * most until `deadline`.
   *
   * @param deadline Epoch-ms time limit.
   */
  async whenDrained(deadline: number): Promise<void> {
    if (this.length === 0) return;
    const drained = new Promise<void>((resolve) => this.#drained.push(resolve));
    await settlesWithin(drained, deadline - Date.now());
  }
}
