/**
 * How much of what was sent on a WebSocket connection has left the process. A socket's `send()`
 * only buffers a message; its `bufferedAmount` tells how many bytes it still holds. Counting the
 * bytes sent on the connection, the bytes written out are the sent ones less that amount.
 *
 * @module
 */
import { OPEN, type WebSocketLike } from "./_socket_client.ts";

/** The bytes sent on one connection and how many of them its socket has written out. */
export class WrittenBytes {
  #sent = 0;
  #written = 0;

  /** Bytes sent on the connection (each message's length: the lines are ASCII). */
  get sent(): number {
    return this.#sent;
  }

  /** Of those, the bytes the socket has written out, as last read (see `update`). */
  get written(): number {
    return this.#written;
  }

  /** Starts counting for a new connection: nothing sent, nothing written. */
  reset(): void {
    this.#sent = 0;
    this.#written = 0;
  }

  /**
   * Counts a message sent on the connection.
   *
   * @param bytes Its size.
   */
  add(bytes: number): void {
    this.#sent += bytes;
  }

  /**
   * Reads the written bytes off the socket's `bufferedAmount`: the sent bytes less it. Never
   * less than an earlier answer for the same connection.
   *
   * @param buffered What the socket holds unsent; undefined when it cannot tell (then the last
   *   reading stands).
   * @returns The written bytes.
   */
  update(buffered: number | undefined): number {
    if (buffered !== undefined && this.#sent - buffered > this.#written) {
      this.#written = this.#sent - buffered;
    }
    return this.#written;
  }
}

/**
 * An open socket's `bufferedAmount` (0 when it has none); undefined when it is not open, or on a
 * throw. A socket no longer open does not tell: clients report 0 once the connection broke,
 * whatever they had not sent. Never throws.
 *
 * @param socket A socket that has opened.
 * @returns The bytes it holds unsent, or undefined.
 */
export function openBufferedAmount(socket: WebSocketLike): number | undefined {
  try {
    if (socket.readyState !== OPEN) return undefined;
    const buffered = socket.bufferedAmount;
    return typeof buffered === "number" && buffered > 0 ? buffered : 0;
  } catch {
    return undefined; // unusable here: the next use reports it
  }
}

/**
 * Whether the socket holds more than `max` bytes unsent (its `bufferedAmount`; none when it does
 * not report it). Throws what reading the socket throws.
 *
 * @param socket The socket.
 * @param max The bound (`maxBufferedBytes`).
 * @returns True when its buffer is over the bound.
 */
export function holdsMoreThan(socket: WebSocketLike, max: number): boolean {
  return (socket.bufferedAmount ?? 0) > max;
}
