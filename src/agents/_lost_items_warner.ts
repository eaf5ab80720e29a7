/**
 * The diagnostics of trace items the OpenAI backend exporter could not send: each code at most
 * once a minute (a backend that is down must not flood the host's logs), every secret masked, and
 * each report after the first saying how many items were lost since the previous one of its code,
 * so that what was lost in between is never hidden.
 *
 * @internal
 * @module
 */
import type { DiagnosticLevel } from "../diagnostics.ts";
import { throttledWarner, type Warn } from "../exporter/_warn.ts";

/** Reports lost trace items, per code at most once an interval, with the count since the last. */
export class LostItemsWarner {
  /** Masks secrets; the throttling is this class's (interval 0: it reports every call). */
  readonly #warn: Warn;
  readonly #intervalMillis: number;
  /** Per code: when it was last reported, and the items lost since then. */
  readonly #codes = new Map<string, { at: number; lost: number }>();

  /**
   * @param secrets Values that must never appear in a diagnostic (the API key, the query).
   * @param intervalMillis Shortest time between two reports of a code.
   */
  constructor(secrets: readonly string[], intervalMillis = 60_000) {
    this.#warn = throttledWarner(secrets, 0);
    this.#intervalMillis = intervalMillis;
  }

  /**
   * Counts `count` lost items under `code`, and reports `message` unless the code was reported
   * less than the interval ago; a report after the first starts with the items lost since the
   * previous one (these included).
   *
   * @param code The diagnostic code.
   * @param count The items lost.
   * @param message Why, with their count.
   * @param level The diagnostic level.
   * @param secrets More values to mask in this message.
   */
  lost(
    code: string,
    count: number,
    message: string,
    level: DiagnosticLevel = "error",
    secrets: readonly string[] = [],
  ): void {
    let state = this.#codes.get(code);
    if (state === undefined) this.#codes.set(code, state = { at: -Infinity, lost: 0 });
    state.lost += count;
    const now = Date.now();
    if (now - state.at < this.#intervalMillis) return;
    const since = state.at === -Infinity
      ? ""
      : `${state.lost} trace items lost since the previous report (one a minute at most); ` +
        "the latest: ";
    state.at = now;
    state.lost = 0;
    this.#warn(code, since + message, level, secrets);
  }
}
