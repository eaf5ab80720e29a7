/**
 * A concurrency limit: at most `max` tasks run at once, the others start in call order as running
 * ones settle. The fs adapters run every file operation through one, so a batch that touches
 * hundreds of logs never holds hundreds of file descriptors at once (which fails with `EMFILE`
 * under macOS's default limit of 256 open files).
 *
 * @module
 */

import { Fifo } from "../fifo.ts";

/** Runs async tasks with at most `max` of them in flight. */
export class ConcurrencyLimit {
  readonly #max: number;
  readonly #waiting = new Fifo<() => void>(); // resolves of the tasks waiting for a slot
  #active = 0;

  /** @param max The most tasks in flight (at least 1). */
  constructor(max: number) {
    this.#max = Math.max(1, max);
  }

  /**
   * Runs a task once fewer than `max` tasks are in flight.
   *
   * @param task The work.
   * @returns The task's result.
   */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.#max) this.#active++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next(); // the slot passes on
      else this.#active--;
    }
  }
}
