/**
 * A keyed promise chain: tasks with the same key run one after another, in call order; tasks with
 * different keys run concurrently. Used by the storage adapters so appends to one file never
 * interleave and reads see every write queued before them.
 *
 * @module
 */

const ignore = (): void => {};

/** Runs async tasks one at a time per key. A key's chain is forgotten as soon as it is idle. */
export class SerialQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Queues a task behind every earlier task with the same key.
   *
   * @param key What the task works on, e.g. a file path.
   * @param task The work; its failure rejects only its own promise, never later tasks.
   * @returns The task's result.
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(ignore, ignore);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /**
   * Resolves when every task queued so far (and any queued while waiting) has settled.
   *
   * @returns A promise that never rejects.
   */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails.values());
  }
}
