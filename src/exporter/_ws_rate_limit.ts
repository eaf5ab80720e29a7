/**
 * A warning the WebSocket exporter gives at most once per interval (a server that closes every
 * connection, or spans too large on every export, must not flood the host's logs), counting what
 * it held back meanwhile so the next warning can tell.
 *
 * @module
 */

/** The interval of the exporter's repeated warnings, in ms. */
export const WARNING_INTERVAL_MS = 10_000;

/** Lets one kind of event through at most once per interval; counts the ones held back. */
export class RateLimit {
  readonly #interval: number;
  #last = -Infinity;
  #held = 0;

  /**
   * Creates the limit; the first event always passes.
   *
   * @param intervalMillis Least time between two events let through.
   */
  constructor(intervalMillis: number = WARNING_INTERVAL_MS) {
    this.#interval = intervalMillis;
  }

  /**
   * Counts `count` occurrences of the event.
   *
   * @param count How many occurrences this is (e.g. spans dropped).
   * @returns When it may be reported now: how many occurrences were held back since the last
   *   report (0 for none); when it is held back: undefined.
   */
  pass(count = 1): number | undefined {
    const now = Date.now();
    if (now - this.#last < this.#interval) {
      this.#held += count;
      return undefined;
    }
    this.#last = now;
    const held = this.#held;
    this.#held = 0;
    return held;
  }
}
