/**
 * The WebSocket exporter's reconnect backoff. After a failed connection attempt no new socket
 * opens for 100 ms, doubling per failure up to 30 s (each less a random part of up to half, the
 * jitter). It is a time, not a timer, so it holds no process open and spans no Worker request
 * beyond its length.
 *
 * An attempt fails when it does not open (refused, error, connect timeout, a throwing client), and
 * also when the server ends the connection within {@linkcode STABLE_CONNECTION_MS} of its opening:
 * a server that accepts the upgrade and closes at once (an unknown run or a bad token, 1008; an
 * internal error, 1011; a message over its limit, 1009) would otherwise get a new connection per
 * export. The failures are forgotten once a connection has stayed open that long, or was closed by
 * this side (idle), not merely once one opens.
 *
 * @module
 */

/** The first backoff after a failed connection attempt, in ms; it doubles per failure. */
const BACKOFF_MIN_MS = 100;
/** The longest backoff, in ms. */
const BACKOFF_MAX_MS = 30_000;

/**
 * How long, in ms, a connection must stay open before the server's ending it is a loss rather than
 * a failed attempt (a server that rejects a connection does so at once).
 */
export const STABLE_CONNECTION_MS = 2_000;

/** Failed connection attempts in a row, and the time before which no new one starts. */
export class ConnectBackoff {
  /** Connection attempts failed in a row. */
  #failures = 0;
  /** Epoch-ms time before which no new socket opens. */
  #retryAt = 0;

  /**
   * Whether a new connection must wait.
   *
   * @returns True while the backoff runs.
   */
  waiting(): boolean {
    return Date.now() < this.#retryAt;
  }

  /** An attempt failed: no new one before 100 ms × 2^(failures − 1), capped, jittered. */
  failed(): void {
    const limit = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(this.#failures++, 20));
    this.#retryAt = Date.now() + limit * (0.5 + Math.random() / 2);
  }

  /** A connection proved usable: the next failure backs off from 100 ms again. */
  succeeded(): void {
    this.#failures = 0;
    this.#retryAt = 0;
  }
}
