/**
 * The in-memory event sink: keeps events for tests and in-process consumers, bounded.
 *
 * @module
 */
import { countAtLeastOne } from "../number_option.ts";
import type { EventSink, TraceEvent } from "./event.ts";

/**
 * A sink that keeps events in memory (for tests and in-process consumers), bounded.
 */
export class MemoryEventSink implements EventSink {
  /** The events received, oldest first. */
  readonly events: TraceEvent[] = [];
  readonly #max: number;
  #dropped = 0;
  /** True once closed. */
  closed = false;

  /**
   * Creates an empty sink.
   *
   * @param max Maximum events kept; further ones are counted as dropped. Default 100000;
   *   anything but a finite number of at least 1 means the default.
   */
  constructor(max: number = 100_000) {
    this.#max = countAtLeastOne(max, 100_000);
  }

  /** Events dropped by the bound. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Keeps the event, or counts it as dropped once `max` are kept.
   *
   * @param event The event.
   */
  emit(event: TraceEvent): void {
    if (this.events.length >= this.#max) this.#dropped++;
    else this.events.push(event);
  }

  /** Marks the sink closed. */
  close(): void {
    this.closed = true;
  }
}
