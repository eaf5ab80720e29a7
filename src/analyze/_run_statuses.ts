/**
 * Runs' terminal success or failure in the trace analysis, in bounded memory. An event run takes
 * its status from `RunFinished` (which wins) or `AgentRunFinished`; a span run succeeds when none
 * of its root spans failed; a span status wins over an event one. Exact while at most `maxIds`
 * runs have a status (and their ids fit the budget); past that, the run whose status changed
 * least recently is counted as it stands and forgotten, so a run whose status comes again after
 * `maxIds` other runs' is counted twice.
 *
 * @module
 */
import { detachedString } from "./_detached_string.ts";
import type { DistinctCountLimits } from "./_distinct_count.ts";

// A run's status, as bits.
const FROM_EVENT = 1;
const FROM_RUN_FINISHED = 2;
const EVENT_SUCCESS = 4;
const FROM_SPAN = 8;
const SPAN_SUCCESS = 16;

const succeeded = (status: number) =>
  (status & FROM_SPAN) !== 0 ? (status & SPAN_SUCCESS) !== 0 : (status & EVENT_SUCCESS) !== 0;

/** Terminal statuses by run. */
export class RunStatuses {
  readonly #limits: DistinctCountLimits;
  /** Statuses by run, least recently changed first. */
  readonly #statuses = new Map<string, number>();
  #chars = 0;
  /** Runs counted and forgotten. */
  #forgotten = 0;
  #forgottenSucceeded = 0;
  /** Walks the statuses from the least recently changed (see `#forgetOldest`). */
  #oldest: MapIterator<[string, number]> | undefined;

  /**
   * Starts with no runs.
   *
   * @param limits The bounds.
   */
  constructor(limits: DistinctCountLimits) {
    this.#limits = limits;
  }

  /** Whether no run was forgotten (the counts are exact). */
  get exact(): boolean {
    return this.#forgotten === 0;
  }

  /**
   * A `RunFinished` (`fromRun`) or `AgentRunFinished` event.
   *
   * @param run The run id.
   * @param fromRun Whether it is `RunFinished`.
   * @param success Its `success`.
   */
  event(run: string, fromRun: boolean, success: boolean): void {
    const status = this.#statuses.get(run) ?? 0;
    if (!fromRun && (status & FROM_RUN_FINISHED) !== 0) return;
    const event = FROM_EVENT | (fromRun ? FROM_RUN_FINISHED : 0) | (success ? EVENT_SUCCESS : 0);
    this.#set(run, (status & (FROM_SPAN | SPAN_SUCCESS)) | event);
  }

  /**
   * A run's root span.
   *
   * @param run The run id.
   * @param failed Whether its status is `ERROR`.
   */
  rootSpan(run: string, failed: boolean): void {
    const status = this.#statuses.get(run);
    const ok = (status === undefined || (status & FROM_SPAN) === 0 ||
      (status & SPAN_SUCCESS) !== 0) && !failed;
    this.#set(run, ((status ?? 0) & ~SPAN_SUCCESS) | FROM_SPAN | (ok ? SPAN_SUCCESS : 0));
  }

  /** Runs with a terminal status, and those that succeeded. */
  counts(): { terminal: number; succeeded: number } {
    let ok = this.#forgottenSucceeded;
    for (const status of this.#statuses.values()) if (succeeded(status)) ok++;
    return { terminal: this.#forgotten + this.#statuses.size, succeeded: ok };
  }

  #set(run: string, status: number): void {
    const kept = detachedString(run);
    // Deleted first, so that the run moves last: it changed most recently.
    if (!this.#statuses.delete(run)) this.#chars += kept.length;
    this.#statuses.set(kept, status);
    while (
      this.#statuses.size > 1 &&
      (this.#statuses.size > this.#limits.maxIds || this.#chars > this.#limits.maxChars)
    ) {
      this.#forgetOldest();
    }
  }

  /**
   * Counts and forgets the run whose status changed least recently. One iterator walks the map
   * for good (a run that changed again was moved after it): a new iterator would skip every entry
   * deleted before it, each time.
   */
  #forgetOldest(): void {
    let next = this.#oldest?.next();
    if (next === undefined || next.done) {
      this.#oldest = this.#statuses.entries();
      next = this.#oldest.next();
    }
    const [run, status] = next.value as [string, number];
    this.#statuses.delete(run);
    this.#chars -= run.length;
    this.#forgotten++;
    if (succeeded(status)) this.#forgottenSucceeded++;
  }
}
