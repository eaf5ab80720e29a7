/**
 * The failures of a trace session's sinks, reported once per run of failures: a sink that throws
 * on every event (a closed socket) gives one `event_sink_failed` report when it first fails, and
 * one more with the count of the events it failed on since, when it delivers an event again or
 * its session closes; not one report per event (10,000 for a streamed answer).
 *
 * @internal
 * @module
 */
import { report } from "../diagnostics.ts";

/** A failing sink's failures since its first one was reported. */
interface Failing {
  /** Events it failed on after the reported one. */
  count: number;
  /** What the last of them threw. */
  last: unknown;
  /** The type of the last event it failed on. */
  lastType: string;
}

/** The failing sinks of one session, by their index in its sink list. */
export class SinkFailures {
  readonly #runId: string;
  readonly #failing = new Map<number, Failing>();

  /**
   * Tracks the sinks of one run.
   *
   * @param runId The run id, named in the reports.
   */
  constructor(runId: string) {
    this.#runId = runId;
  }

  /**
   * A sink failed to take an event: reported when the sink was delivering, else counted.
   *
   * @param index The sink's index in the session's list.
   * @param type The event type.
   * @param error What its `emit` threw, or the rejection of what it returned.
   */
  failed(index: number, type: string, error: unknown): void {
    const failing = this.#failing.get(index);
    if (failing !== undefined) {
      failing.count++;
      failing.last = error;
      failing.lastType = type;
      return;
    }
    this.#failing.set(index, { count: 0, last: undefined, lastType: type });
    report(
      "error",
      "event_sink_failed",
      `Cannot deliver a ${type} event of run ${this.#runId}: a sink failed (its further ` +
        "failures are counted and reported when it delivers an event again or the run ends)",
      error,
    );
  }

  /**
   * A sink took an event: when it was failing, the count of the events it failed on since the
   * reported failure is reported.
   *
   * @param index The sink's index in the session's list.
   */
  delivered(index: number): void {
    if (this.#failing.size === 0) return;
    const failing = this.#failing.get(index);
    if (failing === undefined) return;
    this.#failing.delete(index);
    this.#summarize(failing, "before it delivered an event again");
  }

  /** Reports the count of every sink still failing (the session closed). */
  close(): void {
    for (const failing of this.#failing.values()) this.#summarize(failing, "until the run ended");
    this.#failing.clear();
  }

  #summarize(failing: Failing, until: string): void {
    if (failing.count === 0) return;
    report(
      "error",
      "event_sink_failed",
      `A sink of run ${this.#runId} failed on ${failing.count} more event(s) ${until} (the ` +
        `last a ${failing.lastType} event)`,
      failing.last,
    );
  }
}
