/**
 * Abort controllers made one per operation instead of one per object. workerd binds an
 * `AbortController` (and its signal) to the request that made it: one made in a constructor is
 * refused at a Worker's global scope, and one made in a request cannot be used from the next
 * ("Cannot perform I/O on behalf of a different request"). So an object keeps only a plain flag
 * and the controllers of its operations in progress, each made by the request that runs it.
 *
 * @module
 */

/**
 * The controllers of an object's operations in progress, and whether they were all aborted
 * (shutdown): a controller opened after that starts aborted.
 *
 * @internal
 */
export class AbortGroup {
  #aborted = false;
  readonly #live = new Set<AbortController>();

  /** Whether {@linkcode AbortGroup.abort} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /**
   * A new controller for one operation, made by the caller's request; already aborted when the
   * group is. Hand it back with {@linkcode AbortGroup.release} when the operation ends.
   *
   * @returns The controller.
   */
  open(): AbortController {
    const controller = new AbortController();
    if (this.#aborted) controller.abort();
    else this.#live.add(controller);
    return controller;
  }

  /**
   * Forgets the controller of an operation that ended.
   *
   * @param controller A controller {@linkcode AbortGroup.open} returned.
   */
  release(controller: AbortController): void {
    this.#live.delete(controller);
  }

  /** Aborts every controller in progress and each one opened later. Never throws. */
  abort(): void {
    this.#aborted = true;
    for (const controller of this.#live) {
      try {
        controller.abort();
      } catch {
        // Made by another request (workerd): its operation keeps its own time limit.
      }
    }
    this.#live.clear();
  }
}
