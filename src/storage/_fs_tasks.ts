/**
 * How one fs storage object schedules its file operations: one promise chain per absolute path,
 * shared by every fs storage object of the process (two objects on one root, as when
 * `configure()` replaces a pipeline, still append one batch after the other), at most 16
 * operations of one object at once (a batch spread over many logs must not run out of file
 * descriptors), and every operation kept for `close()` to wait for.
 *
 * @module
 */

import { ConcurrencyLimit } from "./_limit.ts";
import { SerialQueue } from "./_serial.ts";

/** The most log and blob operations in flight per storage object. */
const MAX_OPEN_FILES = 16;

/** The per-file chains of every fs storage object in this process (idle chains are dropped). */
const files = new SerialQueue();

const ignore = (): void => {};

/** The file operations of one fs storage object: ordered per file, limited, awaitable. */
export class FileTasks {
  readonly #pending = new Set<Promise<void>>();
  readonly #limit = new ConcurrencyLimit(MAX_OPEN_FILES);

  /**
   * Runs a file operation after earlier ones on the same file (by any fs storage object of this
   * process), within this object's open-file limit.
   *
   * @param file The absolute path the operation works on.
   * @param task The operation.
   * @returns Its result.
   */
  run<T>(file: string, task: () => Promise<T>): Promise<T> {
    const result = files.run(file, () => this.#limit.run(task));
    this.#track(result);
    return result;
  }

  /**
   * Runs an operation in the background, within the open-file limit but on no file's chain (its
   * failure is ignored; {@linkcode FileTasks.idle} waits for it).
   *
   * @param task The operation.
   */
  background(task: () => Promise<void>): void {
    this.#track(this.#limit.run(task));
  }

  /**
   * Waits for every operation started so far, and for any started while waiting.
   *
   * @returns When idle; never rejects.
   */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Keeps a promise for `idle()` to wait for. */
  #track(promise: Promise<unknown>): void {
    const settled = promise.then(ignore, ignore);
    this.#pending.add(settled);
    void settled.then(() => this.#pending.delete(settled));
  }
}
